import Testing
@testable import KubeAPI
@testable import MiniControlPlane

/// API Priority and Fairness configured from its objects: schemas by
/// precedence, their subjects and rules, distinguishers, and seats shared
/// by `nominalConcurrencyShares`.
@Suite struct FlowConfigurationTests {
    static func level(_ name: String, shares: Int64, queue: Int64? = nil) -> JSONValue {
        var limited: JSONValue = ["nominalConcurrencyShares": .int(shares), "limitResponse": ["type": "Reject"]]
        if let queue { limited["limitResponse"] = ["type": "Queue", "queuing": ["queueLengthLimit": .int(queue)]] }
        return ["metadata": ["name": .string(name), "uid": .string("uid-" + name)], "spec": ["type": "Limited", "limited": limited]]
    }

    static func schema(_ name: String, level: String, precedence: Int64, subjects: JSONValue, resourceRules: JSONValue = [],
                       nonResourceRules: JSONValue = [], distinguisher: String? = nil) -> JSONValue {
        var spec: JSONValue = ["priorityLevelConfiguration": ["name": .string(level)], "matchingPrecedence": .int(precedence),
                               "rules": [["subjects": subjects, "resourceRules": resourceRules, "nonResourceRules": nonResourceRules]]]
        if let distinguisher { spec["distinguisherMethod"] = ["type": .string(distinguisher)] }
        return ["metadata": ["name": .string(name), "uid": .string("uid-" + name)], "spec": spec]
    }

    static let everything: JSONValue = [["verbs": ["*"], "apiGroups": ["*"], "resources": ["*"], "namespaces": ["*"], "clusterScope": true]]

    let configuration = FlowConfiguration(
        flowSchemas: [
            schema("catch-all", level: "catch-all", precedence: 10000, subjects: [["kind": "Group", "group": ["name": "*"]]],
                   resourceRules: everything, nonResourceRules: [["verbs": ["*"], "nonResourceURLs": ["*"]]], distinguisher: "ByUser"),
            schema("nodes", level: "system", precedence: 500, subjects: [["kind": "Group", "group": ["name": "system:nodes"]]],
                   resourceRules: everything, distinguisher: "ByUser"),
            schema("team-a", level: "workload", precedence: 800,
                   subjects: [["kind": "ServiceAccount", "serviceAccount": ["namespace": "team-a", "name": "*"]]],
                   resourceRules: [["verbs": ["get", "list"], "apiGroups": [""], "resources": ["pods", "pods/log"], "namespaces": ["team-a"]]],
                   distinguisher: "ByNamespace"),
            schema("dangling", level: "missing", precedence: 1, subjects: [["kind": "User", "user": ["name": "*"]]], resourceRules: everything),
            schema("health", level: "exempt", precedence: 2, subjects: [["kind": "Group", "group": ["name": "system:unauthenticated"]]],
                   nonResourceRules: [["verbs": ["get"], "nonResourceURLs": ["/healthz", "/readyz/*"]]]),
        ],
        priorityLevels: [
            level("system", shares: 30, queue: 50), level("workload", shares: 10), level("catch-all", shares: 20, queue: 10),
            ["metadata": ["name": "exempt", "uid": "uid-exempt"], "spec": ["type": "Exempt"]],
        ],
        serverConcurrency: 60)

    func request(_ user: String, _ groups: [String], _ verb: String, _ group: String = "", resource: String = "pods",
                 namespace: String? = "default") -> FlowRequest {
        FlowRequest(user: UserInfo(name: user, groups: groups), verb: verb, resource: (group, resource, namespace))
    }

    @Test func seatsAreSharedByNominalConcurrencyShares() throws {
        // ceil(60 × shares / 60): Limited levels only.
        #expect(configuration.levels["system"]?.concurrency == 30)
        #expect(configuration.levels["workload"]?.concurrency == 10)
        #expect(configuration.levels["catch-all"]?.concurrency == 20)
        #expect(configuration.levels["workload"]?.queueLength == 0, "Reject: nothing waits")
        #expect(configuration.levels["system"]?.queueLength == 50)
        #expect(configuration.levels["exempt"]?.exempt == true)
    }

    @Test func theFirstMatchingSchemaByPrecedenceDecides() throws {
        // "dangling" (precedence 1) matches everyone but its level is missing: skipped.
        let node = try #require(configuration.classify(request("system:node:n1", ["system:nodes", "system:authenticated"], "list", resource: "nodes", namespace: nil)))
        #expect(node.schema == "nodes" && node.level.name == "system" && node.flow == "nodes/system:node:n1")
        let sa = try #require(configuration.classify(request("system:serviceaccount:team-a:builder", ["system:serviceaccounts"], "get", resource: "pods/log", namespace: "team-a")))
        #expect(sa.schema == "team-a" && sa.flow == "team-a/team-a")
        // The same service account elsewhere, or with another verb, falls to catch-all.
        #expect(configuration.classify(request("system:serviceaccount:team-a:builder", [], "delete", namespace: "team-a"))?.schema == "catch-all")
        #expect(configuration.classify(request("system:serviceaccount:team-a:builder", [], "get", namespace: "team-b"))?.schema == "catch-all")
        // Cluster-scoped requests need clusterScope.
        #expect(configuration.classify(request("system:serviceaccount:team-a:builder", [], "get", resource: "pods", namespace: nil))?.schema == "catch-all")
    }

    @Test func nonResourceRulesMatchPathsAndPrefixes() throws {
        func path(_ p: String) -> FlowRequest { FlowRequest(user: UserInfo(name: "system:anonymous", groups: ["system:unauthenticated"]), verb: "get", path: p) }
        #expect(configuration.classify(path("/healthz"))?.level.exempt == true)
        #expect(configuration.classify(path("/readyz/etcd"))?.schema == "health")
        #expect(configuration.classify(path("/version"))?.schema == "catch-all")
    }

    @Test func flowControlFollowsReconfigurationAndKeepsAdminsExempt() throws {
        let control = FlowControl(serverConcurrency: 60)
        let user = request("alice", ["system:authenticated"], "get")
        // Before the objects are read: global-default, one flow per user.
        #expect(control.classify(user).levelUID == "global-default" && control.classify(user).flow == "alice")
        control.reconfigure(configuration)
        let d = control.classify(user)
        #expect(d.schemaUID == "uid-catch-all" && d.levelUID == "uid-catch-all" && d.queue?.concurrency == 20)
        let sameQueue = d.queue
        control.reconfigure(configuration)
        #expect(control.classify(user).queue === sameQueue, "an unchanged level keeps its queue")
        let admin = control.classify(request("admin", ["system:masters"], "delete"))
        #expect(admin.queue == nil)
    }
}
