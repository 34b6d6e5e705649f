/// `admission.k8s.io/v1` AdmissionReview: what the API server sends an
/// admission webhook (`request`) and what the webhook answers (`response`).
public struct AdmissionReview: Sendable, Codable {
    public static let apiVersion = "admission.k8s.io/v1"
    public static let kind = "AdmissionReview"
    public var apiVersion: String?
    public var kind: String?
    public var request: AdmissionRequest?
    public var response: AdmissionResponse?

    public init(request: AdmissionRequest? = nil, response: AdmissionResponse? = nil) {
        apiVersion = Self.apiVersion
        kind = Self.kind
        self.request = request
        self.response = response
    }
}

/// A group, version and kind (`{"group":"apps","version":"v1","kind":"Deployment"}`).
public struct GroupVersionKind: Sendable, Codable, Hashable {
    public var group: String
    public var version: String
    public var kind: String

    public init(group: String, version: String, kind: String) {
        self.group = group
        self.version = version
        self.kind = kind
    }
}

/// A group, version and resource (`{"group":"apps","version":"v1","resource":"deployments"}`).
public struct GroupVersionResource: Sendable, Codable, Hashable {
    public var group: String
    public var version: String
    public var resource: String

    public init(group: String, version: String, resource: String) {
        self.group = group
        self.version = version
        self.resource = resource
    }
}

/// The user a request is made as, as authentication found it.
public struct AdmissionUserInfo: Sendable, Codable, Hashable {
    public var username: String?
    public var uid: String?
    public var groups: [String]?
    public var extra: [String: [String]]?

    public init(username: String, groups: [String]) {
        self.username = username
        self.groups = groups
    }
}

/// One write as a webhook sees it.
public struct AdmissionRequest: Sendable, Codable {
    /// Unique per call; the response must carry it back.
    public var uid: String
    public var kind: GroupVersionKind
    public var resource: GroupVersionResource
    public var subResource: String?
    public var requestKind: GroupVersionKind?
    public var requestResource: GroupVersionResource?
    public var requestSubResource: String?
    public var name: String?
    public var namespace: String?
    /// `CREATE`, `UPDATE`, `DELETE` or `CONNECT`.
    public var operation: String
    public var userInfo: AdmissionUserInfo
    public var object: JSONValue?
    public var oldObject: JSONValue?
    public var dryRun: Bool?
    /// The write's options (`CreateOptions`, `UpdateOptions`, `DeleteOptions`).
    public var options: JSONValue?

    public init(uid: String, kind: GroupVersionKind, resource: GroupVersionResource, operation: String, userInfo: AdmissionUserInfo) {
        self.uid = uid
        self.kind = kind
        self.resource = resource
        self.operation = operation
        self.userInfo = userInfo
    }
}

/// A webhook's answer.
public struct AdmissionResponse: Sendable, Codable {
    public var uid: String
    public var allowed: Bool
    /// Why not (its `message` and `code` reach the client).
    public var status: Status?
    /// A base64-encoded JSON patch (mutating webhooks).
    public var patch: String?
    /// `JSONPatch`, the only one.
    public var patchType: String?
    public var auditAnnotations: [String: String]?
    /// Shown to the client as `Warning:` lines.
    public var warnings: [String]?

    public init(uid: String, allowed: Bool) {
        self.uid = uid
        self.allowed = allowed
    }
}
