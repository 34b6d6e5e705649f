import Foundation
import KubeAPI
import Testing
import TestSupport

/// DaemonSet rollouts through ControllerRevisions: pods labelled with the
/// revision's hash, `kubectl rollout history|undo daemonset` with the real kubectl.
@Suite(.requires(.product("controlplane"), .tool("kubectl")), .serialized)
struct DaemonSetRolloutTests {
    static func value(_ cp: TestControlPlane, _ args: String...) async throws -> String {
        let r = try await cp.kubectl(args)
        guard r.status == 0 else { throw TestError("kubectl \(args.joined(separator: " ")) failed: \(r.output)") }
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    @Test func rolloutHistoryAndUndoDaemonSet() async throws {
        try await withCluster(nodes: [.init("n1"), .init("n2")]) { cp, _ in
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: apps/v1
                kind: DaemonSet
                metadata: {name: agent}
                spec:
                  selector: {matchLabels: {app: agent}}
                  template:
                    metadata: {labels: {app: agent}}
                    spec: {containers: [{name: agent, image: "agent:1.0"}]}
                """)
            let images = { try await Self.value(cp, "get", "pods", "-l", "app=agent", "-o", "jsonpath={.items[*].spec.containers[0].image}") }
            _ = try await TestEnv.eventually { try await images() == "agent:1.0 agent:1.0" }
            // One revision, whose hash labels the pods.
            let hash = try await Self.value(cp, "get", "controllerrevisions", "-l", "app=agent", "-o",
                                            "jsonpath={.items[*].metadata.labels.controller-revision-hash}")
            #expect(!hash.isEmpty && !hash.contains(" "), "\(hash)")
            #expect(try await Self.value(cp, "get", "controllerrevisions", "-l", "app=agent", "-o", "jsonpath={.items[0].metadata.name}") == "agent-\(hash)")
            #expect(try await Self.value(cp, "get", "pods", "-l", "app=agent", "-o", "jsonpath={.items[*].metadata.labels.controller-revision-hash}")
                    == "\(hash) \(hash)")

            try await cp.must("set", "image", "daemonset/agent", "agent=agent:2.0")
            try await cp.must("rollout", "status", "daemonset/agent", "--timeout=120s")
            _ = try await TestEnv.eventually { try await images() == "agent:2.0 agent:2.0" }
            #expect(try await images() == "agent:2.0 agent:2.0")
            #expect(try await Self.value(cp, "get", "ds", "agent", "-o", "jsonpath={.status.updatedNumberScheduled}") == "2")
            let history = try await Self.value(cp, "rollout", "history", "daemonset/agent")
            #expect(history.contains("REVISION") && history.contains("\n1 ") && history.contains("\n2 "), "\(history)")
            #expect(try await Self.value(cp, "rollout", "history", "daemonset/agent", "--revision=1").contains("agent:1.0"))

            try await cp.must("rollout", "undo", "daemonset/agent")
            _ = try await TestEnv.eventually { try await images() == "agent:1.0 agent:1.0" }
            #expect(try await images() == "agent:1.0 agent:1.0")
            // The first revision is back, renumbered 3, and the pods carry its hash again.
            #expect(try await Self.value(cp, "get", "controllerrevisions", "agent-\(hash)", "-o", "jsonpath={.revision}") == "3")
            #expect(try await Self.value(cp, "get", "pods", "-l", "app=agent", "-o", "jsonpath={.items[*].metadata.labels.controller-revision-hash}")
                    == "\(hash) \(hash)")
            let after = try await Self.value(cp, "rollout", "history", "daemonset/agent")
            #expect(after.contains("\n3 ") && !after.contains("\n1 "), "\(after)")
        }
    }
}
