/// The `Status` object Kubernetes returns for errors (and some successes).
public struct Status: Sendable, Hashable, Codable, Error, CustomStringConvertible {
    public var kind: String? = "Status"
    public var apiVersion: String? = "v1"
    public var metadata: ListMeta? = ListMeta()
    public var status: String?
    public var message: String?
    public var reason: String?
    public var details: StatusDetails?
    public var code: Int?

    public init(status: String = "Failure", message: String, reason: String, code: Int, details: StatusDetails? = nil) {
        self.status = status
        self.message = message
        self.reason = reason
        self.code = code
        self.details = details
    }

    public var description: String { "\(code ?? 0) \(reason ?? ""): \(message ?? "")" }
}

/// What a Status is about.
public struct StatusDetails: Sendable, Hashable, Codable {
    public var name: String?
    public var group: String?
    public var kind: String?
    public var uid: String?
    public var causes: [StatusCause]?
    public var retryAfterSeconds: Int?
    public init(name: String? = nil, group: String? = nil, kind: String? = nil, causes: [StatusCause]? = nil,
                retryAfterSeconds: Int? = nil) {
        self.name = name
        self.group = group
        self.kind = kind
        self.causes = causes
        self.retryAfterSeconds = retryAfterSeconds
    }
}

/// One cause of a failure, such as a field error.
public struct StatusCause: Sendable, Hashable, Codable {
    public var reason: String?
    public var message: String?
    public var field: String?
    public init(reason: String?, message: String?, field: String?) {
        self.reason = reason
        self.message = message
        self.field = field
    }
}

/// A list of objects as the API returns it.
public struct KubeList<Item: KubeObject>: Sendable, Codable {
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ListMeta?
    public var items: [Item]
    public init(items: [Item], metadata: ListMeta? = nil) {
        self.items = items
        self.metadata = metadata
        self.apiVersion = Item.apiVersion
        self.kind = Item.kind + "List"
    }
}
