public import KubeAPI

/// Values a pod can learn about itself through the downward API
/// (`fieldRef`, `resourceFieldRef`), shared by env vars and downwardAPI volumes.
public struct PodFields: Sendable {
    public var pod: Pod
    public var podIP: String?
    public var hostIP: String?
    public var nodeName: String
    /// Node allocatable: the default of limits a container does not set.
    public var nodeAllocatable: ResourceList

    public init(pod: Pod, podIP: String?, hostIP: String?, nodeName: String, nodeAllocatable: ResourceList = [:]) {
        self.pod = pod
        self.podIP = podIP
        self.hostIP = hostIP
        self.nodeName = nodeName
        self.nodeAllocatable = nodeAllocatable
    }

    /// The value of `fieldPath`, or an error message naming what is unsupported.
    public func field(_ path: String) throws(EnvError) -> String {
        let meta = pod.metadata
        switch path {
        case "metadata.name": return meta.name ?? ""
        case "metadata.namespace": return meta.namespace ?? ""
        case "metadata.uid": return meta.uid ?? ""
        case "spec.nodeName": return pod.spec?.nodeName ?? nodeName
        case "spec.serviceAccountName": return pod.spec?.serviceAccountName ?? "default"
        case "status.podIP": return podIP ?? ""
        case "status.podIPs": return podIP ?? ""
        case "status.hostIP", "status.hostIPs": return hostIP ?? ""
        case "metadata.labels": return PodFields.render(meta.labels ?? [:])
        case "metadata.annotations": return PodFields.render(meta.annotations ?? [:])
        default:
            for (prefix, map) in [("metadata.labels", meta.labels), ("metadata.annotations", meta.annotations)] {
                if path.hasPrefix(prefix + "['"), path.hasSuffix("']") {
                    let key = String(path.dropFirst(prefix.count + 2).dropLast(2))
                    return map?[key] ?? ""
                }
            }
            throw EnvError("unsupported fieldPath \"\(path)\"")
        }
    }

    /// `key="value"` lines, sorted, as the downward API writes label maps.
    static func render(_ map: [String: String]) -> String {
        map.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: "\n")
    }

    /// The value of a resource field of a container (limits default to node allocatable).
    public func resource(_ selector: ResourceFieldSelector, container: Container) throws(EnvError) -> String {
        guard let resource = selector.resource else { throw EnvError("resourceFieldRef needs a resource") }
        let target: Container
        if let name = selector.containerName, name != container.name {
            guard let c = (pod.spec?.containers ?? []).first(where: { $0.name == name }) else {
                throw EnvError("resourceFieldRef names container \"\(name)\", which is not in the pod")
            }
            target = c
        } else {
            target = container
        }
        let parts = resource.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, ["limits", "requests"].contains(parts[0]) else {
            throw EnvError("unsupported resource \"\(resource)\"")
        }
        let name = String(parts[1])
        let list = parts[0] == "limits" ? target.resources?.limits : target.resources?.requests
        let quantity = list?[name] ?? (parts[0] == "limits" ? nodeAllocatable[name] : nil) ?? Quantity("0")
        let divisor = selector.divisor ?? Quantity("1")
        if name == "cpu" {
            let milli = max(divisor.milliValue, 1)
            return String((quantity.milliValue + milli - 1) / milli)
        }
        let d = max(divisor.value, 1)
        return String((quantity.value + d - 1) / d)
    }
}

/// A container's environment could not be built; the message is shown as the
/// CreateContainerConfigError reason's message, as the kubelet does.
public struct EnvError: Error, CustomStringConvertible, Sendable, Equatable {
    public var description: String
    public init(_ message: String) { description = message }
}
