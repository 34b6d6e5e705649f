import KubeAPI
import HTTPServing

/// `authentication.k8s.io/v1` SelfSubjectReview, so `kubectl auth whoami`
/// shows who a token authenticates as (service account tokens included);
/// TokenReview (``APIHandler/tokenReview(_:user:)``) is served beside it.
enum SelfSubjectReview {
    static let group = "authentication.k8s.io"

    static var resourceList: JSONValue {
        ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "authentication.k8s.io/v1",
         "resources": [["name": "selfsubjectreviews", "singularName": "selfsubjectreview", "namespaced": false,
                        "kind": "SelfSubjectReview", "verbs": ["create"]],
                       ["name": "tokenreviews", "singularName": "tokenreview", "namespaced": false,
                        "kind": "TokenReview", "verbs": ["create"]]]]
    }

    static var aggregatedGroup: JSONValue {
        ["metadata": ["name": .string(group), "creationTimestamp": .null],
         "versions": [["version": "v1", "freshness": "Current",
                       "resources": [["resource": "selfsubjectreviews", "singularResource": "selfsubjectreview",
                                      "responseKind": ["group": .string(group), "version": "v1", "kind": "SelfSubjectReview"],
                                      "scope": "Cluster", "verbs": ["create"]],
                                     ["resource": "tokenreviews", "singularResource": "tokenreview",
                                      "responseKind": ["group": .string(group), "version": "v1", "kind": "TokenReview"],
                                      "scope": "Cluster", "verbs": ["create"]]]]]]
    }

    static func handle(_ req: HTTPRequest, segs: [String], user: UserInfo) -> HTTPResponse {
        switch segs.count {
        case 2: return .jsonBytes(JSONWriter.bytes(Discovery.group(group)))
        case 3 where segs[2] == "v1": return .jsonBytes(JSONWriter.bytes(resourceList))
        case 4 where segs[2] == "v1" && segs[3] == "selfsubjectreviews":
            guard req.method == .POST else { return APIHandler.status(APIErrors.methodNotAllowed()) }
            let review: JSONValue = ["apiVersion": "authentication.k8s.io/v1", "kind": "SelfSubjectReview",
                                     "metadata": ["creationTimestamp": .null],
                                     "status": ["userInfo": ["username": .string(user.name), "groups": .array(user.groups.map { .string($0) })]]]
            return .jsonBytes(JSONWriter.bytes(review), status: .created)
        default:
            return APIHandler.status(APIErrors.notFoundPath(req.path))
        }
    }
}
