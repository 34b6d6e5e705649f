import KubeAPI

/// What API Priority and Fairness knows of a request to classify it.
struct FlowRequest: Sendable {
    var user: UserInfo
    var verb: String
    /// Set for resource requests.
    var resource: (group: String, resource: String, namespace: String?)?
    /// The path, for non-resource requests.
    var path: String = ""
}

/// The FlowSchemas and PriorityLevelConfigurations of
/// `flowcontrol.apiserver.k8s.io/v1`, read as kube-apiserver's APF
/// configuration controller reads them: schemas in order of
/// `matchingPrecedence` (then name), the first whose rules match a request
/// decides its priority level and flow (`distinguisherMethod` ByUser,
/// ByNamespace, or one flow); each Limited level gets a share of the
/// server's seats in proportion to its `nominalConcurrencyShares` and
/// queues (`Queue`) or refuses (`Reject`) when full; Exempt levels never wait.
struct FlowConfiguration: Sendable {
    /// One priority level.
    struct Level: Sendable, Equatable {
        var name: String
        var uid: String
        var exempt: Bool
        var shares: Int
        /// Requests waiting per flow before the level refuses (0: `Reject`).
        var queueLength: Int
        /// Seats, from the level's share of the server's.
        var concurrency = 0
    }

    /// One FlowSchema.
    struct Schema: Sendable {
        var name: String
        var uid: String
        var level: String
        var precedence: Int64
        var distinguisher: String?
        var rules: [JSONValue]
    }

    /// Where a request goes.
    struct Decision: Sendable, Equatable {
        var schema: String
        var schemaUID: String
        var level: Level
        /// The request's flow within the level.
        var flow: String
    }

    private(set) var levels: [String: Level] = [:]
    private(set) var schemas: [Schema] = []

    /// Reads the objects; `serverConcurrency` seats are shared among the Limited levels.
    init(flowSchemas: [JSONValue], priorityLevels: [JSONValue], serverConcurrency: Int) {
        for pl in priorityLevels {
            guard let name = pl[path: ["metadata", "name"]]?.stringValue else { continue }
            let uid = pl[path: ["metadata", "uid"]]?.stringValue ?? name
            if pl[path: ["spec", "type"]]?.stringValue == "Exempt" {
                levels[name] = Level(name: name, uid: uid, exempt: true, shares: 0, queueLength: 0)
                continue
            }
            let limited = pl[path: ["spec", "limited"]] ?? .emptyObject
            // Upstream's defaults: 30 shares, Reject unless a Queue response is given (queueLengthLimit 50).
            let shares = Int(limited["nominalConcurrencyShares"]?.intValue ?? 30)
            let response = limited["limitResponse"] ?? .emptyObject
            let queueLength = response["type"]?.stringValue == "Queue"
                ? Int(response[path: ["queuing", "queueLengthLimit"]]?.intValue ?? 50) : 0
            levels[name] = Level(name: name, uid: uid, exempt: false, shares: max(0, shares), queueLength: max(0, queueLength))
        }
        let totalShares = levels.values.filter { !$0.exempt }.reduce(0) { $0 + $1.shares }
        for (name, level) in levels where !level.exempt {
            // ceil(SCL × NCS / ΣNCS), at least one seat.
            let seats = totalShares == 0 ? serverConcurrency : (serverConcurrency * level.shares + totalShares - 1) / totalShares
            levels[name]?.concurrency = max(1, seats)
        }
        for fs in flowSchemas {
            guard let name = fs[path: ["metadata", "name"]]?.stringValue,
                  let level = fs[path: ["spec", "priorityLevelConfiguration", "name"]]?.stringValue else { continue }
            schemas.append(Schema(name: name, uid: fs[path: ["metadata", "uid"]]?.stringValue ?? name, level: level,
                                  precedence: fs[path: ["spec", "matchingPrecedence"]]?.intValue ?? 1000,
                                  distinguisher: fs[path: ["spec", "distinguisherMethod", "type"]]?.stringValue,
                                  rules: fs[path: ["spec", "rules"]]?.arrayValue ?? []))
        }
        schemas.sort { ($0.precedence, $0.name) < ($1.precedence, $1.name) }
    }

    /// The schema, level and flow of a request; nil when no schema with an
    /// existing level matches (the caller's fallback applies).
    func classify(_ r: FlowRequest) -> Decision? {
        for s in schemas where s.rules.contains(where: { Self.matches($0, r) }) {
            // A dangling schema (its level is missing) is skipped, as upstream skips it.
            guard let level = levels[s.level] else { continue }
            let flow: String
            switch s.distinguisher {
            case "ByUser": flow = s.name + "/" + r.user.name
            case "ByNamespace": flow = s.name + "/" + (r.resource?.namespace ?? "")
            default: flow = s.name
            }
            return Decision(schema: s.name, schemaUID: s.uid, level: level, flow: flow)
        }
        return nil
    }

    // MARK: - Matching (upstream's `matchesPolicyRule`)

    static func matches(_ rule: JSONValue, _ r: FlowRequest) -> Bool {
        guard (rule["subjects"]?.arrayValue ?? []).contains(where: { subjectMatches($0, r.user) }) else { return false }
        if let resource = r.resource {
            return (rule["resourceRules"]?.arrayValue ?? []).contains { resourceRuleMatches($0, r.verb, resource) }
        }
        return (rule["nonResourceRules"]?.arrayValue ?? []).contains { nonResourceRuleMatches($0, r.verb, r.path) }
    }

    static func strings(_ v: JSONValue?) -> [String] { (v?.arrayValue ?? []).compactMap(\.stringValue) }

    static func subjectMatches(_ s: JSONValue, _ user: UserInfo) -> Bool {
        switch s["kind"]?.stringValue {
        case "User":
            let name = s[path: ["user", "name"]]?.stringValue
            return name == "*" || name == user.name
        case "Group":
            let name = s[path: ["group", "name"]]?.stringValue ?? ""
            return name == "*" || user.groups.contains(name)
        case "ServiceAccount":
            guard let ns = s[path: ["serviceAccount", "namespace"]]?.stringValue,
                  let name = s[path: ["serviceAccount", "name"]]?.stringValue else { return false }
            let prefix = "system:serviceaccount:\(ns):"
            return user.name.hasPrefix(prefix) && (name == "*" || user.name == prefix + name)
        default:
            return false
        }
    }

    static func resourceRuleMatches(_ rule: JSONValue, _ verb: String, _ r: (group: String, resource: String, namespace: String?)) -> Bool {
        let verbs = strings(rule["verbs"]), groups = strings(rule["apiGroups"]), resources = strings(rule["resources"])
        guard verbs.contains("*") || verbs.contains(verb), groups.contains("*") || groups.contains(r.group),
              resources.contains("*") || resources.contains(r.resource) else { return false }
        guard let ns = r.namespace, !ns.isEmpty else { return rule["clusterScope"]?.boolValue == true }
        let namespaces = strings(rule["namespaces"])
        return namespaces.contains("*") || namespaces.contains(ns)
    }

    static func nonResourceRuleMatches(_ rule: JSONValue, _ verb: String, _ path: String) -> Bool {
        let verbs = strings(rule["verbs"])
        guard verbs.contains("*") || verbs.contains(verb) else { return false }
        return strings(rule["nonResourceURLs"]).contains { url in
            url == "*" || url == path || (url.hasSuffix("/*") && path.hasPrefix(String(url.dropLast())))
        }
    }
}
