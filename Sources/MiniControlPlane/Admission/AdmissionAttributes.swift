import KubeAPI

/// What admission plugins see of one write (upstream's `admission.Attributes`):
/// the operation, the resource and subresource, where and what, who asks,
/// and whether it is a dry run. Mutating plugins change `object`; any plugin
/// may add warnings (returned in `Warning` headers) and audit annotations.
struct AdmissionAttributes: Sendable {
    /// The operations admission sees, spelled as upstream's.
    enum Operation: String, Sendable { case create = "CREATE", update = "UPDATE", delete = "DELETE" }

    var operation: Operation
    var info: ResourceInfo
    var subresource: String?
    var namespace: String?
    var name: String
    /// The new object (nil for deletes).
    var object: JSONValue?
    /// The stored object (updates and deletes).
    var oldObject: JSONValue?
    /// Who asks; nil for the API server's own writes (controllers, bootstrap),
    /// which act as `system:apiserver` in `system:masters`.
    var user: UserInfo?
    var dryRun: Bool
    /// The server's authorizer, for the `authorizer` of admission expressions.
    var authorizer: Authorizer?
    /// Warnings for the client, in order.
    var warnings: [String] = []
    /// `key: value` annotations for the request's audit event.
    var auditAnnotations: [String: String] = [:]

    /// The requesting user, or the API server's loopback identity.
    var requester: UserInfo { user ?? UserInfo(name: "system:apiserver", groups: ["system:masters", "system:authenticated"]) }

    /// Whether the write is of the object itself, not of a subresource (`status`, ...).
    var isMainResource: Bool { subresource == nil }

    /// A 403 naming the object, as upstream's `admission.NewForbidden`:
    /// `pods "x" is forbidden: REASON`.
    func forbidden(_ reason: String) -> Status {
        let what = name.isEmpty ? info.groupResource : "\(info.groupResource) \"\(name)\""
        return APIErrors.forbidden("\(what) is forbidden: \(reason)", kind: info.plural, name: name.isEmpty ? nil : name)
    }
}
