import Foundation
public import KubeAPI
public import ControllerRuntime

/// One kind as the garbage collector sees it: metadata from the shared
/// informer, live reads, deletes and metadata patches, with the type erased
/// so every kind is handled alike.
public struct GCResource: Sendable {
    public let apiVersion: String
    public let kind: String
    public let namespaced: Bool
    let informer: any RunnableInformer
    let get: @Sendable (_ namespace: String?, _ name: String) -> ObjectMeta?
    let dependents: @Sendable (_ ownerUID: String) -> [ObjectMeta]
    let fetch: @Sendable (_ namespace: String?, _ name: String) async throws(KubeClientError) -> ObjectMeta
    let delete: @Sendable (_ namespace: String?, _ name: String, _ options: DeleteOptions) async throws(KubeClientError) -> Void
    let patch: @Sendable (_ namespace: String?, _ name: String, _ type: PatchType, _ body: JSONValue) async throws(KubeClientError) -> Void
    let onChange: @Sendable (@escaping @Sendable (_ old: ObjectMeta?, _ new: ObjectMeta?) -> Void) -> Void

    /// Index of owner UIDs (all owner references, not just the controller).
    static let ownerIndex = "gcOwnerUID"

    /// Wraps the shared informer of `T`.
    public static func make<T: KubeObject>(_ type: T.Type, informers: InformerFactory, client: any ClusterClient) -> GCResource {
        let inf = informers.informer(T.self)
        inf.addIndex(ownerIndex) { o in (o.metadata.ownerReferences ?? []).map(\.uid) }
        return GCResource(
            apiVersion: T.apiVersion, kind: T.kind, namespaced: T.namespaced, informer: inf,
            get: { ns, name in inf.get(namespace: T.namespaced ? ns : nil, name: name)?.metadata },
            dependents: { uid in inf.byIndex(ownerIndex, uid).map(\.metadata) },
            fetch: { ns, name throws(KubeClientError) in try await client.get(T.self, namespace: ns, name: name).metadata },
            delete: { ns, name, options throws(KubeClientError) in try await client.delete(T.self, namespace: ns, name: name, options: options) },
            patch: { ns, name, type, body throws(KubeClientError) in _ = try await client.patch(T.self, namespace: ns, name: name, patchType: type, body: body) },
            onChange: { handler in
                inf.addHandler { e in
                    switch e {
                    case .added(let o): handler(nil, o.metadata)
                    case .updated(let old, let new): handler(old.metadata, new.metadata)
                    case .deleted(let o): handler(o.metadata, nil)
                    case .synced: break
                    }
                }
            })
    }
}
