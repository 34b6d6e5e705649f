/// `admissionregistration.k8s.io/v1` ValidatingWebhookConfiguration: webhooks
/// the API server asks, after its own validation, whether a write may go on.
public struct ValidatingWebhookConfiguration: KubeObject, Hashable {
    public static let apiVersion = "admissionregistration.k8s.io/v1"
    public static let kind = "ValidatingWebhookConfiguration"
    public static let resource = "validatingwebhookconfigurations"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var webhooks: [ValidatingWebhook]?

    public init(metadata: ObjectMeta = ObjectMeta(), webhooks: [ValidatingWebhook] = []) {
        apiVersion = Self.apiVersion
        kind = Self.kind
        self.metadata = metadata
        self.webhooks = webhooks
    }
}

/// `admissionregistration.k8s.io/v1` MutatingWebhookConfiguration: webhooks
/// the API server asks, in order, to change an object before it is validated.
public struct MutatingWebhookConfiguration: KubeObject, Hashable {
    public static let apiVersion = "admissionregistration.k8s.io/v1"
    public static let kind = "MutatingWebhookConfiguration"
    public static let resource = "mutatingwebhookconfigurations"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var webhooks: [MutatingWebhook]?

    public init(metadata: ObjectMeta = ObjectMeta(), webhooks: [MutatingWebhook] = []) {
        apiVersion = Self.apiVersion
        kind = Self.kind
        self.metadata = metadata
        self.webhooks = webhooks
    }
}

/// One validating webhook: where it is, which requests it sees, and what a failure to reach it means.
public struct ValidatingWebhook: Sendable, Hashable, Codable {
    /// A fully qualified name, unique in its configuration (`policy.example.com`).
    public var name: String
    public var clientConfig: WebhookClientConfig
    public var rules: [RuleWithOperations]?
    /// `Fail` (the default) or `Ignore`: what a webhook that cannot be called means.
    public var failurePolicy: String?
    /// `Equivalent` (the default) or `Exact`.
    public var matchPolicy: String?
    public var namespaceSelector: LabelSelector?
    public var objectSelector: LabelSelector?
    /// `None` or `NoneOnDryRun` (v1 takes no others).
    public var sideEffects: String?
    /// 1 to 30; 10 by default.
    public var timeoutSeconds: Int32?
    /// The AdmissionReview versions the webhook understands, preferred first.
    public var admissionReviewVersions: [String]
    /// CEL conditions that must all hold for the webhook to be called.
    public var matchConditions: [MatchCondition]?

    public init(name: String, clientConfig: WebhookClientConfig, admissionReviewVersions: [String] = ["v1"]) {
        self.name = name
        self.clientConfig = clientConfig
        self.admissionReviewVersions = admissionReviewVersions
    }
}

/// One mutating webhook: a ``ValidatingWebhook`` that may also answer with a JSON patch.
public struct MutatingWebhook: Sendable, Hashable, Codable {
    public var name: String
    public var clientConfig: WebhookClientConfig
    public var rules: [RuleWithOperations]?
    public var failurePolicy: String?
    public var matchPolicy: String?
    public var namespaceSelector: LabelSelector?
    public var objectSelector: LabelSelector?
    public var sideEffects: String?
    public var timeoutSeconds: Int32?
    public var admissionReviewVersions: [String]
    public var matchConditions: [MatchCondition]?
    /// `Never` (the default) or `IfNeeded`: called once more when a later webhook changed the object.
    public var reinvocationPolicy: String?

    public init(name: String, clientConfig: WebhookClientConfig, admissionReviewVersions: [String] = ["v1"]) {
        self.name = name
        self.clientConfig = clientConfig
        self.admissionReviewVersions = admissionReviewVersions
    }
}

/// Which requests a rule covers: operations on resources of API groups and versions, in a scope.
public struct RuleWithOperations: Sendable, Hashable, Codable {
    /// `CREATE`, `UPDATE`, `DELETE`, `CONNECT` or `*`.
    public var operations: [String]?
    public var apiGroups: [String]?
    public var apiVersions: [String]?
    /// Plurals, `*`, `pods/status`, `*/scale`, `*/*`.
    public var resources: [String]?
    /// `Cluster`, `Namespaced` or `*` (the default).
    public var scope: String?

    public init(operations: [String], apiGroups: [String], apiVersions: [String], resources: [String], scope: String? = nil) {
        self.operations = operations
        self.apiGroups = apiGroups
        self.apiVersions = apiVersions
        self.resources = resources
        self.scope = scope
    }
}

/// A named CEL expression over `object`, `oldObject` and `request` that decides whether a webhook is called.
public struct MatchCondition: Sendable, Hashable, Codable {
    public var name: String
    public var expression: String

    public init(name: String, expression: String) {
        self.name = name
        self.expression = expression
    }
}

/// What validating and mutating webhooks have in common: what the API server
/// matches requests against and how it calls them.
public protocol AdmissionWebhook: Sendable {
    var name: String { get }
    var clientConfig: WebhookClientConfig { get }
    var rules: [RuleWithOperations]? { get }
    var failurePolicy: String? { get }
    var matchPolicy: String? { get }
    var namespaceSelector: LabelSelector? { get }
    var objectSelector: LabelSelector? { get }
    var sideEffects: String? { get }
    var timeoutSeconds: Int32? { get }
    var admissionReviewVersions: [String] { get }
    var matchConditions: [MatchCondition]? { get }
}

extension ValidatingWebhook: AdmissionWebhook {}
extension MutatingWebhook: AdmissionWebhook {}
