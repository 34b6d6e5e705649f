import Controllers

/// The controllers' SubjectAccessReviews answered by this API server's
/// authorizer, in process (kube-controller-manager would POST them).
struct AuthorizerReviewer: SubjectAccessReviewer {
    let authorizer: Authorizer

    func allowed(user: String, groups: [String], verb: String, group: String, resource: String, subresource: String?) async -> Bool {
        authorizer.allows(UserInfo(name: user, groups: groups),
                          RequestAttributes(verb: verb, group: group, resource: resource, subresource: subresource))
    }
}
