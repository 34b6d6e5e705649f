import Foundation
import KubeAPI
import Testing
@testable import MiniControlPlane

/// Upstream's RBAC rule semantics, the subject index, escalation's
/// coverage check and the aggregation plan, without a server.
@Suite struct RBACUnitTests {
    func pods(_ verb: String, ns: String? = "app", name: String? = nil, sub: String? = nil) -> RequestAttributes {
        RequestAttributes(verb: verb, group: "", resource: "pods", subresource: sub, namespace: ns, name: name)
    }

    @Test func ruleMatching() {
        let view = PolicyRule(verbs: ["get", "list"], apiGroups: [""], resources: ["pods", "pods/log"])
        #expect(view.allows(pods("get")))
        #expect(!view.allows(pods("delete")))
        #expect(view.allows(pods("get", sub: "log")))
        #expect(!view.allows(pods("get", sub: "exec")))
        #expect(!view.allows(RequestAttributes(verb: "get", group: "apps", resource: "pods")))
        #expect(PolicyRule(verbs: ["*"], apiGroups: ["*"], resources: ["*"]).allows(pods("create", sub: "exec")))
        #expect(PolicyRule(verbs: ["get"], apiGroups: ["apps"], resources: ["*/scale"])
            .allows(RequestAttributes(verb: "get", group: "apps", resource: "deployments", subresource: "scale")))
        let named = PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["a"])
        #expect(named.allows(pods("get", name: "a")) && !named.allows(pods("get", name: "b")) && !named.allows(pods("list")))
        let urls = PolicyRule(verbs: ["get"], nonResourceURLs: ["/healthz", "/apis/*"])
        #expect(urls.allows(RequestAttributes(verb: "get", path: "/healthz")))
        #expect(urls.allows(RequestAttributes(verb: "get", path: "/apis/apps/v1")))
        #expect(!urls.allows(RequestAttributes(verb: "get", path: "/metrics")))
        #expect(!urls.allows(pods("get")))
    }

    @Test func coverageAndItsMessage() {
        let edit = [PolicyRule(verbs: ["get", "list", "create"], apiGroups: ["", "apps"], resources: ["pods", "deployments"])]
        #expect(PolicyRule.uncovered([PolicyRule(verbs: ["get"], apiGroups: ["apps"], resources: ["deployments"])], by: edit).isEmpty)
        let missing = PolicyRule.uncovered([PolicyRule(verbs: ["get", "delete", "create"], apiGroups: [""], resources: ["pods", "secrets"])], by: edit)
        let lines = EscalationCheck.compact(missing).map(\.compactDescription)
        #expect(lines == [#"{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}"#,
                          #"{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete" "create"]}"#])
        // A wildcard is covered only by a wildcard; names by no names or the same names.
        #expect(!PolicyRule.uncovered([PolicyRule(verbs: ["*"], apiGroups: [""], resources: ["pods"])], by: edit).isEmpty)
        #expect(PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods/*"])
            .covers(PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods/log"])))
        #expect(PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"])
            .covers(PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["x"])))
        #expect(!PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"], resourceNames: ["x"])
            .covers(PolicyRule(verbs: ["get"], apiGroups: [""], resources: ["pods"])))
    }

    func object<T: Encodable>(_ v: T) throws -> JSONValue { try JSONValueEncoder.encode(v) }

    @Test func bindingsByUserGroupAndServiceAccount() throws {
        let rbac = RBACAuthorizer()
        let authorizer = Authorizer(rbac: rbac)
        rbac.apply(kind: "ClusterRole", object: try object(ClusterRole(metadata: ObjectMeta(name: "reader"), rules: [
            PolicyRule(verbs: ["get", "list"], apiGroups: [""], resources: ["pods"]),
        ])), deleted: false)
        rbac.apply(kind: "Role", object: try object(Role(metadata: ObjectMeta(name: "cm", namespace: "app"), rules: [
            PolicyRule(verbs: ["create"], apiGroups: [""], resources: ["configmaps"]),
        ])), deleted: false)
        rbac.apply(kind: "RoleBinding", object: try object(RoleBinding(metadata: ObjectMeta(name: "sa-reader", namespace: "app"),
            subjects: [RBACSubject(kind: "ServiceAccount", name: "bot")], roleRef: RoleRef(kind: "ClusterRole", name: "reader"))), deleted: false)
        rbac.apply(kind: "RoleBinding", object: try object(RoleBinding(metadata: ObjectMeta(name: "devs-cm", namespace: "app"),
            subjects: [RBACSubject(kind: "Group", name: "devs")], roleRef: RoleRef(kind: "Role", name: "cm"))), deleted: false)
        rbac.apply(kind: "ClusterRoleBinding", object: try object(ClusterRoleBinding(metadata: ObjectMeta(name: "alice-reader"),
            subjects: [RBACSubject(kind: "User", name: "alice")], roleRef: RoleRef(kind: "ClusterRole", name: "reader"))), deleted: false)

        let bot = UserInfo(name: "system:serviceaccount:app:bot", groups: ["system:serviceaccounts", "system:authenticated"])
        #expect(authorizer.allows(bot, pods("list")))
        #expect(!authorizer.allows(bot, pods("list", ns: "other")))
        #expect(!authorizer.allows(bot, pods("list", ns: nil)))
        #expect(authorizer.reason(bot, pods("list")) == #"RBAC: allowed by RoleBinding "sa-reader/app" of ClusterRole "reader" to ServiceAccount "system:serviceaccount:app:bot""#)
        let dev = UserInfo(name: "bob", groups: ["devs", "system:authenticated"])
        #expect(authorizer.allows(dev, RequestAttributes(verb: "create", group: "", resource: "configmaps", namespace: "app")))
        #expect(!authorizer.allows(dev, pods("get")))
        let alice = UserInfo(name: "alice", groups: ["system:authenticated"])
        #expect(authorizer.allows(alice, pods("list", ns: nil)) && authorizer.allows(alice, pods("get", ns: "any")))
        // Deletions take the grant away; so does deleting the role.
        rbac.apply(kind: "ClusterRoleBinding", object: ["metadata": ["name": "alice-reader"]], deleted: true)
        #expect(!authorizer.allows(alice, pods("list", ns: nil)))
        rbac.apply(kind: "ClusterRole", object: ["metadata": ["name": "reader"]], deleted: true)
        #expect(!authorizer.allows(bot, pods("list")))
        // system:masters needs no binding; nobody else gets anything by default.
        #expect(authorizer.allows(UserInfo(name: "root", groups: ["system:masters"]), pods("delete")))
        #expect(!authorizer.allows(Authenticator.anonymous, RequestAttributes(verb: "get", path: "/healthz")))
    }

    @Test func defaultPolicyGrantsAsUpstream() throws {
        let rbac = RBACAuthorizer()
        for r in BootstrapPolicy.clusterRoles { rbac.apply(kind: "ClusterRole", object: try object(r), deleted: false) }
        for b in BootstrapPolicy.clusterRoleBindings { rbac.apply(kind: "ClusterRoleBinding", object: try object(b), deleted: false) }
        let authorizer = Authorizer(rbac: rbac)
        let anyone = UserInfo(name: "carol", groups: ["system:authenticated"])
        #expect(authorizer.allows(Authenticator.anonymous, RequestAttributes(verb: "get", path: "/healthz")))
        #expect(!authorizer.allows(Authenticator.anonymous, RequestAttributes(verb: "get", path: "/api")))
        #expect(authorizer.allows(anyone, RequestAttributes(verb: "get", path: "/apis/apps/v1")))
        #expect(authorizer.allows(anyone, RequestAttributes(verb: "create", group: "authorization.k8s.io", resource: "selfsubjectaccessreviews")))
        #expect(!authorizer.allows(anyone, pods("list")))
        let proxy = UserInfo(name: "system:kube-proxy", groups: ["system:authenticated"])
        #expect(authorizer.allows(proxy, RequestAttributes(verb: "watch", group: "discovery.k8s.io", resource: "endpointslices")))
        let joining = UserInfo(name: "system:bootstrap:abcdef", groups: ["system:bootstrappers", "system:authenticated"])
        #expect(authorizer.allows(joining, RequestAttributes(verb: "create", group: "certificates.k8s.io", resource: "certificatesigningrequests")))
        #expect(!authorizer.allows(joining, RequestAttributes(verb: "list", group: "", resource: "secrets")))
    }

    @Test func aggregationPlan() throws {
        let view = try object(BootstrapPolicy.clusterRoles.first { $0.metadata.name == "view" })
        let source = try object(BootstrapPolicy.clusterRoles.first { $0.metadata.name == "system:aggregate-to-view" })
        var extra = try object(ClusterRole(metadata: ObjectMeta(name: "crd-view", labels: ["rbac.authorization.k8s.io/aggregate-to-view": "true"]),
                                           rules: [PolicyRule(verbs: ["get"], apiGroups: ["example.com"], resources: ["widgets"])]))
        var plan = ClusterRoleAggregator.plan([view, source, extra])
        #expect(plan.count == 1 && plan[0].name == "view")
        let rules = plan[0].rules
        #expect(rules.count == (source["rules"]?.arrayValue?.count ?? 0) + 1)
        // Already aggregated: nothing to do.
        var done = view
        done["rules"] = .array(rules)
        #expect(ClusterRoleAggregator.plan([done, source, extra]).isEmpty)
        extra.set("metadata.labels", to: .emptyObject)
        plan = ClusterRoleAggregator.plan([done, source, extra])
        #expect(plan.first?.rules.count == source["rules"]?.arrayValue?.count)
    }

    @Test func authorizationModes() throws {
        #expect(try AuthorizationMode.parse("Node,RBAC") == [.node, .rbac])
        #expect(try AuthorizationMode.parse("AlwaysAllow") == [.alwaysAllow])
        #expect(throws: ControlPlaneError.self) { try AuthorizationMode.parse("Node,ABAC") }
        #expect(throws: ControlPlaneError.self) { try AuthorizationMode.parse("RBAC,RBAC") }
        let bob = UserInfo(name: "bob", groups: ["system:authenticated"])
        #expect(!Authorizer(rbac: RBACAuthorizer()).allows(bob, pods("get")))
        #expect(Authorizer(rbac: RBACAuthorizer(), modes: [.rbac, .alwaysAllow]).allows(bob, pods("get")))
        // Without the Node mode a node gets only what RBAC grants.
        let node = UserInfo(name: "system:node:n1", groups: ["system:nodes", "system:authenticated"])
        #expect(Authorizer(rbac: RBACAuthorizer()).allows(node, pods("list")))
        #expect(!Authorizer(rbac: RBACAuthorizer(), modes: [.rbac]).allows(node, pods("list")))
    }
}

