/// Patch metadata of a field for strategic merge patch: the Go struct tags
/// `patchStrategy` and `patchMergeKey` of the core types, as a tree.
public indirect enum PatchSchema: Sendable {
    /// An object whose listed fields have their own metadata; other fields are plain.
    case object([String: PatchSchema])
    /// A list merged by `key`, each element described by `element`.
    case keyedList(key: String, element: PatchSchema)
    /// A list of scalars merged as a set (e.g. finalizers).
    case primitiveSet
    /// A map whose values all share one schema (not used for plain maps).
    case map(PatchSchema)
    /// Anything else: lists replace, maps merge.
    case plain

    /// The schema of a field of an object schema.
    public func field(_ name: String) -> PatchSchema {
        switch self {
        case .object(let f): return f[name] ?? .plain
        case .map(let s): return s
        default: return .plain
        }
    }

    static let objectMeta: PatchSchema = .object([
        "finalizers": .primitiveSet,
        "ownerReferences": .keyedList(key: "uid", element: .plain),
    ])

    static let container: PatchSchema = .object([
        "ports": .keyedList(key: "containerPort", element: .plain),
        "env": .keyedList(key: "name", element: .plain),
        "volumeMounts": .keyedList(key: "mountPath", element: .plain),
        "volumeDevices": .keyedList(key: "devicePath", element: .plain),
    ])

    static let podSpec: PatchSchema = .object([
        "volumes": .keyedList(key: "name", element: .plain),
        "initContainers": .keyedList(key: "name", element: container),
        "containers": .keyedList(key: "name", element: container),
        "ephemeralContainers": .keyedList(key: "name", element: container),
        "imagePullSecrets": .keyedList(key: "name", element: .plain),
        "hostAliases": .keyedList(key: "ip", element: .plain),
        "topologySpreadConstraints": .keyedList(key: "topologyKey", element: .plain),
        "resourceClaims": .keyedList(key: "name", element: .plain),
        "schedulingGates": .keyedList(key: "name", element: .plain),
    ])

    static let conditions: PatchSchema = .keyedList(key: "type", element: .plain)

    static let podStatus: PatchSchema = .object([
        "conditions": conditions,
        "podIPs": .keyedList(key: "ip", element: .plain),
        "hostIPs": .keyedList(key: "ip", element: .plain),
    ])

    static let podTemplate: PatchSchema = .object(["metadata": objectMeta, "spec": podSpec])

    static let workloadStatus: PatchSchema = .object(["conditions": conditions])

    /// The schema of a whole object of a kind.
    public static func forKind(_ kind: String) -> PatchSchema {
        var fields: [String: PatchSchema] = ["metadata": objectMeta]
        switch kind {
        case "Pod":
            fields["spec"] = podSpec
            fields["status"] = podStatus
        case "Deployment", "ReplicaSet", "DaemonSet":
            fields["spec"] = .object(["template": podTemplate])
            fields["status"] = workloadStatus
        case "Node":
            fields["spec"] = .object(["podCIDRs": .primitiveSet])
            fields["status"] = .object([
                "conditions": conditions,
                "addresses": .keyedList(key: "type", element: .plain),
            ])
        case "Service":
            fields["spec"] = .object(["ports": .keyedList(key: "port", element: .plain)])
            fields["status"] = .object(["conditions": conditions])
        case "Namespace":
            fields["status"] = .object(["conditions": conditions])
        default:
            break
        }
        return .object(fields)
    }
}
