/// A check being built with Kubernetes' CEL authorizer library (the
/// `authorizer` variable of admission policies and match conditions):
/// `authorizer.group('apps').resource('deployments').namespace('ns').check('update')`,
/// `authorizer.path('/healthz').check('get')`, `authorizer.serviceAccount(ns, name)`,
/// and `authorizer.requestResource` (the request's own resource).
public struct CELAuthzCheck: Sendable, Hashable {
    /// How far the check has been built: the library's types `Authorizer`,
    /// `GroupCheck`, `ResourceCheck` and `PathCheck`.
    public enum Stage: String, Sendable, Hashable {
        case authorizer = "Authorizer", group = "GroupCheck", resource = "ResourceCheck", path = "PathCheck"
    }

    public var stage: Stage
    /// `namespace/name` of the service account checked instead of the requester.
    public var serviceAccount: String?
    public var group = ""
    public var resource = ""
    public var subresource = ""
    public var namespace = ""
    public var name = ""
    public var path = ""

    /// A check at `stage` that starts afresh (the request's resource forgotten).
    init(stage: Stage, serviceAccount: String?) {
        self.stage = stage
        self.serviceAccount = serviceAccount
    }

    /// The `authorizer` variable of a request; it remembers the request's
    /// resource for `authorizer.requestResource`.
    public init(requestGroup group: String, resource: String, subresource: String, namespace: String, name: String) {
        stage = .authorizer
        self.group = group
        self.resource = resource
        self.subresource = subresource
        self.namespace = namespace
        self.name = name
    }
}

/// The answer of an authorizer check (the library's `Decision`).
public struct CELAuthzDecision: Sendable, Hashable {
    public var allowed: Bool
    public var reason: String
    /// Why the authorizer could not decide, or "".
    public var error: String

    public init(allowed: Bool, reason: String = "", error: String = "") {
        self.allowed = allowed
        self.reason = reason
        self.error = error
    }
}

/// Asks the server's authorizer whether a check's subject may do `verb`.
public typealias CELAuthorize = @Sendable (_ check: CELAuthzCheck, _ verb: String) -> CELAuthzDecision

extension CELLibraries {
    static let authzNames: Set<String> = ["group", "resource", "subresource", "namespace", "name", "path", "check", "serviceAccount",
                                          "allowed", "reason", "errored", "error"]

    /// The authorizer library's member functions.
    static func authz(_ name: String, _ c: CELAuthzCheck, _ args: [CELValue], _ ev: inout CELEvaluator) throws(Failure) -> CELValue? {
        var strings: [String] = []
        for a in args {
            guard case .string(let s) = a else { return nil }
            strings.append(s)
        }
        var next = c
        switch (c.stage, name, strings.count) {
        case (.authorizer, "group", 1):
            next = CELAuthzCheck(stage: .group, serviceAccount: c.serviceAccount)
            next.group = strings[0]
        case (.authorizer, "path", 1):
            next = CELAuthzCheck(stage: .path, serviceAccount: c.serviceAccount)
            next.path = strings[0]
        case (.authorizer, "serviceAccount", 2):
            next.serviceAccount = strings[0] + "/" + strings[1]
        case (.group, "resource", 1):
            next.stage = .resource
            next.resource = strings[0]
        case (.resource, "subresource", 1): next.subresource = strings[0]
        case (.resource, "namespace", 1): next.namespace = strings[0]
        case (.resource, "name", 1): next.name = strings[0]
        case (.resource, "check", 1), (.path, "check", 1):
            guard let authorize = ev.authorize else {
                throw .error("authorizer checks need the server's authorizer: they run in ValidatingAdmissionPolicies and webhook matchConditions only")
            }
            try ev.charge(350_000)  // upstream's cost of a check: two per expression at most
            return .object(.decision(authorize(c, c.stage == .path ? strings[0].lowercased() : strings[0])))
        default: return nil
        }
        return .object(.authz(next))
    }

    static func decision(_ name: String, _ d: CELAuthzDecision) -> CELValue? {
        switch name {
        case "allowed": return .bool(d.allowed)
        case "reason": return .string(d.reason)
        case "errored": return .bool(!d.error.isEmpty)
        case "error": return .string(d.error)
        default: return nil
        }
    }
}
