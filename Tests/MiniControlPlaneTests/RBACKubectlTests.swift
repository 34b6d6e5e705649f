import Foundation
import Testing
import TestSupport

/// `--authorization-mode Node,RBAC` with the real kubectl: the default
/// roles, service-account tokens granted by RoleBindings, escalation
/// prevention, impersonation, anonymous requests, the access reviews behind
/// `kubectl auth can-i|whoami`, and `kubectl auth reconcile`.
@Suite(.requires(.product("controlplane"), .kubectl, .tool("curl", package: "curl")))
struct RBACKubectlTests {
    /// Polls until `check` holds (RBAC decisions follow writes through a watch).
    static func eventually(_ what: String, _ check: () throws -> Bool) async throws {
        for _ in 0..<100 {
            if try check() { return }
            try await Task.sleep(for: .milliseconds(100))
        }
        Issue.record("never: \(what)")
    }

    static func token(_ c: ClusterFixture, _ ns: String, _ sa: String) throws -> String {
        _ = try c.kubectl("create", "serviceaccount", sa, "-n", ns)
        let r = try c.kubectl("create", "token", sa, "-n", ns)
        #expect(r.status == 0, "\(r.output)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func serviceAccountsGetWhatBindingsGrant() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl("get", "clusterroles")
            for role in ["cluster-admin", "admin", "edit", "view", "system:basic-user", "system:discovery", "system:public-info-viewer",
                         "system:node-bootstrapper", "system:node-proxier", "system:kube-dns", "system:auth-delegator", "system:monitoring"] {
                #expect(r.stdout.contains("\n\(role) "), "missing \(role): \(r.output)")
            }
            r = try c.kubectl("get", "clusterrolebinding", "cluster-admin", "-o", "wide")
            #expect(r.stdout.contains("ClusterRole/cluster-admin") && r.stdout.contains("system:masters"), "\(r.output)")
            // view is aggregated from system:aggregate-to-view.
            try await Self.eventually("view aggregated") {
                try c.kubectl("get", "clusterrole", "view", "-o", "jsonpath={.rules[*].resources}").stdout.contains("pods/log")
            }
            _ = try c.kubectl("create", "namespace", "app")
            let reader = try Self.token(c, "app", "reader")
            r = try c.kubectl(token: reader, ["get", "pods", "-n", "app"])
            #expect(r.status != 0 && r.stderr.contains(#"pods is forbidden: User "system:serviceaccount:app:reader" cannot list resource "pods" in API group "" in the namespace "app""#), "\(r.output)")
            r = try c.kubectl(token: reader, ["auth", "whoami"])
            #expect(r.stdout.contains("system:serviceaccount:app:reader") && r.stdout.contains("system:serviceaccounts:app"), "\(r.output)")
            r = try c.kubectl("create", "rolebinding", "reader-view", "--clusterrole=view", "--serviceaccount=app:reader", "-n", "app")
            #expect(r.status == 0, "\(r.output)")
            try await Self.eventually("reader lists pods") { try c.kubectl(token: reader, ["get", "pods", "-n", "app"]).status == 0 }
            r = try c.kubectl(token: reader, ["get", "pods", "-n", "default"])
            #expect(r.status != 0 && r.stderr.contains("forbidden"), "\(r.output)")
            r = try c.kubectl(token: reader, ["auth", "can-i", "--list", "-n", "app"])
            #expect(r.stdout.contains("pods ") && r.stdout.contains("[get list watch]") && r.stdout.contains("selfsubjectaccessreviews.authorization.k8s.io"),
                    "\(r.output)")
            r = try c.kubectl("auth", "can-i", "list", "pods", "-n", "app", "--as=system:serviceaccount:app:reader")
            #expect(r.stdout == "yes\n", "\(r.output)")
            r = try c.kubectl("auth", "can-i", "create", "deployments", "-n", "app", "--as=system:serviceaccount:app:reader")
            #expect(r.stdout.hasPrefix("no"), "\(r.output)")
            // A SubjectAccessReview, as an authorizing webhook or proxy asks.
            r = try c.kubectl(["create", "-o", "jsonpath={.status.allowed}", "-f", "-"], stdin: """
                apiVersion: authorization.k8s.io/v1
                kind: SubjectAccessReview
                spec:
                  user: system:serviceaccount:app:reader
                  groups: [system:serviceaccounts, system:serviceaccounts:app, system:authenticated]
                  resourceAttributes: {namespace: app, verb: watch, resource: pods}
                """)
            #expect(r.stdout == "true", "\(r.output)")
            // The namespaced form, as a namespace admin asks it; its namespace must match.
            r = try c.kubectl(["create", "-n", "app", "-o", "jsonpath={.status.allowed}", "-f", "-"], stdin: """
                apiVersion: authorization.k8s.io/v1
                kind: LocalSubjectAccessReview
                metadata: {namespace: app}
                spec:
                  user: system:serviceaccount:app:reader
                  groups: [system:serviceaccounts:app]
                  resourceAttributes: {namespace: app, verb: delete, resource: pods}
                """)
            #expect(r.stdout == "false", "\(r.output)")
            r = try c.kubectl(["create", "-n", "app", "-f", "-"], stdin: """
                apiVersion: authorization.k8s.io/v1
                kind: LocalSubjectAccessReview
                metadata: {namespace: app}
                spec:
                  user: someone
                  resourceAttributes: {namespace: other, verb: get, resource: pods}
                """)
            #expect(r.stderr.contains(#"spec.resourceAttributes.namespace: Invalid value: "other": must match metadata.namespace"#), "\(r.output)")
            // Impersonation needs the impersonate verb.
            r = try c.kubectl(token: reader, ["get", "pods", "-n", "app", "--as=admin"])
            #expect(r.stderr.contains(#"users "admin" is forbidden: User "system:serviceaccount:app:reader" cannot impersonate resource "users" in API group "" at the cluster scope"#),
                    "\(r.output)")
        }
    }

    @Test func escalationIsRefused() async throws {
        try await withCluster(.sqlite) { c in
            _ = try c.kubectl("create", "namespace", "team")
            let lead = try Self.token(c, "team", "lead")
            let dev = try Self.token(c, "team", "dev")
            _ = try c.kubectl("create", "rolebinding", "lead-admin", "--clusterrole=admin", "--serviceaccount=team:lead", "-n", "team")
            _ = try c.kubectl("create", "rolebinding", "dev-edit", "--clusterrole=edit", "--serviceaccount=team:dev", "-n", "team")
            try await Self.eventually("admin aggregated and bound") {
                try c.kubectl(token: lead, ["auth", "can-i", "create", "rolebindings", "-n", "team"]).stdout == "yes\n"
                    && c.kubectl(token: lead, ["auth", "can-i", "delete", "pods", "-n", "team"]).stdout == "yes\n"
            }
            // edit may not bind at all; admin may bind what it holds, not cluster-admin.
            var r = try c.kubectl(token: dev, ["create", "rolebinding", "up", "--clusterrole=cluster-admin", "--serviceaccount=team:dev", "-n", "team"])
            #expect(r.status != 0 && r.stderr.contains("cannot create resource \"rolebindings\""), "\(r.output)")
            r = try c.kubectl(token: lead, ["create", "rolebinding", "up", "--clusterrole=cluster-admin", "--serviceaccount=team:dev", "-n", "team"])
            #expect(r.status != 0 && r.stderr.contains(#"rolebindings.rbac.authorization.k8s.io "up" is forbidden: user "system:serviceaccount:team:lead""#)
                    && r.stderr.contains("is attempting to grant RBAC permissions not currently held"), "\(r.output)")
            r = try c.kubectl(token: lead, ["create", "rolebinding", "dev-view", "--clusterrole=view", "--serviceaccount=team:dev", "-n", "team"])
            #expect(r.status == 0, "\(r.output)")
            // A Role with more than the writer holds.
            r = try c.kubectl(token: lead, ["create", "role", "nodes", "--verb=get", "--resource=nodes", "-n", "team"])
            #expect(r.stderr.contains("is attempting to grant RBAC permissions not currently held") && r.stderr.contains(#"Resources:["nodes"]"#),
                    "\(r.output)")
            r = try c.kubectl(token: lead, ["create", "role", "pod-reader", "--verb=get,list", "--resource=pods", "-n", "team"])
            #expect(r.status == 0, "\(r.output)")
            // With the escalate verb the check is skipped.
            _ = try c.kubectl("create", "clusterrole", "escalator", "--verb=escalate", "--resource=roles.rbac.authorization.k8s.io")
            _ = try c.kubectl("create", "rolebinding", "lead-escalate", "--clusterrole=escalator", "--serviceaccount=team:lead", "-n", "team")
            try await Self.eventually("escalate granted") {
                try c.kubectl(token: lead, ["create", "role", "nodes", "--verb=get", "--resource=nodes", "-n", "team"]).status == 0
            }
        }
    }

    @Test func anonymousAndPublicPaths() async throws {
        try await withCluster(.sqlite) { c in
            let base = c.kubeconfigServer
            var r = try TestProcess.run(["/usr/bin/curl", "-sk", base + "/healthz"])
            #expect(r.stdout == "ok", "\(r.stdout)")
            r = try TestProcess.run(["/usr/bin/curl", "-sk", base + "/version"])
            #expect(r.stdout.contains("gitVersion"), "\(r.stdout)")
            r = try TestProcess.run(["/usr/bin/curl", "-sk", base + "/api/v1/namespaces/default/pods"])
            #expect(r.stdout.contains(#"User \"system:anonymous\" cannot list resource \"pods\""#) && r.stdout.contains("403"), "\(r.stdout)")
            r = try TestProcess.run(["/usr/bin/curl", "-sk", base + "/metrics"])
            #expect(r.stdout.contains(#"cannot get path \"/metrics\""#), "\(r.stdout)")
            r = try TestProcess.run(["/usr/bin/curl", "-sk", "-H", "Authorization: Bearer forged", base + "/healthz"])
            #expect(r.stdout.contains("Unauthorized"), "\(r.stdout)")
            // Prometheus-style discovery: a ClusterRole to list pods and endpoints everywhere.
            let prom = try Self.token(c, "default", "prometheus")
            _ = try c.kubectl("create", "clusterrole", "prometheus", "--verb=get,list,watch", "--resource=pods,endpoints,services,nodes")
            _ = try c.kubectl("create", "clusterrolebinding", "prometheus", "--clusterrole=prometheus", "--serviceaccount=default:prometheus")
            _ = try c.kubectl("create", "clusterrole", "metrics-reader", "--verb=get", "--non-resource-url=/metrics")
            _ = try c.kubectl("create", "clusterrolebinding", "prometheus-metrics", "--clusterrole=metrics-reader", "--serviceaccount=default:prometheus")
            try await Self.eventually("prometheus lists endpoints") {
                try c.kubectl(token: prom, ["get", "endpoints", "-A"]).status == 0
            }
            #expect(try c.kubectl(token: prom, ["get", "pods", "-A"]).status == 0)
            #expect(try c.kubectl(token: prom, ["get", "--raw", "/metrics"]).stdout.contains("apiserver_request_total"))
            #expect(try c.kubectl(token: prom, ["get", "secrets", "-A"]).status != 0)
            // Object-state metrics and HTTP service discovery are paths of their own, each granted.
            #expect(try c.kubectl(token: prom, ["get", "--raw", "/metrics/kube-state"]).stderr.contains(#"cannot get path "/metrics/kube-state""#))
            _ = try c.kubectl("create", "clusterrole", "monitoring-reader", "--verb=get", "--non-resource-url=/metrics/kube-state",
                              "--non-resource-url=/metrics/sd/*")
            _ = try c.kubectl("create", "clusterrolebinding", "prometheus-monitoring", "--clusterrole=monitoring-reader", "--serviceaccount=default:prometheus")
            try await Self.eventually("prometheus reads object-state metrics") {
                try c.kubectl(token: prom, ["get", "--raw", "/metrics/kube-state"]).stdout.contains("kube_namespace_status_phase{namespace=\"default\",phase=\"Active\"} 1")
            }
            #expect(try c.kubectl(token: prom, ["get", "--raw", "/metrics/sd/node"]).stdout == "[]")
            // Discovery by EndpointSlices needs them listed, which this role does not grant.
            let sd = try c.kubectl(token: prom, ["get", "--raw", "/metrics/sd/endpointslice"])
            #expect(sd.stderr.contains(#"cannot list resource "endpointslices" in API group "discovery.k8s.io""#), "\(sd)")
            #expect(try c.kubectl(["get", "--raw", "/metrics/sd/endpointslice"]).stdout.contains(#""__meta_kubernetes_service_name":"kubernetes""#))
            #expect(try c.kubectl(["get", "--raw", "/metrics/sd/pods"]).status != 0)
        }
    }

    @Test func authReconcile() async throws {
        try await withCluster(.sqlite) { c in
            _ = try c.kubectl("create", "namespace", "rec")
            let manifest = """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata: {name: config-reader, namespace: rec}
                rules:
                - {apiGroups: [""], resources: [configmaps], verbs: [get, list]}
                ---
                apiVersion: rbac.authorization.k8s.io/v1
                kind: RoleBinding
                metadata: {name: config-reader, namespace: rec}
                roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: config-reader}
                subjects:
                - {kind: ServiceAccount, name: app, namespace: rec}
                """
            var r = try c.kubectl(["auth", "reconcile", "-f", "-"], stdin: manifest)
            #expect(r.status == 0 && r.stdout.contains("role.rbac.authorization.k8s.io/config-reader reconciled"), "\(r.output)")
            r = try c.kubectl("get", "rolebinding", "config-reader", "-n", "rec", "-o", "jsonpath={.roleRef.name} {.subjects[0].name}")
            #expect(r.stdout == "config-reader app", "\(r.output)")
            try await Self.eventually("bound") {
                try c.kubectl("auth", "can-i", "list", "configmaps", "-n", "rec", "--as=system:serviceaccount:rec:app").stdout == "yes\n"
            }
            // Bad objects are refused with upstream's messages.
            r = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: rbac.authorization.k8s.io/v1
                kind: Role
                metadata: {name: bad, namespace: rec}
                rules:
                - {nonResourceURLs: [/metrics], verbs: [get]}
                """)
            #expect(r.stderr.contains("namespaced rules cannot apply to non-resource URLs"), "\(r.output)")
            r = try c.kubectl("patch", "rolebinding", "config-reader", "-n", "rec", "--type=merge", "-p", #"{"roleRef":{"name":"other"}}"#)
            #expect(r.stderr.contains("cannot change roleRef"), "\(r.output)")
        }
    }

    /// Legacy Secret-based tokens (filled in by the tokens controller) and
    /// tokens bound to a Secret: valid while the Secret exists.
    @Test func secretBasedServiceAccountTokens() async throws {
        try await withCluster(.sqlite) { c in
            _ = try c.kubectl("create", "serviceaccount", "ci", "-n", "default")
            _ = try c.kubectl("create", "rolebinding", "ci-view", "--clusterrole=view", "--serviceaccount=default:ci", "-n", "default")
            var r = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: v1
                kind: Secret
                metadata: {name: ci-token, annotations: {kubernetes.io/service-account.name: ci}}
                type: kubernetes.io/service-account-token
                """)
            #expect(r.status == 0, "\(r.output)")
            var legacy = ""
            try await Self.eventually("token filled in") {
                legacy = try c.kubectl("get", "secret", "ci-token", "-o", "jsonpath={.data.token}").stdout
                return !legacy.isEmpty
            }
            let token = String(decoding: Data(base64Encoded: legacy) ?? Data(), as: UTF8.self)
            r = try c.kubectl("get", "secret", "ci-token", "-o", "jsonpath={.metadata.annotations.kubernetes\\.io/service-account\\.uid} {.data.namespace}")
            #expect(r.stdout.hasSuffix(" " + Data("default".utf8).base64EncodedString()) && r.stdout.count > 30, "\(r.output)")
            try await Self.eventually("legacy token lists pods") { try c.kubectl(token: token, ["get", "pods"]).status == 0 }
            #expect(try c.kubectl(token: token, ["auth", "whoami"]).stdout.contains("system:serviceaccount:default:ci"))
            // A token Secret needs the account's name; one naming a missing account is removed.
            r = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: v1
                kind: Secret
                metadata: {name: nameless}
                type: kubernetes.io/service-account-token
                """)
            #expect(r.stderr.contains("metadata.annotations[kubernetes.io/service-account.name]: Required value"), "\(r.output)")
            _ = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: v1
                kind: Secret
                metadata: {name: orphan, annotations: {kubernetes.io/service-account.name: ghost}}
                type: kubernetes.io/service-account-token
                """)
            try await Self.eventually("orphan token secret deleted") { try c.kubectl("get", "secret", "orphan").status != 0 }
            // A TokenRequest bound to a Secret dies with it; so does the legacy token.
            _ = try c.kubectl("create", "secret", "generic", "anchor", "--from-literal=a=b")
            r = try c.kubectl("create", "token", "ci", "--bound-object-kind=Secret", "--bound-object-name=anchor")
            #expect(r.status == 0, "\(r.output)")
            let bound = r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(try c.kubectl(token: bound, ["get", "pods"]).status == 0)
            _ = try c.kubectl("delete", "secret", "anchor", "ci-token")
            try await Self.eventually("tokens die with their secrets") {
                try c.kubectl(token: bound, ["get", "pods"]).stderr.contains("Unauthorized")
                    && c.kubectl(token: token, ["get", "pods"]).stderr.contains("Unauthorized")
            }
        }
    }
}
