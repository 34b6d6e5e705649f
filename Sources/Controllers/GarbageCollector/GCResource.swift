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

    /// Registers a handler of an informer's changes as (old, new) metadata.
    static func metadataChanges<T: KubeObject>(_ inf: Informer<T>) -> @Sendable (@escaping @Sendable (ObjectMeta?, ObjectMeta?) -> Void) -> Void {
        { handler in
            inf.addHandler { e in
                switch e {
                case .added(let o): handler(nil, o.metadata)
                case .updated(let old, let new): handler(old.metadata, new.metadata)
                case .deleted(let o): handler(o.metadata, nil)
                case .synced: break
                }
            }
        }
    }

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
            onChange: metadataChanges(inf))
    }

    /// A resource known only at run time (a custom resource's storage version):
    /// its own metadata informer, which the garbage collector runs; ownerReference
    /// removals go as merge patches, since custom resources take no strategic merge.
    public static func make(resource: ResourceInfo, client: any ClusterClient) -> GCResource {
        let inf = Informer(PartialObjectMetadata.self, client: ResourceListWatch(resource: resource, base: client), keepUnknownFields: false)
        inf.addIndex(ownerIndex) { o in (o.metadata.ownerReferences ?? []).map(\.uid) }
        let namespaced = resource.namespaced
        @Sendable func fetch(_ ns: String?, _ name: String) async throws(KubeClientError) -> ObjectMeta {
            var options = ListOptions()
            options.fieldSelector = "metadata.name=\(name)"
            let found = try await client.listObjects(resource, as: PartialObjectMetadata.self, namespace: namespaced ? ns : nil, options: options)
            guard let meta = found.items.first?.metadata else {
                throw .status(Status(message: "\(resource.plural).\(resource.group) \"\(name)\" not found", reason: "NotFound", code: 404))
            }
            return meta
        }
        return GCResource(
            apiVersion: resource.apiVersion, kind: resource.kind, namespaced: namespaced, informer: inf,
            get: { ns, name in inf.get(namespace: namespaced ? ns : nil, name: name)?.metadata },
            dependents: { uid in inf.byIndex(ownerIndex, uid).map(\.metadata) },
            fetch: fetch,
            delete: { ns, name, options throws(KubeClientError) in
                try await client.deleteRaw(resource, namespace: namespaced ? ns : nil, name: name, options: options)
            },
            patch: { ns, name, type, body throws(KubeClientError) in
                guard type == .strategic else {
                    try await client.patchRaw(resource, namespace: ns, name: name, patchType: type, body: body)
                    return
                }
                // The collector's strategic `$patch: delete` of owner references, as a merge patch of what is left.
                let drop = Set((body[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).compactMap { $0["uid"]?.stringValue })
                let meta = try await fetch(ns, name)
                let kept = (meta.ownerReferences ?? []).filter { !drop.contains($0.uid) }
                let refs: JSONValue = kept.isEmpty ? .null : KubeCodec.encode(kept)
                try await client.patchRaw(resource, namespace: ns, name: name, patchType: .merge,
                                          body: ["metadata": ["ownerReferences": refs, "resourceVersion": .string(meta.resourceVersion ?? "")]])
            },
            onChange: metadataChanges(inf))
    }

    /// The API group of `apiVersion` (`apps` of `apps/v1`, "" of `v1`).
    static func group(_ apiVersion: String) -> String {
        apiVersion.split(separator: "/").count == 2 ? String(apiVersion.split(separator: "/")[0]) : ""
    }

    /// Whether an owner reference names this resource's kind (any version of its group: an owner
    /// reference may carry a version other than the one kept in storage).
    func matches(_ ref: OwnerReference) -> Bool { kind == ref.kind && Self.group(apiVersion) == Self.group(ref.apiVersion) }
}
