import Foundation
import KubeAPI
import Testing
@testable import MiniControlPlane

/// How a policy's expressions decide: messages (expression, message, then
/// `failed expression`), evaluation errors, match conditions, variables,
/// parameters, the cost limit, and which writes its match resources select.
struct AdmissionPolicyEvaluationTests {
    let deployments = ResourceCatalog.info(for: Deployment.self)

    func attributes(replicas: Int64, name: String = "web") -> AdmissionAttributes {
        AdmissionAttributes(operation: .create, info: deployments, subresource: nil, namespace: "default", name: name,
                            object: ["metadata": ["name": .string(name)], "spec": ["replicas": .int(replicas)]], user: nil, dryRun: false)
    }

    func policy(_ validations: [Validation], variables: [Variable] = [], conditions: [MatchCondition] = [],
                params: Bool = false) -> CompiledPolicy {
        var spec = ValidatingAdmissionPolicySpec()
        spec.validations = validations
        spec.variables = variables
        spec.matchConditions = conditions
        if params { spec.paramKind = ParamKind(apiVersion: "v1", kind: "ConfigMap") }
        return CompiledPolicy(ValidatingAdmissionPolicy(metadata: ObjectMeta(name: "p"), spec: spec), bindings: [])
    }

    func decide(_ p: CompiledPolicy, _ a: AdmissionAttributes, params: JSONValue? = nil) -> [CompiledPolicy.Decision] {
        p.evaluate(a, request: WebhookAdmission.request(a, version: "v1"), params: params, namespaceObject: .null)
    }

    @Test func messagesComeFromTheMessageExpressionTheMessageOrTheExpression() {
        var withMessage = Validation(expression: "object.spec.replicas <= 5", message: "at most five")
        withMessage.messageExpression = "'at most five, not ' + string(object.spec.replicas)"
        var multiLine = Validation(expression: "object.spec.replicas <= 5", message: "plain")
        multiLine.messageExpression = "'two\\nlines'"
        let decisions = decide(policy([withMessage, multiLine, Validation(expression: " object.spec.replicas <= 5 ")]), attributes(replicas: 9))
        #expect(decisions.map(\.message) == ["at most five, not 9", "plain", "failed expression: object.spec.replicas <= 5"])
        #expect(decisions.allSatisfy { $0.failed && !$0.evaluationError && $0.reason == "Invalid" })
        #expect(decide(policy([withMessage]), attributes(replicas: 2)).map(\.failed) == [false])
    }

    @Test func evaluationErrorsAreNotDenialsOfTheirOwn() {
        let d = decide(policy([Validation(expression: "object.spec.missing > 1"), Validation(expression: "object.spec.replicas")]),
                       attributes(replicas: 1))
        #expect(d.map(\.evaluationError) == [true, true])
        #expect(d[0].message.hasPrefix("expression 'object.spec.missing > 1' resulted in error: no such key"), "\(d[0].message)")
        #expect(d[1].message.contains("expected bool, got int"), "\(d[1].message)")
    }

    @Test func matchConditionsVariablesAndParams() {
        let p = policy([Validation(expression: "variables.doubled <= int(params.data.max)")],
                       variables: [Variable(name: "doubled", expression: "object.spec.replicas * 2")],
                       conditions: [MatchCondition(name: "not-canary", expression: "!object.metadata.name.startsWith('canary')")],
                       params: true)
        let limits: JSONValue = ["data": ["max": "6"]]
        #expect(decide(p, attributes(replicas: 3), params: limits).map(\.failed) == [false])
        #expect(decide(p, attributes(replicas: 4), params: limits).map(\.failed) == [true])
        #expect(decide(p, attributes(replicas: 4, name: "canary-1"), params: limits).isEmpty)
    }

    @Test func theCostLimitStopsARunawayExpression() {
        let heavy = "[" + Array(repeating: "1", count: 100).joined(separator: ",") + "].all(a, [" +
            Array(repeating: "1", count: 100).joined(separator: ",") + "].all(b, [" + Array(repeating: "1", count: 100).joined(separator: ",") +
            "].all(c, a + b + c > 0)))"
        let d = decide(policy([Validation(expression: heavy), Validation(expression: "true")]), attributes(replicas: 1))
        #expect(d.map(\.evaluationError) == [true, false])
        #expect(d[0].message.contains("operation cancelled: actual cost limit exceeded"), "\(d[0].message)")
    }

    @Test func bindingsWithoutRulesTakeThePolicysResourcesAndNamesNarrow() async throws {
        var rule = NamedRuleWithOperations(operations: ["CREATE"], apiGroups: ["apps"], apiVersions: ["v1"], resources: ["deployments"])
        rule.resourceNames = ["web"]
        var named = MatchResources(resourceRules: [rule])
        named.matchPolicy = "Equivalent"
        let served = ResourceCatalog.builtins
        var excluding = MatchResources(resourceRules: [NamedRuleWithOperations(operations: ["*"], apiGroups: ["*"], apiVersions: ["*"], resources: ["*"])])
        excluding.excludeResourceRules = [rule]
        let web = attributes(replicas: 1), other = attributes(replicas: 1, name: "other")
        try await AdmissionPluginTests.withRegistry { registry in
            func version(_ m: MatchResources, _ a: AdmissionAttributes) async throws -> String? {
                try await CompiledMatch(m).matchedVersion(a, served: served, registry)
            }
            let seen = [try await version(named, web), try await version(named, other), try await version(MatchResources(), web),
                        try await version(excluding, web), try await version(excluding, other)]
            #expect(seen == ["v1", nil, "v1", nil, "v1"])
        }
    }
}
