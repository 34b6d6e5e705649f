import KubeAPI

/// Times `Node,RBAC` decisions in process for `scripts/bench-apiserver`:
/// the default policy plus `bindings` RoleBindings (one per user, all in one
/// namespace, the worst case for a per-namespace index), then `decisions`
/// requests: allowed ones by a bound user, denied ones by an unbound user,
/// and default-policy ones (discovery, self reviews).
public enum AuthorizerBenchmark {
    /// Each decision's time in seconds, and how many were allowed (half, when all is well).
    public static func decisionTimes(bindings: Int, decisions: Int) throws -> (times: [Double], allowed: Int) {
        let rbac = RBACAuthorizer()
        for r in BootstrapPolicy.clusterRoles { rbac.apply(kind: "ClusterRole", object: try JSONValueEncoder.encode(r), deleted: false) }
        for b in BootstrapPolicy.clusterRoleBindings { rbac.apply(kind: "ClusterRoleBinding", object: try JSONValueEncoder.encode(b), deleted: false) }
        rbac.apply(kind: "ClusterRole", object: try JSONValueEncoder.encode(ClusterRole(metadata: ObjectMeta(name: "pod-writer"), rules: [
            PolicyRule(verbs: ["create", "get", "list"], apiGroups: [""], resources: ["pods"]),
        ])), deleted: false)
        for i in 0..<bindings {
            let b = RoleBinding(metadata: ObjectMeta(name: "b-\(i)", namespace: "bench"), subjects: [RBACSubject(kind: "User", name: "user-\(i)")],
                                roleRef: RoleRef(kind: "ClusterRole", name: "pod-writer"))
            rbac.apply(kind: "RoleBinding", object: try JSONValueEncoder.encode(b), deleted: false)
        }
        let authorizer = Authorizer(rbac: rbac)
        let requests: [(UserInfo, RequestAttributes)] = [
            (UserInfo(name: "user-\(bindings / 2)", groups: ["system:authenticated"]),
             RequestAttributes(verb: "create", group: "", resource: "pods", namespace: "bench")),
            (UserInfo(name: "stranger", groups: ["system:authenticated"]),
             RequestAttributes(verb: "create", group: "", resource: "pods", namespace: "bench")),
            (UserInfo(name: "user-1", groups: ["system:authenticated"]), RequestAttributes(verb: "get", path: "/apis/apps/v1")),
            (UserInfo(name: "system:serviceaccount:bench:sa", groups: ["system:serviceaccounts", "system:serviceaccounts:bench", "system:authenticated"]),
             RequestAttributes(verb: "delete", group: "apps", resource: "deployments", namespace: "bench", name: "d")),
        ]
        var times: [Double] = []
        times.reserveCapacity(decisions)
        let clock = ContinuousClock()
        var allowed = 0
        for i in 0..<decisions {
            let (user, attrs) = requests[i % requests.count]
            let t0 = clock.now
            if authorizer.authorize(user, attrs) == .allow { allowed += 1 }
            let d = clock.now - t0
            times.append(Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
        }
        return (times, allowed)
    }
}
