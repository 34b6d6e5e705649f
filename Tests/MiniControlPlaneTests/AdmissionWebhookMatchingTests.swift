import Foundation
import KubeAPI
import Testing
@testable import MiniControlPlane

/// Which requests a webhook sees (rules, scopes, subresources, equivalent
/// versions, object selectors, exempt resources), the wording of a refusal,
/// and the validation of configurations.
struct AdmissionWebhookMatchingTests {
    static func attributes(_ info: ResourceInfo, _ op: AdmissionAttributes.Operation = .create, sub: String? = nil,
                           namespace: String? = "default", labels: [String: String] = [:]) -> AdmissionAttributes {
        let object: JSONValue = ["metadata": ["name": "x", "labels": .object(labels.mapValues { .string($0) })]]
        return AdmissionAttributes(operation: op, info: info, subresource: sub, namespace: namespace, name: "x",
                                   object: op == .delete ? nil : object, oldObject: op == .create ? nil : object, user: nil, dryRun: false)
    }

    static func hook(_ rules: [RuleWithOperations], matchPolicy: String? = nil, objectSelector: LabelSelector? = nil) -> ValidatingWebhook {
        var w = ValidatingWebhook(name: "v.example.com", clientConfig: WebhookClientConfig(url: "https://127.0.0.1/"))
        w.rules = rules
        w.matchPolicy = matchPolicy
        w.objectSelector = objectSelector
        w.sideEffects = "None"
        return w
    }

    let pods = ResourceCatalog.info(for: Pod.self)
    let deployments = ResourceCatalog.info(for: Deployment.self)
    let nodes = ResourceCatalog.info(for: Node.self)
    let served = ResourceCatalog.builtins

