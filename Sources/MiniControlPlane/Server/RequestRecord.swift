/// What routing learned of a request, for metrics and the audit log.
struct RequestRecord: Sendable {
    var verb: String
    /// The resource's plural ("" for non-resource requests).
    var resource = ""
    /// Who made it, once authenticated.
    var user: UserInfo?
    /// The object it addressed, for resource requests.
    var path: APIPath?
    /// What admission noted for the audit event.
    var auditAnnotations: [String: String] = [:]
}

