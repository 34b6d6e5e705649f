/// `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicy: CEL
/// validations the API server itself runs on the writes its bindings select.
public struct ValidatingAdmissionPolicy: KubeObject, Hashable {
    public static let apiVersion = "admissionregistration.k8s.io/v1"
    public static let kind = "ValidatingAdmissionPolicy"
    public static let resource = "validatingadmissionpolicies"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ValidatingAdmissionPolicySpec
    public var status: ValidatingAdmissionPolicyStatus?

    public init(metadata: ObjectMeta = ObjectMeta(), spec: ValidatingAdmissionPolicySpec = ValidatingAdmissionPolicySpec()) {
        apiVersion = Self.apiVersion
        kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// What a policy checks and on which writes.
public struct ValidatingAdmissionPolicySpec: Sendable, Hashable, Codable {
    /// The kind of the objects bindings name as parameters (`params` in expressions).
    public var paramKind: ParamKind?
    /// The writes the policy may apply to (its bindings narrow them further).
    public var matchConstraints: MatchResources?
    public var validations: [Validation]?
    /// `Fail` (the default) or `Ignore`: what an expression that cannot be evaluated, or a misconfiguration, means.
    public var failurePolicy: String?
    public var auditAnnotations: [AuditAnnotation]?
    public var matchConditions: [MatchCondition]?
    /// Named expressions, evaluated in order, as `variables.NAME`.
    public var variables: [Variable]?

    public init() {}
}

/// The group-version and kind of a policy's parameters.
public struct ParamKind: Sendable, Hashable, Codable {
    public var apiVersion: String?
    public var kind: String?

    public init(apiVersion: String, kind: String) {
        self.apiVersion = apiVersion
        self.kind = kind
    }
}

/// Which writes a policy or binding matches: rules with resource names, exclusions, selectors.
public struct MatchResources: Sendable, Hashable, Codable {
    public var namespaceSelector: LabelSelector?
    public var objectSelector: LabelSelector?
    public var resourceRules: [NamedRuleWithOperations]?
    public var excludeResourceRules: [NamedRuleWithOperations]?
    /// `Equivalent` (the default) or `Exact`.
    public var matchPolicy: String?

    public init(resourceRules: [NamedRuleWithOperations]? = nil) {
        self.resourceRules = resourceRules
    }
}

/// A ``RuleWithOperations`` that may also name the objects it covers.
public struct NamedRuleWithOperations: Sendable, Hashable, Codable {
    /// Object names; any when empty.
    public var resourceNames: [String]?
    public var operations: [String]?
    public var apiGroups: [String]?
    public var apiVersions: [String]?
    public var resources: [String]?
    public var scope: String?

    public init(operations: [String], apiGroups: [String], apiVersions: [String], resources: [String]) {
        self.operations = operations
        self.apiGroups = apiGroups
        self.apiVersions = apiVersions
        self.resources = resources
    }

    /// The rule without its names.
    public var rule: RuleWithOperations {
        var r = RuleWithOperations(operations: operations ?? [], apiGroups: apiGroups ?? [], apiVersions: apiVersions ?? [],
                                   resources: resources ?? [])
        r.scope = scope
        return r
    }
}

/// One CEL validation of a policy.
public struct Validation: Sendable, Hashable, Codable {
    /// Must evaluate to true for the write to pass.
    public var expression: String
    public var message: String?
    /// `Unauthorized`, `Forbidden`, `Invalid` (the default) or `RequestEntityTooLarge`: the refusal's reason and code.
    public var reason: String?
    /// A CEL expression giving the message (a string).
    public var messageExpression: String?

    public init(expression: String, message: String? = nil) {
        self.expression = expression
        self.message = message
    }
}

/// An audit annotation a policy adds: `POLICY/KEY` set to what `valueExpression` gives (a string, or null for none).
public struct AuditAnnotation: Sendable, Hashable, Codable {
    public var key: String
    public var valueExpression: String

    public init(key: String, valueExpression: String) {
        self.key = key
        self.valueExpression = valueExpression
    }
}

/// A named CEL expression of a policy.
public struct Variable: Sendable, Hashable, Codable {
    public var name: String
    public var expression: String

    public init(name: String, expression: String) {
        self.name = name
        self.expression = expression
    }
}

/// What the API server found checking a policy.
public struct ValidatingAdmissionPolicyStatus: Sendable, Hashable, Codable {
    public var observedGeneration: Int64?
    public var conditions: [Condition]?
}

/// `admissionregistration.k8s.io/v1` ValidatingAdmissionPolicyBinding: puts a policy to work
/// on the writes it matches, with parameters and actions.
public struct ValidatingAdmissionPolicyBinding: KubeObject, Hashable {
    public static let apiVersion = "admissionregistration.k8s.io/v1"
    public static let kind = "ValidatingAdmissionPolicyBinding"
    public static let resource = "validatingadmissionpolicybindings"
    public static let namespaced = false
    public var apiVersion: String?
    public var kind: String?
    public var metadata: ObjectMeta
    public var spec: ValidatingAdmissionPolicyBindingSpec

    public init(metadata: ObjectMeta = ObjectMeta(), spec: ValidatingAdmissionPolicyBindingSpec) {
        apiVersion = Self.apiVersion
        kind = Self.kind
        self.metadata = metadata
        self.spec = spec
    }
}

/// The policy a binding applies, its parameters, where, and what a failed validation does.
public struct ValidatingAdmissionPolicyBindingSpec: Sendable, Hashable, Codable {
    public var policyName: String
    public var paramRef: ParamRef?
    public var matchResources: MatchResources?
    /// `Deny`, `Warn` and/or `Audit` (Deny and Warn not together).
    public var validationActions: [String]?

    public init(policyName: String, validationActions: [String]) {
        self.policyName = policyName
        self.validationActions = validationActions
    }
}

/// The parameter objects of a binding: one by name, or those a selector picks, in a namespace.
public struct ParamRef: Sendable, Hashable, Codable {
    public var name: String?
    public var namespace: String?
    public var selector: LabelSelector?
    /// `Deny` (the default) or `Allow`: what finding no parameters means.
    public var parameterNotFoundAction: String?

    public init(name: String) {
        self.name = name
    }
}
