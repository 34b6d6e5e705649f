import Foundation
import Testing
import TestSupport

/// `kubectl get cs` and PodTemplates with the real kubectl.
@Suite(.requires(.product("controlplane"), .kubectl))
struct ComponentStatusAndPodTemplateTests {
    @Test func componentStatusesAndPodTemplates() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl("get", "cs")
            #expect(r.status == 0, "\(r.output)")
            #expect(r.stderr.contains("Warning: v1 ComponentStatus is deprecated in v1.19+"), "\(r.output)")
            for line in ["scheduler", "controller-manager", "sqlite-0"] {
                #expect(r.stdout.split(separator: "\n").contains { $0.hasPrefix(line) && $0.contains("Healthy") }, "\(r.output)")
            }
            #expect(r.stdout.contains("NAME") && r.stdout.contains("STATUS") && r.stdout.contains("MESSAGE") && r.stdout.contains("ERROR"))
            r = try c.kubectl("get", "componentstatus", "scheduler", "-o", "jsonpath={.conditions[0].type}={.conditions[0].status}")
            #expect(r.stdout == "Healthy=True", "\(r.output)")
            // API Priority and Fairness: the default levels and schemas are served.
            r = try c.kubectl("get", "prioritylevelconfigurations,flowschemas", "-o", "name")
            #expect(r.status == 0, "\(r.output)")
            for name in ["prioritylevelconfiguration.flowcontrol.apiserver.k8s.io/exempt", "prioritylevelconfiguration.flowcontrol.apiserver.k8s.io/global-default",
                         "flowschema.flowcontrol.apiserver.k8s.io/exempt", "flowschema.flowcontrol.apiserver.k8s.io/global-default"] {
                #expect(r.stdout.contains(name), "\(r.output)")
            }
            let uid = { (kind: String, name: String) in (try? c.kubectl("get", kind, name, "-o", "jsonpath={.metadata.uid}"))?.stdout ?? "?" }
            func levelHeader(_ args: String...) -> String {
                let r = (try? c.kubectl(args + ["get", "--raw", "/api/v1/nodes", "-v=8"]))?.stderr ?? ""
                let line = r.split(separator: "\n").first { $0.lowercased().contains("x-kubernetes-pf-prioritylevel-uid:") } ?? ""
                return String(line.split(separator: " ").last ?? "")
            }
            #expect(levelHeader() == uid("prioritylevelconfiguration", "exempt"), "admins are exempt")
            let node = try c.nodeKubeconfig("n1")
            #expect(levelHeader("--kubeconfig=\(node.path)") == uid("prioritylevelconfiguration", "global-default"))
            // The levels follow their objects: nodes get a level of their own, then go back.
            r = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: flowcontrol.apiserver.k8s.io/v1
                kind: PriorityLevelConfiguration
                metadata: {name: nodes}
                spec: {type: Limited, limited: {nominalConcurrencyShares: 10, limitResponse: {type: Reject}}}
                ---
                apiVersion: flowcontrol.apiserver.k8s.io/v1
                kind: FlowSchema
                metadata: {name: nodes}
                spec:
                  priorityLevelConfiguration: {name: nodes}
                  matchingPrecedence: 500
                  distinguisherMethod: {type: ByUser}
                  rules:
                  - subjects: [{kind: Group, group: {name: "system:nodes"}}]
                    resourceRules: [{verbs: ["*"], apiGroups: ["*"], resources: ["*"], namespaces: ["*"], clusterScope: true}]
                """)
            #expect(r.status == 0, "\(r.output)")
            let nodesLevel = uid("prioritylevelconfiguration", "nodes")
            #expect(await Harness.waitUntil { levelHeader("--kubeconfig=\(node.path)") == nodesLevel }, "\(levelHeader("--kubeconfig=\(node.path)"))")
            r = try c.kubectl("patch", "flowschema", "nodes", "--type=merge", "-p", #"{"spec":{"priorityLevelConfiguration":{"name":"global-default"}}}"#)
            #expect(r.status == 0, "\(r.output)")
            let globalDefault = uid("prioritylevelconfiguration", "global-default")
            #expect(await Harness.waitUntil { levelHeader("--kubeconfig=\(node.path)") == globalDefault })
            r = try c.kubectl("delete", "cs", "scheduler")
            #expect(r.status != 0, "componentstatuses are read-only: \(r.output)")

            r = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: v1
                kind: PodTemplate
                metadata: {name: web}
                template:
                  metadata: {labels: {app: web}}
                  spec:
                    containers: [{name: nginx, image: nginx:1.25}]
                """)
            #expect(r.status == 0 && r.stdout.contains("podtemplate/web created"), "\(r.output)")
            r = try c.kubectl("get", "podtemplates")
            #expect(r.stdout.contains("web") && r.stdout.contains("nginx:1.25") && r.stdout.contains("app=web"), "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: "apiVersion: v1\nkind: PodTemplate\nmetadata: {name: bad}\ntemplate:\n  spec:\n    containers: [{name: c}]\n")
            #expect(r.status != 0 && r.stderr.contains("template.spec.containers[0].image: Required value"), "\(r.output)")
        }
    }
}
