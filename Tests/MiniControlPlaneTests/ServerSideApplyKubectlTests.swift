import Foundation
import KubeAPI
import Testing
import TestSupport

/// `kubectl apply --server-side` against the real kubectl: ownership,
/// conflicts, forcing, pruning and the move from client-side apply.
@Suite(.requires(.product("controlplane"), .kubectl))
struct ServerSideApplyKubectlTests {
    @Test(arguments: Backend.available)
    func serverSideApply(_ backend: Backend) async throws {
        try await withCluster(backend) { c in
            var r = try c.kubectl(["apply", "--server-side", "-f", "-"], stdin: manifests)
            #expect(r.status == 0, "\(r.output)")
            #expect(r.stdout.contains("deployment.apps/web serverside-applied"), "\(r.output)")
            r = try c.kubectl("get", "deploy", "web", "--show-managed-fields", "-o", "jsonpath={.metadata.managedFields[0].manager} {.metadata.managedFields[0].operation}")
            #expect(r.stdout == "kubectl Apply", "\(r.output)")

            // Another manager takes spec.replicas; re-applying 2 conflicts.
            r = try c.kubectl("patch", "deploy", "web", "--type=merge", "--field-manager=autoscaler", "-p", #"{"spec":{"replicas":5}}"#)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["apply", "--server-side", "-f", "-"], stdin: manifests)
            #expect(r.status != 0)
            #expect(r.stderr.contains(#"Apply failed with 1 conflict: conflict with "autoscaler" using apps/v1"#), "\(r.output)")
            #expect(r.stderr.contains(".spec.replicas"), "\(r.output)")
            r = try c.kubectl(["apply", "--server-side", "--force-conflicts", "-f", "-"], stdin: manifests)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "deploy", "web", "--show-managed-fields", "-o", "jsonpath={.spec.replicas} {.metadata.managedFields[*].manager}")
            #expect(r.stdout.hasPrefix("2 kubectl") && !r.stdout.contains("autoscaler"), "the autoscaler lost its only field: \(r.output)")

            // Dropping a field from the configuration removes it.
            let smaller = manifests.split(separator: "\n", omittingEmptySubsequences: false).filter { !$0.contains("env: [{name: A") }.joined(separator: "\n")
            #expect(smaller != manifests)
            r = try c.kubectl(["apply", "--server-side", "-f", "-"], stdin: smaller)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "deploy", "web", "-o", "jsonpath={.spec.template.spec.containers[0].env}")
            #expect(r.stdout.isEmpty, "\(r.output)")

            // A ConfigMap made by client-side apply moves to server-side apply without force.
            let cm = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: moved}\ndata: {mode: slow}\n"
            #expect(try c.kubectl(["apply", "-f", "-"], stdin: cm).status == 0)
            r = try c.kubectl(["apply", "--server-side", "-f", "-"], stdin: cm.replacingOccurrences(of: "slow", with: "fast"))
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "cm", "moved", "--show-managed-fields", "-o", "jsonpath={.data.mode} {.metadata.managedFields[*].manager}")
            #expect(r.stdout.hasPrefix("fast"), "\(r.output)")
            // ... and back to client-side apply.
            r = try c.kubectl(["apply", "-f", "-"], stdin: cm)
            #expect(r.status == 0, "\(r.output)")
            #expect(try c.kubectl("get", "cm", "moved", "-o", "jsonpath={.data.mode}").stdout == "slow")

            // Server-side apply creates, dry-runs, and refuses a missing field manager.
            r = try c.kubectl(["apply", "--server-side", "--dry-run=server", "-f", "-"], stdin: cm.replacingOccurrences(of: "moved", with: "dry"))
            #expect(r.status == 0, "\(r.output)")
            #expect(try c.kubectl("get", "cm", "dry").status != 0)
        }
    }
}