    @Test func rulesMatchOperationsGroupsVersionsResourcesAndScopes() {
        let podsCreate = RuleWithOperations(operations: ["CREATE"], apiGroups: [""], apiVersions: ["v1"], resources: ["pods"])
        #expect(WebhookMatching.matchedVersion(Self.hook([podsCreate]), Self.attributes(pods), served: served) == "v1")
        #expect(WebhookMatching.matchedVersion(Self.hook([podsCreate]), Self.attributes(pods, .update), served: served) == nil)
        #expect(WebhookMatching.matchedVersion(Self.hook([podsCreate]), Self.attributes(deployments), served: served) == nil)
        // `pods` is the pod itself, not its status; `pods/*` and `*/status` reach the status too.
        #expect(WebhookMatching.matchedVersion(Self.hook([podsCreate]), Self.attributes(pods, sub: "status"), served: served) == nil)
        for items in [["pods/*"], ["*/status"], ["*/*"], ["pods/status"]] {
            let rule = RuleWithOperations(operations: ["*"], apiGroups: ["*"], apiVersions: ["*"], resources: items)
            #expect(WebhookMatching.matchedVersion(Self.hook([rule]), Self.attributes(pods, .update, sub: "status"), served: served) == "v1",
                    "\(items)")
        }
        let star = RuleWithOperations(operations: ["*"], apiGroups: ["*"], apiVersions: ["*"], resources: ["*"])
        #expect(WebhookMatching.matchedVersion(Self.hook([star]), Self.attributes(pods, .update, sub: "status"), served: served) == nil)
        var namespaced = star
        namespaced.scope = "Namespaced"
        var cluster = star
        cluster.scope = "Cluster"
        #expect(WebhookMatching.matchedVersion(Self.hook([namespaced]), Self.attributes(pods), served: served) == "v1")
        #expect(WebhookMatching.matchedVersion(Self.hook([namespaced]), Self.attributes(nodes, namespace: nil), served: served) == nil)
        #expect(WebhookMatching.matchedVersion(Self.hook([cluster]), Self.attributes(nodes, namespace: nil), served: served) == "v1")
    }

    @Test func equivalentVersionsMatchUnlessExact() throws {
        let v1 = try #require(ResourceCatalog.find(group: "autoscaling", version: "v1", plural: "horizontalpodautoscalers"))
        let rule = RuleWithOperations(operations: ["CREATE"], apiGroups: ["autoscaling"], apiVersions: ["v2"], resources: ["horizontalpodautoscalers"])
        #expect(WebhookMatching.matchedVersion(Self.hook([rule]), Self.attributes(v1), served: served) == "v2")
        #expect(WebhookMatching.matchedVersion(Self.hook([rule], matchPolicy: "Exact"), Self.attributes(v1), served: served) == nil)
    }

    @Test func objectSelectorsMatchTheNewOrTheOldObject() {
        let selector = LabelSelector(matchLabels: ["team": "a"])
        let w = CompiledWebhook(Self.hook([], objectSelector: selector), configuration: "c")
        #expect(WebhookMatching.matchesObject(w, Self.attributes(pods, labels: ["team": "a"])))
        #expect(!WebhookMatching.matchesObject(w, Self.attributes(pods, labels: ["team": "b"])))
        #expect(WebhookMatching.matchesObject(w, Self.attributes(pods, .delete, labels: ["team": "a"])))
    }

    @Test func theAdmissionConfigurationsAreExempt() {
        #expect(WebhookMatching.isExempt(ResourceCatalog.info(for: ValidatingWebhookConfiguration.self)))
        #expect(WebhookMatching.isExempt(ResourceCatalog.info(for: MutatingWebhookConfiguration.self)))
        #expect(!WebhookMatching.isExempt(pods))
    }

    @Test func refusalsAreWordedAsUpstreamWordsThem() {
        let s = WebhookAdmission.denial("deny.example.com", Status(message: "no", reason: "Forbidden", code: 403))
        #expect(s.message == #"admission webhook "deny.example.com" denied the request: no"#)
        #expect(s.code == 403)
        let bare = WebhookAdmission.denial("deny.example.com", nil)
        #expect(bare.message == #"admission webhook "deny.example.com" denied the request without explanation"#)
        #expect(bare.code == 400)
    }

    @Test func matchConditionsDecideAndTheirErrorsAreTheWebhooks() throws {
        var w = Self.hook([])
        w.matchConditions = [MatchCondition(name: "named-x", expression: "object.metadata.name == 'x'"),
                             MatchCondition(name: "by-admin", expression: "request.userInfo.username == 'system:apiserver'")]
        let a = Self.attributes(pods)
        let request = WebhookAdmission.request(a, version: "v1")
        #expect(try WebhookAdmission.conditionsHold(CompiledWebhook(w, configuration: "c"), request: request, a))
        w.matchConditions = [MatchCondition(name: "missing", expression: "object.spec.nodeName == 'n'")]
        #expect(throws: WebhookAdmission.WebhookError.self) {
            try WebhookAdmission.conditionsHold(CompiledWebhook(w, configuration: "c"), request: request, a)
        }
    }

    @Test func configurationsAreValidatedAsUpstream() {
        var w = ValidatingWebhook(name: "a.b.c", clientConfig: WebhookClientConfig(service: WebhookServiceReference(namespace: "ns", name: "s")))
        w.sideEffects = "Some"
        w.rules = [RuleWithOperations(operations: ["CREATE"], apiGroups: ["*", "apps"], apiVersions: [""], resources: ["*", "pods"])]
        w.matchConditions = [MatchCondition(name: "c", expression: "object.")]
        let errs = AdmissionRegistrationValidation.validate(ValidatingWebhookConfiguration(webhooks: [w, w])).map(\.description)
        #expect(errs.contains(#"webhooks[0].sideEffects: Unsupported value: "Some": supported values: "None", "NoneOnDryRun""#), "\(errs)")
        #expect(errs.contains(#"webhooks[0].rules[0].apiGroups: Invalid value: []string{"*", "apps"}: if '*' is present, must not specify other API groups"#), "\(errs)")
        #expect(errs.contains("webhooks[0].rules[0].apiVersions[0]: Required value"), "\(errs)")
        #expect(errs.contains(#"webhooks[0].rules[0].resources: Invalid value: []string{"*", "pods"}: if '*' is present, must not specify other resources without subresources"#), "\(errs)")
        #expect(errs.contains(#"webhooks[1].name: Duplicate value: "a.b.c""#), "\(errs)")
        #expect(errs.contains { $0.hasPrefix("webhooks[0].matchConditions[0].expression: Invalid value: \"object.\": compilation failed") }, "\(errs)")
    }
}
