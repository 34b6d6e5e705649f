import KubeAPI

/// The default ClusterRoles and ClusterRoleBindings kube-apiserver creates
/// (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy`), with kubeadm's
/// bindings for joining nodes; reconciled into the store at every start by
/// ``BootstrapPolicyReconciler``.
enum BootstrapPolicy {
    static let rbacGroup = "rbac.authorization.k8s.io"
    static let bootstrappingLabel = ["kubernetes.io/bootstrapping": "rbac-defaults"]
    static let autoupdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate"

    static let readVerbs = ["get", "list", "watch"]
    static let writeVerbs = ["create", "delete", "deletecollection", "patch", "update"]

    static func rule(_ verbs: [String], _ groups: [String], _ resources: [String], names: [String]? = nil) -> PolicyRule {
        PolicyRule(verbs: verbs, apiGroups: groups, resources: resources, resourceNames: names)
    }

    static func urls(_ verbs: [String], _ urls: [String]) -> PolicyRule {
        PolicyRule(verbs: verbs, nonResourceURLs: urls)
    }

    static func role(_ name: String, _ rules: [PolicyRule], labels: [String: String] = [:],
                     aggregateFrom selectorLabel: String? = nil) -> ClusterRole {
        var meta = ObjectMeta(name: name)
        meta.labels = bootstrappingLabel.merging(labels) { a, _ in a }
        meta.annotations = [autoupdateAnnotation: "true"]
        let agg = selectorLabel.map { AggregationRule(clusterRoleSelectors: [LabelSelector(matchLabels: [$0: "true"])]) }
        return ClusterRole(metadata: meta, rules: agg == nil ? rules : [], aggregationRule: agg)
    }

    static func binding(_ name: String, role: String? = nil, _ subjects: [RBACSubject]) -> ClusterRoleBinding {
        var meta = ObjectMeta(name: name)
        meta.labels = bootstrappingLabel
        meta.annotations = [autoupdateAnnotation: "true"]
        return ClusterRoleBinding(metadata: meta, subjects: subjects, roleRef: RoleRef(kind: "ClusterRole", name: role ?? name))
    }

    static func group(_ name: String) -> RBACSubject { RBACSubject(kind: "Group", name: name) }
    static func user(_ name: String) -> RBACSubject { RBACSubject(kind: "User", name: name) }

    static let aggregateToAdmin = "rbac.authorization.k8s.io/aggregate-to-admin"
    static let aggregateToEdit = "rbac.authorization.k8s.io/aggregate-to-edit"
    static let aggregateToView = "rbac.authorization.k8s.io/aggregate-to-view"

    static let csrGroup = ["certificates.k8s.io"]

