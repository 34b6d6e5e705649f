import KubeAPI

/// Which priority level serves a request, as the default FlowSchemas of
/// kube-apiserver decide it: `exempt` for `system:masters` (never queued),
/// `global-default` for everyone else with one flow per user. Long-running
/// requests (watches, followed logs, exec/attach/port-forward, proxied
/// upgrades) take no seat, as upstream frees a watch's seat once it is set up.
final class FlowControl: Sendable {
    let shared: FairQueue

    /// `concurrency` seats for non-admin requests, `queueLength` waiting per user.
    init(concurrency: Int = 64, queueLength: Int = 50) {
        shared = FairQueue(name: "global-default", concurrency: concurrency, queueLength: queueLength)
    }

    /// The FlowSchema and PriorityLevelConfiguration a request is classified to.
    static func classify(_ user: UserInfo) -> (schema: String, level: String) {
        user.isAdmin ? ("exempt", "exempt") : ("global-default", "global-default")
    }

    /// Runs `body` in the request's priority level; 429 when its queue is full.
    func run<T>(_ user: UserInfo, longRunning: Bool, _ body: () async throws(Status) -> T) async throws(Status) -> T {
        if user.isAdmin || longRunning { return try await body() }
        do {
            try await shared.acquire(flow: user.name)
        } catch {
            throw Status(message: "Too many requests, please try again later.", reason: "TooManyRequests", code: 429,
                         details: StatusDetails(retryAfterSeconds: 1))
        }
        defer { shared.release() }
        return try await body()
    }

    /// The default objects of `flowcontrol.apiserver.k8s.io/v1`, created at startup.
    static var defaultObjects: [JSONValue] {
        let group = "flowcontrol.apiserver.k8s.io/v1"
        func level(_ name: String, _ spec: JSONValue) -> JSONValue {
            ["apiVersion": .string(group), "kind": "PriorityLevelConfiguration",
             "metadata": ["name": .string(name), "annotations": ["apf.kubernetes.io/autoupdate-spec": "true"]], "spec": spec]
        }
        func schema(_ name: String, _ level: String, precedence: Int64, groups: [String], distinguisher: Bool) -> JSONValue {
            var spec: JSONValue = [
                "priorityLevelConfiguration": ["name": .string(level)], "matchingPrecedence": .int(precedence),
                "rules": [["subjects": .array(groups.map { ["kind": "Group", "group": ["name": .string($0)]] }),
                           "resourceRules": [["verbs": ["*"], "apiGroups": ["*"], "resources": ["*"], "namespaces": ["*"], "clusterScope": true]],
                           "nonResourceRules": [["verbs": ["*"], "nonResourceURLs": ["*"]]]]],
            ]
            if distinguisher { spec["distinguisherMethod"] = ["type": "ByUser"] }
            return ["apiVersion": .string(group), "kind": "FlowSchema",
                    "metadata": ["name": .string(name), "annotations": ["apf.kubernetes.io/autoupdate-spec": "true"]], "spec": spec]
        }
        return [
            level("exempt", ["type": "Exempt", "exempt": ["nominalConcurrencyShares": 0, "lendablePercent": 0]]),
            level("global-default", ["type": "Limited", "limited": [
                "nominalConcurrencyShares": 20, "lendablePercent": 50,
                "limitResponse": ["type": "Queue", "queuing": ["queues": 128, "handSize": 6, "queueLengthLimit": 50]]]]),
            schema("exempt", "exempt", precedence: 1, groups: ["system:masters"], distinguisher: false),
            schema("global-default", "global-default", precedence: 9900, groups: ["system:unauthenticated", "system:authenticated"],
                   distinguisher: true),
        ]
    }
}
