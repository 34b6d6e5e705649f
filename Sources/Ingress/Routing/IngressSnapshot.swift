public import KubeAPI

/// What the routing table is built from: the cluster objects the controller
/// watches, as one immutable value.
public struct IngressSnapshot: Sendable {
    /// Ingresses of this controller's class (already filtered).
    public var ingresses: [Ingress]
    public var services: [Service]
    public var endpointSlices: [EndpointSlice]
    public var secrets: [Secret]

    public init(ingresses: [Ingress] = [], services: [Service] = [], endpointSlices: [EndpointSlice] = [], secrets: [Secret] = []) {
        self.ingresses = ingresses
        self.services = services
        self.endpointSlices = endpointSlices
        self.secrets = secrets
    }
}

/// A problem found while building the table, reported as an event on the ingress.
public struct IngressProblem: Sendable, Hashable {
    /// `namespace/name` of the ingress.
    public var ingress: String
    /// Upstream-style reason (`ServiceNotFound`, `SecretNotFound`, ...).
    public var reason: String
    public var message: String

    public init(ingress: String, reason: String, message: String) {
        self.ingress = ingress
        self.reason = reason
        self.message = message
    }
}
