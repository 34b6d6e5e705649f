/// Finds fields the typed model does not know, for `fieldValidation=Strict|Warn`.
public enum UnknownFieldCheck {
    /// Dotted paths of unknown fields outside `status`, or nil for kinds without a model.
    public static func unknownFields(kind: String, _ obj: JSONValue) -> [String]? {
        func check<T: KubeObject>(_ t: T.Type) -> [String] {
            guard let typed = try? KubeCodec.decodeObject(t, from: obj) else { return [] }
            return (typed.metadata.preservedUnknownFields?.paths ?? []).filter { !$0.hasPrefix("status") }
        }
        switch kind {
        case "Pod": return check(Pod.self)
        case "Node": return check(Node.self)
        case "Service": return check(Service.self)
        case "Endpoints": return check(Endpoints.self)
        case "EndpointSlice": return check(EndpointSlice.self)
        case "ConfigMap": return check(ConfigMap.self)
        case "Secret": return check(Secret.self)
        case "ServiceAccount": return check(ServiceAccount.self)
        case "Namespace": return check(Namespace.self)
        case "Event": return check(Event.self)
        case "Lease": return check(Lease.self)
        case "Deployment": return check(Deployment.self)
        case "ReplicaSet": return check(ReplicaSet.self)
        case "DaemonSet": return check(DaemonSet.self)
        case "PodTemplate": return check(PodTemplate.self)
        default: return nil
        }
    }
}
