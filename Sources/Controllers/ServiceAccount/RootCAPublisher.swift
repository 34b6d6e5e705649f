import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Publishes the cluster CA as ConfigMap `kube-root-ca.crt` (key `ca.crt`)
/// in every active namespace, for the projected service account volumes of pods.
public final class RootCAPublisher: Controller {
    public let name = "root-ca-cert-publisher"
    public static let configMapName = "kube-root-ca.crt"
    static let description = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."
    let ctx: ControllerContext
    let queue = WorkQueue(name: "root-ca-cert-publisher")
    let namespaces: Informer<Namespace>
    let configMaps: Informer<ConfigMap>
    let pem: String

    public init(_ ctx: ControllerContext, caPEM: String) {
        self.ctx = ctx
        pem = caPEM
        namespaces = ctx.informers.informer(Namespace.self)
        configMaps = ctx.informers.informer(ConfigMap.self)
        namespaces.addHandler { [queue] e in
            switch e {
            case .added(let n), .updated(_, let n): queue.add(n.name)
            default: break
            }
        }
        configMaps.addHandler { [queue] e in
            switch e {
            case .updated(_, let c), .deleted(let c):
                if c.name == Self.configMapName { queue.add(c.namespace) }
            default: break
            }
        }
    }

    public func run() async {
        await runWorkers(queue, workers: 2, logger: ctx.logger) { [self] ns in
            guard let n = namespaces.get(key: ns), n.metadata.deletionTimestamp == nil, n.status?.phase != "Terminating" else { return nil }
            let data = ["ca.crt": pem]
            if var cm = configMaps.get(namespace: ns, name: Self.configMapName) {
                if cm.data == data { return nil }
                cm.data = data
                _ = try await ctx.client.update(cm)
                return nil
            }
            var meta = ObjectMeta(name: Self.configMapName, namespace: ns)
            meta.annotations = ["kubernetes.io/description": Self.description]
            do {
                _ = try await ctx.client.create(ConfigMap(metadata: meta, data: data))
            } catch let error as KubeClientError {
                if !error.isAlreadyExists && error.code != 403 && !error.isNotFound { throw error }
            }
            return nil
        }
    }
}
