import Foundation
import Testing
import TestSupport

/// The admission chain against a real control plane with the real kubectl:
/// upstream's messages and warnings as kubectl prints them.
@Suite(.requires(.product("controlplane"), .kubectl))
struct AdmissionKubectlTests {
    static let privileged = """
        apiVersion: v1
        kind: Pod
        metadata: {name: priv}
        spec:
          containers: [{name: c, image: busybox:1.36, securityContext: {privileged: true}}]
        """

    @Test func podSecurityEnforcesAndWarns() async throws {
        let dir = try Harness.tempDir("psa-audit")
        defer { try? FileManager.default.removeItem(at: dir) }
        let policy = dir.appendingPathComponent("policy.yaml")
        try "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [RequestReceived]\nrules:\n- level: Metadata\n  resources: [{group: \"\", resources: [pods]}]\n"
            .write(to: policy, atomically: true, encoding: .utf8)
        let logPath = dir.appendingPathComponent("audit.log")
        try await withCluster(.sqlite, extraArgs: ["--audit-log-path", logPath.path, "--audit-policy-file", policy.path]) { c in
            var r = try c.kubectl("create", "namespace", "locked")
            r = try c.kubectl("label", "namespace", "locked", "pod-security.kubernetes.io/enforce=restricted")
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["apply", "-n", "locked", "-f", "-"], stdin: Self.privileged)
            #expect(r.status != 0, "\(r.output)")
            #expect(r.stderr.contains(#"pods "priv" is forbidden: violates PodSecurity "restricted:latest": privileged (container "c" must not set securityContext.privileged=true), allowPrivilegeEscalation != false (container "c" must set securityContext.allowPrivilegeEscalation=false)"#),
                    "\(r.output)")
            // Workloads are not refused; enforce's level warns about them.
            r = try c.kubectl("create", "deployment", "web", "-n", "locked", "--image=busybox:1.36")
            #expect(r.status == 0 && r.stderr.contains(#"Warning: would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false"#), "\(r.output)")
            // warn: admitted, with the Warning header kubectl prints.
            r = try c.kubectl("create", "namespace", "watched")
            r = try c.kubectl("label", "namespace", "watched", "pod-security.kubernetes.io/warn=baseline")
            r = try c.kubectl(["apply", "-n", "watched", "-f", "-"], stdin: Self.privileged)
            #expect(r.status == 0, "\(r.output)")
            #expect(r.stderr.contains(#"Warning: would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)"#), "\(r.output)")
            // Enforcing on a namespace with violating pods warns about them.
            r = try c.kubectl("label", "namespace", "watched", "pod-security.kubernetes.io/enforce=baseline")
            #expect(r.status == 0, "\(r.output)")
            #expect(r.stderr.contains(#"Warning: existing pods in namespace "watched" violate the new PodSecurity enforce level "baseline:latest""#)
                    && r.stderr.contains("Warning: priv: privileged"), "\(r.output)")
            // audit: the violations are in the audit event's annotations.
            r = try c.kubectl("create", "namespace", "audited")
            r = try c.kubectl("label", "namespace", "audited", "pod-security.kubernetes.io/audit=restricted")
            r = try c.kubectl(["apply", "-n", "audited", "-f", "-"], stdin: Self.privileged)
            #expect(r.status == 0 && !r.stderr.contains("Warning"), "\(r.output)")
            let log = (try? String(contentsOf: logPath, encoding: .utf8)) ?? ""
            let event = log.split(separator: "\n").first { $0.contains("/namespaces/audited/pods") && $0.contains("\"verb\":\"create\"") } ?? ""
            #expect(event.contains(#""pod-security.kubernetes.io/audit-violations":"would violate PodSecurity \"restricted:latest\": privileged"#), "\(log)")
            r = try c.kubectl("label", "namespace", "watched", "pod-security.kubernetes.io/audit=strict")
            #expect(r.stderr.contains(#"Invalid value: "strict": must be one of privileged, baseline, restricted"#), "\(r.output)")
        }
    }

    @Test func resourceQuotaRefusesAndCounts() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl("create", "namespace", "team")
            r = try c.kubectl("create", "quota", "compute", "-n", "team", "--hard=pods=2,requests.cpu=1,configmaps=5")
            #expect(r.status == 0, "\(r.output)")
            func pod(_ name: String, cpu: String) -> String {
                "apiVersion: v1\nkind: Pod\nmetadata: {name: \(name)}\nspec:\n  containers: [{name: c, image: busybox:1.36, resources: {requests: {cpu: \(cpu)}}}]\n"
            }
            r = try c.kubectl(["apply", "-n", "team", "-f", "-"], stdin: pod("a", cpu: "600m"))
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["apply", "-n", "team", "-f", "-"], stdin: pod("b", cpu: "500m"))
            #expect(r.stderr.contains(#"Error from server (Forbidden): error when creating "STDIN": pods "b" is forbidden: exceeded quota: compute, requested: requests.cpu=500m, used: requests.cpu=600m, limited: requests.cpu=1"#),
                    "\(r.output)")
            r = try c.kubectl(["apply", "-n", "team", "-f", "-"], stdin: "apiVersion: v1\nkind: Pod\nmetadata: {name: bare}\nspec:\n  containers: [{name: c, image: busybox:1.36}]\n")
            #expect(r.stderr.contains(#"pods "bare" is forbidden: failed quota: compute: must specify requests.cpu for: c"#), "\(r.output)")
            // The controller fills in what admission does not charge (configmaps made before) and gives back what goes.
            r = try c.kubectl("describe", "quota", "compute", "-n", "team")
            #expect(r.status == 0 && r.stdout.contains("requests.cpu") && r.stdout.contains("600m"), "\(r.output)")
            r = try c.kubectl("get", "quota", "-n", "team")
            #expect(r.stdout.contains("REQUEST") && r.stdout.contains("pods: 1/2"), "\(r.output)")
            r = try c.kubectl("delete", "pod", "a", "-n", "team", "--grace-period=0", "--force")
            let released = await Harness.waitUntil {
                (try? c.kubectl("get", "quota", "compute", "-n", "team", "-o", "jsonpath={.status.used.requests\\.cpu}").stdout) == "0"
            }
            let final = try c.kubectl("get", "quota", "compute", "-n", "team", "-o", "yaml")
            #expect(released, "\(final.output)")
            r = try c.kubectl(["apply", "-n", "team", "-f", "-"], stdin: pod("b", cpu: "500m"))
            #expect(r.status == 0, "\(r.output)")
            // A controller's refused pods are its FailedCreate events, with the server's message.
            r = try c.kubectl("create", "deployment", "web", "-n", "team", "--image=busybox:1.36")
            var events = ""
            let reported = await Harness.waitUntil {
                events = (try? c.kubectl("get", "events", "-n", "team").stdout) ?? ""
                return events.contains("FailedCreate")
            }
            #expect(reported && events.contains("Error creating: pods \"web-") && events.contains("is forbidden: failed quota: compute: must specify requests.cpu for: busybox"),
                    "\(events)")
        }
    }

    @Test func limitRangeDefaultsAndNamespaceLifecycle() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: v1
                kind: LimitRange
                metadata: {name: defaults, namespace: default}
                spec:
                  limits:
                  - type: Container
                    default: {cpu: 500m, memory: 128Mi}
                    defaultRequest: {cpu: 100m}
                    max: {cpu: "1"}
                """)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "limitrange")
            #expect(r.stdout.contains("defaults") && r.stdout.contains("CREATED AT"), "\(r.output)")
            r = try c.kubectl("describe", "limitrange", "defaults")
            #expect(r.status == 0 && r.stdout.contains("Container") && r.stdout.contains("500m"), "\(r.output)")
            r = try c.kubectl("run", "plain", "--image=busybox:1.36")
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "pod", "plain", "-o",
                              "jsonpath={.spec.containers[0].resources.requests.cpu} {.spec.containers[0].resources.limits.cpu} {.spec.containers[0].resources.requests.memory} {.metadata.annotations.kubernetes\\.io/limit-ranger}")
            #expect(r.stdout == "100m 500m 128Mi LimitRanger plugin set: cpu, memory request for container plain; cpu, memory limit for container plain", "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: "apiVersion: v1\nkind: Pod\nmetadata: {name: big}\nspec:\n  containers: [{name: c, image: busybox:1.36, resources: {limits: {cpu: \"2\"}}}]\n")
            #expect(r.stderr.contains(#"pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2"#), "\(r.output)")
            r = try c.kubectl("delete", "namespace", "kube-system")
            #expect(r.stderr.contains(#"Error from server (Forbidden): namespaces "kube-system" is forbidden: this namespace may not be deleted"#), "\(r.output)")
            r = try c.kubectl("run", "nowhere", "--image=busybox:1.36", "-n", "absent")
            #expect(r.stderr.contains(#"namespaces "absent" not found"#), "\(r.output)")
        }
    }

    @Test func nodeRestriction() async throws {
        try await withCluster(.sqlite) { c in
            let asNode = ["--as=system:node:n1", "--as-group=system:nodes"]
            var r = try c.kubectl(asNode + ["apply", "-f", "-"], stdin: "apiVersion: v1\nkind: Node\nmetadata: {name: n2}\n")
            #expect(r.stderr.contains("forbidden"), "\(r.output)")
            r = try c.kubectl(asNode + ["create", "-f", "-"], stdin: "apiVersion: v1\nkind: Node\nmetadata: {name: n1, labels: {kubernetes.io/hostname: n1}}\n")
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(asNode + ["label", "node", "n1", "node-restriction.kubernetes.io/pool=gold"])
            #expect(r.stderr.contains(#"nodes "n1" is forbidden: node "n1" is not allowed to modify labels: node-restriction.kubernetes.io/pool"#), "\(r.output)")
            r = try c.kubectl(asNode + ["taint", "node", "n1", "dedicated=x:NoSchedule"])
            #expect(r.stderr.contains(#"nodes "n1" is forbidden: node "n1" is not allowed to modify taints"#), "\(r.output)")
            // The administrator may.
            r = try c.kubectl("label", "node", "n1", "node-restriction.kubernetes.io/pool=gold")
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(asNode + ["run", "sneaky", "--image=busybox:1.36", "--overrides", #"{"spec":{"nodeName":"n1"}}"#])
            #expect(r.stderr.contains(#"pod does not have "kubernetes.io/config.mirror" annotation, node "n1" can only create mirror pods"#), "\(r.output)")
        }
    }
}
