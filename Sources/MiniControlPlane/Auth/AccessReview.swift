import KubeAPI
import HTTPServing

/// `authorization.k8s.io/v1`: SelfSubjectAccessReview, SubjectAccessReview,
/// LocalSubjectAccessReview and SelfSubjectRulesReview, answered from the
/// rules the server enforces, so `kubectl auth can-i [--as …] [--list]`
/// matches what happens. Node permissions that depend on the object (a
/// node's own pods, referenced secrets) answer "no" with that reason.
enum AccessReview {
    static let group = "authorization.k8s.io"

    struct Kind {
        var plural: String
        var kind: String
        var namespaced: Bool
    }

    static let kinds: [Kind] = [
        Kind(plural: "localsubjectaccessreviews", kind: "LocalSubjectAccessReview", namespaced: true),
        Kind(plural: "selfsubjectaccessreviews", kind: "SelfSubjectAccessReview", namespaced: false),
        Kind(plural: "selfsubjectrulesreviews", kind: "SelfSubjectRulesReview", namespaced: false),
        Kind(plural: "subjectaccessreviews", kind: "SubjectAccessReview", namespaced: false),
    ]

    static var resourceList: JSONValue {
        ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "authorization.k8s.io/v1",
         "resources": .array(kinds.map { k in
             ["name": .string(k.plural), "singularName": .string(k.kind.lowercased()), "namespaced": .bool(k.namespaced),
              "kind": .string(k.kind), "verbs": ["create"]]
         })]
    }

    static var aggregatedGroup: JSONValue {
        ["metadata": ["name": .string(group), "creationTimestamp": .null],
         "versions": [["version": "v1", "freshness": "Current",
                       "resources": .array(kinds.map { k in
                           ["resource": .string(k.plural), "singularResource": .string(k.kind.lowercased()),
                            "responseKind": ["group": .string(group), "version": "v1", "kind": .string(k.kind)],
                            "scope": .string(k.namespaced ? "Namespaced" : "Cluster"), "verbs": ["create"]]
                       })]]]
    }

    /// `/apis/authorization.k8s.io/...`; `segs` starts with "apis".
    static func handle(_ req: HTTPRequest, segs: [String], user: UserInfo, authorizer: Authorizer) async -> (resource: String, HTTPResponse) {
        var urlNamespace: String?
        let plural: String
        switch segs.count {
        case 2: return ("", .jsonBytes(JSONWriter.bytes(Discovery.group(group))))
        case 3 where segs[2] == "v1": return ("", .jsonBytes(JSONWriter.bytes(resourceList)))
        case 4 where segs[2] == "v1": plural = segs[3]
        case 6 where segs[2] == "v1" && segs[3] == "namespaces":
            urlNamespace = segs[4]
            plural = segs[5]
        default: return ("", APIHandler.status(APIErrors.notFoundPath(req.path)))
        }
        guard let kind = kinds.first(where: { $0.plural == plural }), kind.namespaced == (urlNamespace != nil) else {
            return (plural, APIHandler.status(APIErrors.notFoundPath(req.path)))
        }
        guard req.method == .POST else { return (plural, APIHandler.status(APIErrors.methodNotAllowed())) }
        let attrs = RequestAttributes(verb: "create", group: group, resource: plural, namespace: urlNamespace)
        guard authorizer.allows(user, attrs) else { return (plural, APIHandler.status(Authorizer.forbidden(user, attrs))) }
        do throws(Status) {
            let (body, _) = try BodyDecoder.decode(req.body, contentType: req.headers.first(name: "content-type"))
            var review = body
            review["apiVersion"] = "authorization.k8s.io/v1"
            review["kind"] = .string(kind.kind)
            if review["metadata"] == nil { review["metadata"] = ["creationTimestamp": .null] }
            let spec = body["spec"] ?? .emptyObject
            if kind.kind == "SelfSubjectRulesReview" {
                review["status"] = rules(for: user, namespace: spec["namespace"]?.stringValue, authorizer: authorizer)
                return (plural, .jsonBytes(JSONWriter.bytes(review), status: .created))
            }
            var subject = user
            if kind.kind != "SelfSubjectAccessReview" {
                let name = spec["user"]?.stringValue ?? ""
                let groups = (spec["groups"]?.arrayValue ?? []).compactMap(\.stringValue)
                if name.isEmpty && groups.isEmpty {
                    throw invalid(kind.kind, [.required("spec.user", "at least one of user or group must be specified")])
                }
                subject = UserInfo(name: name, groups: groups)
            }
            let hasResource = spec["resourceAttributes"].map { !$0.isNull } ?? false
            let hasNonResource = spec["nonResourceAttributes"].map { !$0.isNull } ?? false
            if hasResource == hasNonResource {
                throw invalid(kind.kind, [.invalid("spec.resourceAttributes", "", "exactly one of nonResourceAttributes or resourceAttributes must be specified")])
            }
            if let ns = urlNamespace {
                let stated = spec[path: ["resourceAttributes", "namespace"]]?.stringValue ?? ""
                if stated != ns {
                    throw invalid(kind.kind, [.invalid("spec.resourceAttributes.namespace", stated, "must match metadata.namespace")])
                }
                review.set(path: ["metadata", "namespace"], to: .string(ns))
            }
            review["status"] = decide(spec, user: subject, authorizer: authorizer)
            return (plural, .jsonBytes(JSONWriter.bytes(review), status: .created))
        } catch {
            return (plural, APIHandler.status(error))
        }
    }

    static func invalid(_ kind: String, _ errors: [FieldError]) -> Status {
        invalidStatus(kind: kind, group: group, name: "", errors: errors)
    }

    static func decide(_ spec: JSONValue, user: UserInfo, authorizer: Authorizer) -> JSONValue {
        let attrs: RequestAttributes
        if let nr = spec["nonResourceAttributes"], !nr.isNull {
            attrs = RequestAttributes(verb: nr["verb"]?.stringValue ?? "", path: nr["path"]?.stringValue ?? "")
        } else {
            let ra = spec["resourceAttributes"] ?? .emptyObject
            func text(_ k: String) -> String? { ra[k]?.stringValue.flatMap { $0.isEmpty ? nil : $0 } }
            attrs = RequestAttributes(verb: text("verb") ?? "", group: ra["group"]?.stringValue ?? "", resource: text("resource") ?? "",
                                      subresource: text("subresource"), namespace: text("namespace"), name: text("name"))
        }
        switch authorizer.authorize(user, attrs) {
        case .allow:
            let reason = authorizer.reason(user, attrs)
            return reason.isEmpty ? ["allowed": true] : ["allowed": true, "reason": .string(reason)]
        case .deny: return ["allowed": false]
        case .podBoundTo(let n): return ["allowed": false, "reason": .string("only for pods bound to node \(n)")]
        case .referencedBy(let n): return ["allowed": false, "reason": .string("only for objects referenced by pods bound to node \(n)")]
        case .bodyNamed(let n): return ["allowed": false, "reason": .string("only for the object named \(n)")]
        }
    }

    /// A SelfSubjectRulesReview's status: what the user may do in `namespace`.
    static func rules(for user: UserInfo, namespace: String?, authorizer: Authorizer) -> JSONValue {
        var rules = authorizer.rbac.rules(for: user, namespace: namespace)
        if user.isAdmin {
            rules.insert(contentsOf: [PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"]),
                                      PolicyRule(verbs: ["*"], nonResourceURLs: ["*"])], at: 0)
        }
        if user.isNode { rules += authorizer.rbac.clusterRoleRules("system:node") }
        var resourceRules: [JSONValue] = [], nonResourceRules: [JSONValue] = []
        for r in rules {
            if let urls = r.nonResourceURLs, !urls.isEmpty {
                let j: JSONValue = ["verbs": .array(r.verbs.map(JSONValue.string)), "nonResourceURLs": .array(urls.map(JSONValue.string))]
                if !nonResourceRules.contains(j) { nonResourceRules.append(j) }
            } else {
                var j: JSONValue = ["verbs": .array(r.verbs.map(JSONValue.string)),
                                    "apiGroups": .array((r.apiGroups ?? []).map(JSONValue.string)),
                                    "resources": .array((r.resources ?? []).map(JSONValue.string))]
                if let n = r.resourceNames, !n.isEmpty { j["resourceNames"] = .array(n.map(JSONValue.string)) }
                if !resourceRules.contains(j) { resourceRules.append(j) }
            }
        }
        return ["resourceRules": .array(resourceRules), "nonResourceRules": .array(nonResourceRules), "incomplete": false]
    }
}