    /// The default cluster roles.
    static let clusterRoles: [ClusterRole] = [
        role("cluster-admin", [rule(["*"], ["*"], ["*"]), urls(["*"], ["*"])]),
        role("admin", [], aggregateFrom: aggregateToAdmin),
        role("edit", [], labels: [aggregateToAdmin: "true"], aggregateFrom: aggregateToEdit),
        role("view", [], labels: [aggregateToEdit: "true"], aggregateFrom: aggregateToView),
        role("system:aggregate-to-admin", [
            rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews"]),
            rule(writeVerbs + readVerbs, [rbacGroup], ["rolebindings", "roles"]),
        ], labels: [aggregateToAdmin: "true"]),
        role("system:aggregate-to-edit", [
            rule(readVerbs, [""], ["pods/attach", "pods/exec", "pods/portforward", "pods/proxy", "secrets", "services/proxy"]),
            rule(["impersonate"], [""], ["serviceaccounts"]),
            rule(writeVerbs, [""], ["pods", "pods/attach", "pods/exec", "pods/portforward", "pods/proxy"]),
            rule(["create"], [""], ["pods/eviction"]),
            rule(writeVerbs, [""], ["configmaps", "events", "persistentvolumeclaims", "replicationcontrollers",
                                    "replicationcontrollers/scale", "secrets", "serviceaccounts", "services", "services/proxy"]),
            rule(["create"], [""], ["serviceaccounts/token"]),
            rule(writeVerbs, ["apps"], ["daemonsets", "deployments", "deployments/rollback", "deployments/scale", "replicasets",
                                        "replicasets/scale", "statefulsets", "statefulsets/scale"]),
            rule(writeVerbs, ["autoscaling"], ["horizontalpodautoscalers"]),
            rule(writeVerbs, ["batch"], ["cronjobs", "jobs"]),
            rule(writeVerbs, ["extensions"], ["daemonsets", "deployments", "deployments/rollback", "deployments/scale", "ingresses",
                                              "networkpolicies", "replicasets", "replicasets/scale", "replicationcontrollers/scale"]),
            rule(writeVerbs, ["policy"], ["poddisruptionbudgets"]),
            rule(writeVerbs, ["networking.k8s.io"], ["ingresses", "networkpolicies"]),
            rule(writeVerbs + readVerbs, ["coordination.k8s.io"], ["leases"]),
        ], labels: [aggregateToEdit: "true"]),
        role("system:aggregate-to-view", [
            rule(readVerbs, [""], ["configmaps", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "pods",
                                   "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts", "services", "services/status"]),
            rule(readVerbs, [""], ["bindings", "events", "limitranges", "namespaces/status", "pods/log", "pods/status",
                                   "replicationcontrollers/status", "resourcequotas", "resourcequotas/status"]),
            rule(readVerbs, [""], ["namespaces"]),
            rule(readVerbs, ["discovery.k8s.io"], ["endpointslices"]),
            rule(readVerbs, ["apps"], ["controllerrevisions", "daemonsets", "daemonsets/status", "deployments", "deployments/scale",
                                       "deployments/status", "replicasets", "replicasets/scale", "replicasets/status", "statefulsets",
                                       "statefulsets/scale", "statefulsets/status"]),
            rule(readVerbs, ["autoscaling"], ["horizontalpodautoscalers", "horizontalpodautoscalers/status"]),
            rule(readVerbs, ["batch"], ["cronjobs", "cronjobs/status", "jobs", "jobs/status"]),
            rule(readVerbs, ["extensions"], ["daemonsets", "daemonsets/status", "deployments", "deployments/scale", "deployments/status",
                                             "ingresses", "ingresses/status", "networkpolicies", "replicasets", "replicasets/scale",
                                             "replicasets/status", "replicationcontrollers/scale"]),
            rule(readVerbs, ["policy"], ["poddisruptionbudgets", "poddisruptionbudgets/status"]),
            rule(readVerbs, ["networking.k8s.io"], ["ingresses", "ingresses/status", "networkpolicies"]),
        ], labels: [aggregateToView: "true"]),
        role("system:discovery", [urls(["get"], ["/api", "/api/*", "/apis", "/apis/*", "/healthz", "/livez", "/openapi", "/openapi/*",
                                                 "/readyz", "/version", "/version/"])]),
        role("system:basic-user", [
            rule(["create"], ["authorization.k8s.io"], ["selfsubjectaccessreviews", "selfsubjectrulesreviews"]),
            rule(["create"], ["authentication.k8s.io"], ["selfsubjectreviews"]),
        ]),
        role("system:public-info-viewer", [urls(["get"], ["/healthz", "/livez", "/readyz", "/version", "/version/"])]),
        role("system:monitoring", [urls(["get"], ["/healthz", "/healthz/*", "/livez", "/livez/*", "/metrics", "/metrics/kube-state", "/metrics/slis",
                                                  "/readyz", "/readyz/*"])]),
        role("system:auth-delegator", [
            rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
            rule(["create"], ["authorization.k8s.io"], ["subjectaccessreviews"]),
        ]),
        role("system:heapster", [
            rule(readVerbs, [""], ["events", "namespaces", "nodes", "pods"]),
            rule(readVerbs, ["extensions"], ["deployments"]),
        ]),
        role("system:node", [
            rule(["create", "get", "list", "watch", "delete", "patch", "update"], [""], ["nodes"]),
            rule(["patch", "update"], [""], ["nodes/status"]),
            rule(["create", "patch", "update"], ["", "events.k8s.io"], ["events"]),
            rule(readVerbs, [""], ["pods"]),
            rule(["create", "delete"], [""], ["pods"]),
            rule(["patch", "update"], [""], ["pods/status"]),
            rule(["create"], [""], ["pods/eviction"]),
            rule(readVerbs, [""], ["services", "endpoints"]),
            rule(["get", "list", "watch"], [""], ["secrets", "configmaps"]),
            rule(["get"], [""], ["persistentvolumeclaims", "persistentvolumes"]),
            rule(["create"], ["authentication.k8s.io"], ["tokenreviews"]),
            rule(["create"], ["authorization.k8s.io"], ["localsubjectaccessreviews", "subjectaccessreviews"]),
            rule(["create"], [""], ["serviceaccounts/token"]),
            rule(["create", "delete", "get", "patch", "update"], ["coordination.k8s.io"], ["leases"]),
            rule(["get", "list", "watch"], ["discovery.k8s.io"], ["endpointslices"]),
            rule(["create", "get", "list", "watch"], csrGroup, ["certificatesigningrequests"]),
        ]),
        role("system:node-bootstrapper", [rule(["create", "get", "list", "watch"], csrGroup, ["certificatesigningrequests"])]),
        role("system:certificates.k8s.io:certificatesigningrequests:nodeclient",
             [rule(["create"], csrGroup, ["certificatesigningrequests/nodeclient"])]),
        role("system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
             [rule(["create"], csrGroup, ["certificatesigningrequests/selfnodeclient"])]),
        role("system:certificates.k8s.io:kube-apiserver-client-approver",
             [rule(["approve"], csrGroup, ["signers"], names: ["kubernetes.io/kube-apiserver-client"])]),
        role("system:certificates.k8s.io:kube-apiserver-client-kubelet-approver",
             [rule(["approve"], csrGroup, ["signers"], names: ["kubernetes.io/kube-apiserver-client-kubelet"])]),
        role("system:certificates.k8s.io:kubelet-serving-approver",
             [rule(["approve"], csrGroup, ["signers"], names: ["kubernetes.io/kubelet-serving"])]),
        role("system:certificates.k8s.io:legacy-unknown-approver",
             [rule(["approve"], csrGroup, ["signers"], names: ["kubernetes.io/legacy-unknown"])]),
        role("system:node-proxier", [
            rule(["list", "watch"], [""], ["endpoints", "services"]),
            rule(["get", "list", "watch"], [""], ["nodes"]),
            rule(["create", "patch", "update"], ["", "events.k8s.io"], ["events"]),
            rule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"]),
            // The load-balancer address Leases (one holder per address).
            rule(["create", "get", "update"], ["coordination.k8s.io"], ["leases"]),
            // The network-policy enforcer kube-proxy runs.
            rule(["list", "watch"], [""], ["pods", "namespaces"]),
            rule(["list", "watch"], ["networking.k8s.io"], ["networkpolicies"]),
            // Its own log lines, to the cluster's log store (kube-proxy --ship-logs).
            urls(["post"], ["/loki/api/v1/push"]),
        ]),
        // The built-in ingress controller (Sources/Ingress), as ingress-nginx's ClusterRole.
        role("system:ingress-controller", [
            rule(["list", "watch"], [""], ["endpoints", "services", "secrets"]),
            rule(["get", "list", "watch"], [""], ["services"]),
            rule(readVerbs, ["networking.k8s.io"], ["ingresses", "ingressclasses"]),
            rule(["update"], ["networking.k8s.io"], ["ingresses/status"]),
            rule(["list", "watch"], ["discovery.k8s.io"], ["endpointslices"]),
            rule(["create", "patch"], ["", "events.k8s.io"], ["events"]),
        ]),
        role("system:kube-dns", [rule(["list", "watch"], [""], ["endpoints", "services"])]),
        role("system:kubelet-api-admin", [
            rule(["get", "list", "watch", "proxy"], [""], ["nodes"]),
            rule(["*"], [""], ["nodes/log", "nodes/metrics", "nodes/proxy", "nodes/stats"]),
        ]),
        role("system:persistent-volume-provisioner", [
            rule(["create", "delete", "get", "list", "watch"], [""], ["persistentvolumes"]),
            rule(["get", "list", "update", "watch"], [""], ["persistentvolumeclaims"]),
            rule(readVerbs, ["storage.k8s.io"], ["storageclasses"]),
            rule(["create", "patch", "update", "watch"], [""], ["events"]),
        ]),
        role("system:service-account-issuer-discovery", [
            urls(["get"], ["/.well-known/openid-configuration", "/.well-known/openid-configuration/", "/openid/v1/jwks", "/openid/v1/jwks/"]),
        ]),
    ]