/// The Node authorizer's view of other nodes: their objects, never their kubelets' APIs.
@Suite struct NodeAuthorizerSubresourceTests {
    @Test func aNodeMayNotUseAnotherNodesKubelet() {
        let n2 = UserInfo(name: "system:node:n2", groups: ["system:nodes", "system:authenticated"])
        func decide(_ verb: String, _ sub: String?, _ name: String) -> AuthorizationDecision {
            NodeAuthorizer.authorize(n2, RequestAttributes(verb: verb, group: "", resource: "nodes", subresource: sub, name: name))
        }
        #expect(decide("get", nil, "n1") == .allow)
        #expect(decide("get", "status", "n1") == .allow)
        for sub in ["proxy", "stats", "metrics", "log"] {
            #expect(decide("get", sub, "n1") == .deny, "nodes/\(sub)")
            #expect(decide("create", sub, "n1") == .deny, "nodes/\(sub)")
            #expect(decide("get", sub, "n2") == .deny, "its own nodes/\(sub)")
        }
        #expect(decide("patch", "status", "n2") == .allow)
        #expect(decide("patch", "status", "n1") == .deny)
        // Deciding who may use its own API: reviews.
        #expect(NodeAuthorizer.authorize(n2, RequestAttributes(verb: "create", group: "authorization.k8s.io", resource: "subjectaccessreviews")) == .allow)
        #expect(NodeAuthorizer.authorize(n2, RequestAttributes(verb: "create", group: "authentication.k8s.io", resource: "tokenreviews")) == .allow)
    }
}
