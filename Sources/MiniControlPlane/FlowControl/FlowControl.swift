import KubeAPI
import Synchronization

/// API Priority and Fairness: which priority level serves a request and
/// whether it waits. The levels and schemas come from the
/// `flowcontrol.apiserver.k8s.io/v1` objects (``FlowConfiguration``; edits
/// take effect as ``FlowConfigurationWatcher`` sees them). `system:masters`
/// is always exempt (upstream's mandatory `exempt` schema); a request no
/// schema matches, or any before the objects are read, is served by
/// `global-default` with one flow per user. Long-running requests (watches,
/// followed logs, exec/attach/port-forward, proxied upgrades) take no seat,
/// as upstream frees a watch's seat once it is set up.
final class FlowControl: Sendable {
    /// Seats of the whole server, shared among the Limited levels by their
    /// `nominalConcurrencyShares` (upstream's server concurrency limit).
    let serverConcurrency: Int
    /// The level of requests no schema matches.
    let fallback: FairQueue

    private struct Current {
        var configuration: FlowConfiguration?
        var queues: [String: FairQueue] = [:]
    }
    private let current = Mutex(Current())

    /// Where a request goes: the UIDs the `X-Kubernetes-PF-*` headers carry,
    /// and the queue (nil: exempt) and flow it waits in.
    struct Decision: Sendable {
        var schemaUID: String
        var levelUID: String
        var queue: FairQueue?
        var flow: String
    }

    /// `serverConcurrency` seats for non-exempt requests, `queueLength`
    /// waiting per flow in the fallback level.
    init(serverConcurrency: Int = 64, queueLength: Int = 50) {
        self.serverConcurrency = serverConcurrency
        fallback = FairQueue(name: "global-default", concurrency: serverConcurrency, queueLength: queueLength)
    }

    /// Takes a new configuration; a level whose seats or queue length are
    /// unchanged keeps its queue (and the requests waiting in it).
    func reconfigure(_ configuration: FlowConfiguration) {
        current.withLock { cur in
            var queues: [String: FairQueue] = [:]
            for level in configuration.levels.values where !level.exempt {
                if let q = cur.queues[level.name], q.concurrency == level.concurrency, q.queueLength == level.queueLength {
                    queues[level.name] = q
                } else {
                    queues[level.name] = FairQueue(name: level.name, concurrency: level.concurrency, queueLength: level.queueLength)
                }
            }
            cur = Current(configuration: configuration, queues: queues)
        }
    }

    /// The level and flow of a request.
    func classify(_ r: FlowRequest) -> Decision {
        current.withLock { cur in
            let decided = cur.configuration?.classify(r)
            if r.user.isAdmin {
                let exempt = decided?.level.exempt == true ? decided : nil
                return Decision(schemaUID: exempt?.schemaUID ?? "exempt", levelUID: exempt?.level.uid ?? "exempt", queue: nil, flow: "")
            }
            guard let decided else {
                return Decision(schemaUID: "global-default", levelUID: "global-default", queue: fallback, flow: r.user.name)
            }
            return Decision(schemaUID: decided.schemaUID, levelUID: decided.level.uid,
                            queue: decided.level.exempt ? nil : cur.queues[decided.level.name] ?? fallback, flow: decided.flow)
        }
    }

    /// Runs `body` in the request's priority level; 429 when its queue is full.
    func run<T>(_ decision: Decision, longRunning: Bool, _ body: () async throws(Status) -> T) async throws(Status) -> T {
        guard let queue = decision.queue, !longRunning else { return try await body() }
        do {
            try await queue.acquire(flow: decision.flow)
        } catch {
            throw Status(message: "Too many requests, please try again later.", reason: "TooManyRequests", code: 429,
                         details: StatusDetails(retryAfterSeconds: 1))
        }
        defer { queue.release() }
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
