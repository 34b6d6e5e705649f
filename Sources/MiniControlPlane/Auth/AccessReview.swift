import KubeAPI
import HTTPServing

/// `authorization.k8s.io/v1` SelfSubjectAccessReview, so that
/// `kubectl auth can-i` (and `--as system:node:NAME`) answers from the same
/// rules the server enforces. Permissions that depend on the object (a node's
/// own pods, referenced secrets) answer "no" with that reason.
enum AccessReview {
    static let group = "authorization.k8s.io"

    static var resourceList: JSONValue {
        ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "authorization.k8s.io/v1",
         "resources": [["name": "selfsubjectaccessreviews", "singularName": "selfsubjectaccessreview", "namespaced": false,
                        "kind": "SelfSubjectAccessReview", "verbs": ["create"]]]]
    }

    static var aggregatedGroup: JSONValue {
        ["metadata": ["name": .string(group), "creationTimestamp": .null],
         "versions": [["version": "v1", "freshness": "Current",
                       "resources": [["resource": "selfsubjectaccessreviews", "singularResource": "selfsubjectaccessreview",
                                      "responseKind": ["group": .string(group), "version": "v1", "kind": "SelfSubjectAccessReview"],
                                      "scope": "Cluster", "verbs": ["create"]]]]]]
    }

    static func handle(_ req: HTTPRequest, segs: [String], user: UserInfo) -> HTTPResponse {
        switch segs.count {
        case 2: return .jsonBytes(JSONWriter.bytes(Discovery.group(group)))
        case 3 where segs[2] == "v1": return .jsonBytes(JSONWriter.bytes(resourceList))
        case 4 where segs[2] == "v1" && segs[3] == "selfsubjectaccessreviews":
            guard req.method == .POST else { return APIHandler.status(APIErrors.methodNotAllowed()) }
            do {
                let (body, _) = try BodyDecoder.decode(req.body, contentType: req.headers.first(name: "content-type"))
                var review = body
                review["apiVersion"] = "authorization.k8s.io/v1"
                review["kind"] = "SelfSubjectAccessReview"
                review["status"] = decide(body[path: ["spec"]] ?? .emptyObject, user: user)
                return .jsonBytes(JSONWriter.bytes(review), status: .created)
            } catch {
                return APIHandler.status(error)
            }
        default:
            return APIHandler.status(APIErrors.notFoundPath(req.path))
        }
    }

    static func decide(_ spec: JSONValue, user: UserInfo) -> JSONValue {
        if spec["nonResourceAttributes"] != nil {
            return ["allowed": .bool(user.isAdmin)]
        }
        let ra = spec["resourceAttributes"] ?? .emptyObject
        let group = ra["group"]?.stringValue ?? ""
        let plural = ra["resource"]?.stringValue ?? ""
        guard let info = ResourceCatalog.find(group: group, plural: plural) else {
            return ["allowed": .bool(user.isAdmin), "reason": user.isAdmin ? "admin" : "unknown resource"]
        }
        let attrs = RequestAttributes(verb: ra["verb"]?.stringValue ?? "", info: info, subresource: ra["subresource"]?.stringValue,
                                      namespace: ra["namespace"]?.stringValue, name: ra["name"]?.stringValue, fieldSelector: .everything)
        switch Authorizer.authorize(user, attrs) {
        case .allow: return ["allowed": true]
        case .deny: return ["allowed": false]
        case .podBoundTo(let n): return ["allowed": false, "reason": .string("only for pods bound to node \(n)")]
        case .referencedBy(let n): return ["allowed": false, "reason": .string("only for objects referenced by pods bound to node \(n)")]
        case .bodyNamed(let n): return ["allowed": false, "reason": .string("only for the object named \(n)")]
        }
    }
}
