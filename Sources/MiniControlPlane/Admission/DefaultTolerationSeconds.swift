import KubeAPI

/// The DefaultTolerationSeconds admission plugin: a pod that does not
/// tolerate the `node.kubernetes.io/not-ready` or `.../unreachable` NoExecute
/// taints gets tolerations of them for `--default-not-ready-toleration-seconds`
/// and `--default-unreachable-toleration-seconds` (300 by default), so its
/// pods leave a failed node after five minutes.
struct DefaultTolerationSeconds: AdmissionPlugin {
    var name: String { "DefaultTolerationSeconds" }
    var notReadySeconds: Int64 = 300
    var unreachableSeconds: Int64 = 300

    func admit(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard a.info.builtinKind == "Pod", a.info.group.isEmpty, a.isMainResource, a.operation != .delete, var pod = a.object else { return }
        var spec = pod["spec"] ?? .emptyObject
        Defaulter.addDefaultTolerations(&spec, notReadySeconds: notReadySeconds, unreachableSeconds: unreachableSeconds)
        pod["spec"] = spec
        a.object = pod
    }
}
