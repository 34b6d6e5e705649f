/// `apiextensions.k8s.io/v1` ConversionReview: what the API server sends a
/// definition's conversion webhook (`request`) and gets back (`response`).
public struct ConversionReview: Sendable, Codable {
    public var apiVersion: String?
    public var kind: String?
    public var request: ConversionRequest?
    public var response: ConversionResponse?

    public init(request: ConversionRequest) {
        apiVersion = "apiextensions.k8s.io/v1"
        kind = "ConversionReview"
        self.request = request
    }
}

/// The objects to convert and the version wanted.
public struct ConversionRequest: Sendable, Codable {
    public var uid: String
    /// `GROUP/VERSION` the objects are wanted in.
    public var desiredAPIVersion: String
    public var objects: [JSONValue]

    public init(uid: String, desiredAPIVersion: String, objects: [JSONValue]) {
        self.uid = uid
        self.desiredAPIVersion = desiredAPIVersion
        self.objects = objects
    }
}

/// The converted objects, in the request's order, and whether it went well.
public struct ConversionResponse: Sendable, Codable {
    public var uid: String?
    public var convertedObjects: [JSONValue]?
    /// `status: Success`, or `Failure` with a `message`.
    public var result: Status?

    public init(uid: String? = nil, convertedObjects: [JSONValue]? = nil, result: Status? = nil) {
        self.uid = uid
        self.convertedObjects = convertedObjects
        self.result = result
    }
}
