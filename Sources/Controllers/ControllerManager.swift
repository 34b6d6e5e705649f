import ControllerRuntime

/// The controllers by name, and which of them `--controllers` enables.
public enum ControllerManager {
    /// Every controller, in start order.
    public static let names = ["replicaset", "replicationcontroller", "deployment", "daemonset", "statefulset", "job", "cronjob", "ttl-after-finished",
                               "horizontalpodautoscaling",
                               "endpointslice", "endpoints", "nodelifecycle",
                               "garbagecollector", "namespace", "serviceaccount", "root-ca-cert-publisher", "nodeipam", "podgc", "resourcequota",
                               "csrapproving", "csrsigning", "tokencleaner",
                               "persistentvolume-binder", "pvc-protection", "pv-protection", "ephemeral-volume", "attachdetach",
                               "csi-provisioner", "csi-attacher", "csi-resizer", "disruption", "service-lb-controller"]

    /// Resolves a `--controllers` value like kube-controller-manager's:
    /// `*` is every controller (and the scheduler), `NAME` adds one, `-NAME` removes one.
    public static func enabled(_ spec: [String], known: [String]) throws(ControllerSelectionError) -> Set<String> {
        var out: Set<String> = []
        for raw in spec.flatMap({ $0.split(separator: ",").map(String.init) }) {
            let item = raw.trimmingCharacters(in: " ")
            if item.isEmpty { continue }
            if item == "*" {
                out.formUnion(known)
            } else if item.hasPrefix("-") {
                let name = String(item.dropFirst())
                guard known.contains(name) else { throw ControllerSelectionError(name: name, known: known) }
                out.remove(name)
            } else {
                guard known.contains(item) else { throw ControllerSelectionError(name: item, known: known) }
                out.insert(item)
            }
        }
        return out
    }

    /// The enabled controllers, built over one context (sharing its informers).
    public static func make(_ ctx: ControllerContext, enabled: Set<String>) -> [any Controller] {
        var out: [any Controller] = []
        for name in names where enabled.contains(name) {
            switch name {
            case "replicaset": out.append(ReplicaSetController(ctx))
            case "replicationcontroller": out.append(ReplicationManager(ctx))
            case "deployment": out.append(DeploymentController(ctx))
            case "daemonset": out.append(DaemonSetController(ctx))
            case "statefulset": out.append(StatefulSetController(ctx))
            case "job": out.append(JobController(ctx))
            case "cronjob": out.append(CronJobController(ctx))
            case "ttl-after-finished": out.append(TTLAfterFinishedController(ctx))
            case "horizontalpodautoscaling": out.append(HorizontalPodAutoscalerController(ctx))
            case "endpointslice": out.append(EndpointSliceController(ctx))
            case "endpoints": out.append(EndpointsController(ctx))
            case "nodelifecycle": out.append(NodeLifecycleController(ctx))
            case "garbagecollector": out.append(GarbageCollector(ctx))
            case "namespace": out.append(NamespaceController(ctx))
            case "serviceaccount": out.append(ServiceAccountController(ctx))
            case "root-ca-cert-publisher":
                if let pem = ctx.configuration.rootCAPEM { out.append(RootCAPublisher(ctx, caPEM: pem)) }
            case "nodeipam": out.append(NodeIPAMController(ctx))
            case "podgc": out.append(PodGCController(ctx))
            case "resourcequota": out.append(ResourceQuotaController(ctx))
            case "csrapproving": out.append(CSRApprovingController(ctx))
            case "csrsigning":
                if let issuer = ctx.configuration.certificateIssuer { out.append(CSRSigningController(ctx, issuer: issuer)) }
            case "tokencleaner": out.append(TokenCleaner(ctx))
            case "persistentvolume-binder": out.append(PersistentVolumeController(ctx))
            case "pvc-protection": out.append(PVCProtectionController(ctx))
            case "pv-protection": out.append(PVProtectionController(ctx))
            case "ephemeral-volume": out.append(EphemeralVolumeController(ctx))
            case "attachdetach": out.append(AttachDetachController(ctx))
            // The CSI sidecars' roles only for drivers named by --csi-controller
            // (none: no informers or watches made for them).
            case "csi-provisioner" where !ctx.configuration.csiControllers.isEmpty: out.append(CSIProvisioner(ctx))
            case "csi-attacher" where !ctx.configuration.csiControllers.isEmpty: out.append(CSIAttacher(ctx))
            case "csi-resizer" where !ctx.configuration.csiControllers.isEmpty: out.append(CSIResizer(ctx))
            case "disruption": out.append(DisruptionController(ctx))
            case "service-lb-controller": out.append(ServiceLoadBalancerController(ctx))
            default: break
            }
        }
        return out
    }
}

/// An unknown name in `--controllers`.
public struct ControllerSelectionError: Error, CustomStringConvertible {
    public var name: String
    public var known: [String]
    public var description: String {
        "unknown controller \"\(name)\" in --controllers; known: *, \(known.joined(separator: ", "))"
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s = s.dropFirst() }
        while let l = s.last, set.contains(l) { s = s.dropLast() }
        return String(s)
    }
}
