import Testing
@testable import KubeAPI

@Suite struct SelectorTests {
    let labels = ["app": "web", "tier": "front", "env": "prod", "version": "3"]

    @Test(arguments: [
        ("app=web", true), ("app==web", true), ("app!=web", false), ("app=db", false), ("app", true), ("!app", false),
        ("missing", false), ("!missing", true), ("env in (prod,staging)", true), ("env notin (prod)", false),
        ("env notin (dev)", true), ("app=web,tier=front", true), ("app=web,tier=back", false),
        ("version>2", true), ("version<3", false), ("", true), (" app = web ", true), ("missing notin (x)", true),
    ])
    func matchesQuerySyntax(_ text: String, _ expected: Bool) throws {
        let s = try LabelRequirements(parsing: text)
        #expect(s.matches(labels) == expected)
    }

    @Test(arguments: ["app in prod", "app in (a", "=x", "app=b@d", "app in (a) b", "a/b/c=x"])
    func rejectsBadQuerySyntax(_ text: String) {
        #expect(throws: SelectorParseError.self) { try LabelRequirements(parsing: text) }
    }

    @Test func convertsSelectorObjects() throws {
        let sel = LabelSelector(matchLabels: ["app": "web"],
                                matchExpressions: [LabelSelectorRequirement(key: "env", operator: "In", values: ["prod"]),
                                                   LabelSelectorRequirement(key: "canary", operator: "DoesNotExist")])
        #expect(sel.matches(labels))
        #expect(sel.queryString == "app=web,env in (prod),!canary")
        #expect(LabelSelector().matches(labels))
        let bad = LabelSelector(matchExpressions: [LabelSelectorRequirement(key: "a", operator: "Near")])
        #expect(throws: SelectorParseError.self) { try LabelRequirements(bad) }
        #expect(!bad.matches(labels))
    }

    @Test func fieldSelectors() throws {
        let pod: JSONValue = ["metadata": ["name": "p", "namespace": "ns"], "spec": ["nodeName": "n1"], "status": ["phase": "Running"]]
        #expect(try FieldSelector(parsing: "spec.nodeName=n1").matches(pod))
        #expect(try FieldSelector(parsing: "spec.nodeName==n1,status.phase!=Failed").matches(pod))
        #expect(try !FieldSelector(parsing: "status.phase!=Running").matches(pod))
        #expect(try FieldSelector(parsing: "spec.nodeName=").matches(["spec": [:]]))
        #expect(try FieldSelector(parsing: "metadata.name=p,metadata.namespace=ns").matches(pod))
        #expect(try FieldSelector(parsing: "spec.nodeName=n1").requiredValue("spec.nodeName") == "n1")
        #expect(throws: SelectorParseError.self) { try FieldSelector(parsing: "nonsense") }
    }
}