    /// Upstream's namespaced bootstrap roles the add-ons bind to: aggregated API
    /// servers (metrics-server) read how to authenticate the API server's proxied requests.
    static var namespacedRoles: [Role] {
        var meta = ObjectMeta(name: "extension-apiserver-authentication-reader", namespace: "kube-system")
        meta.labels = bootstrappingLabel
        meta.annotations = [autoupdateAnnotation: "true"]
        return [Role(metadata: meta, rules: [rule(["get", "list", "watch"], [""], ["configmaps"], names: ["extension-apiserver-authentication"])])]
    }

    /// The default cluster role bindings, with kubeadm's three for joining nodes.
    static let clusterRoleBindings: [ClusterRoleBinding] = [
        binding("cluster-admin", [group("system:masters")]),
        binding("system:basic-user", [group("system:authenticated")]),
        binding("system:discovery", [group("system:authenticated")]),
        binding("system:public-info-viewer", [group("system:authenticated"), group("system:unauthenticated")]),
        binding("system:monitoring", [group("system:monitoring")]),
        binding("system:node", []),
        binding("system:node-proxier", [user("system:kube-proxy")]),
        binding("system:ingress-controller", [user("system:ingress-controller")]),
        binding("system:kube-dns", [RBACSubject(kind: "ServiceAccount", name: "kube-dns", namespace: "kube-system")]),
        binding("system:service-account-issuer-discovery", [group("system:serviceaccounts")]),
        binding("kubeadm:kubelet-bootstrap", role: "system:node-bootstrapper", [group("system:bootstrappers")]),
        binding("kubeadm:node-autoapprove-bootstrap", role: "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
                [group("system:bootstrappers")]),
        binding("kubeadm:node-autoapprove-certificate-rotation",
                role: "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient", [group("system:nodes")]),
    ]
}
