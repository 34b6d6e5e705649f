public import KubeAPI
public import ControllerRuntime

/// Adopting and releasing dependents through patches of `ownerReferences`.
public enum OwnerReferences {
    /// Adds `owner` as the controller of an orphan; nil when it is gone or taken meanwhile.
    public static func adopt<T: KubeObject>(_ obj: T, owner: OwnerReference, client: any ClusterClient) async throws -> T? {
        let patch: JSONValue = ["metadata": ["ownerReferences": [KubeCodec.encode(owner)]]]
        do {
            let updated = try await client.patch(T.self, namespace: obj.metadata.namespace, name: obj.metadata.name ?? "",
                                                 patchType: .strategic, body: patch)
            return updated.metadata.controllerRef?.uid == owner.uid ? updated : nil
        } catch {
            if error.isNotFound { return nil }
            throw error
        }
    }

    /// Removes the owner reference with `ownerUID`.
    public static func release<T: KubeObject>(_ obj: T, ownerUID: String, client: any ClusterClient) async throws {
        let patch: JSONValue = ["metadata": ["ownerReferences": [["$patch": "delete", "uid": .string(ownerUID)]]]]
        do {
            _ = try await client.patch(T.self, namespace: obj.metadata.namespace, name: obj.metadata.name ?? "",
                                       patchType: .strategic, body: patch)
        } catch {
            if !error.isNotFound { throw error }
        }
    }
}

/// Index names shared by the controllers.
public enum Indexes {
    /// Objects by the UID of their controller owner.
    public static let controllerUID = "controllerUID"
    public static let byControllerUID: @Sendable (Pod) -> [String] = { p in p.metadata.controllerRef.map { [$0.uid] } ?? [] }
    /// Pods by node name.
    public static let nodeName = "nodeName"
    public static let byNodeName: @Sendable (Pod) -> [String] = { p in (p.spec?.nodeName).map { [$0] } ?? [] }
}

/// Building merge patches of status objects.
public enum StatusPatch {
    /// A status as a merge patch: members absent from `status` but listed in
    /// `keys` are sent as null so the server removes them.
    public static func replace(_ status: JSONValue, keys: [String]) -> JSONValue {
        var s = status
        for k in keys where s[k] == nil { s[k] = .null }
        return s
    }
}
