import Foundation
import Glibc
import KubeAPI
import Testing
import TestSupport

/// Two `controlplane` processes on one real etcd: both serve the API, one
/// runs the scheduler and controllers, and the other takes over when the
/// leader dies, with the default election timing (10s lease, 2s retry).
@Suite(.requires(.product("controlplane"), .tool("kubectl"), .etcd), .serialized)
struct LeaderElectionTests {
    static func holder(_ cp: TestControlPlane) async -> String {
        (try? await cp.kubectl("get", "lease", "swiftkube-controlplane", "-n", "kube-system", "-o", "jsonpath={.spec.holderIdentity}").stdout) ?? ""
    }

    /// The part of the Lease holder identity that names a process.
    static func marks(_ holder: String, _ cp: TestControlPlane) -> Bool {
        guard let pid = cp.process?.pid else { return false }
        return holder.contains("_\(pid)_")
    }

    @Test func killingTheLeaderHandsOverWithNothingLostOrDoneTwice() async throws {
        let etcd = try await TestEtcd()
        defer { etcd.stop() }
        let args = ["--datastore", etcd.endpoint]
        let a = try await TestControlPlane(args: args, tag: "cp-a")
        defer { a.stop() }
        #expect(await TestEnv.eventually(seconds: 30) { await Self.marks(Self.holder(a), a) }, "\(a.log.suffix(3000))")
        let b = try await TestControlPlane(args: args, tag: "cp-b")
        defer { b.stop() }
        // Both serve the API; b waits for the lease.
        #expect(await TestEnv.eventually(seconds: 30) { b.log.contains("leader election: waiting for lease kube-system/swiftkube-controlplane") })
        #expect(await Self.marks(Self.holder(b), a))

        let client = try b.client()
        let kubelet = FakeKubelet(client: client)
        let task = Task { await kubelet.run() }
        defer { task.cancel() }
        do {
            try await kubelet.register([FakeKubelet.NodeSpec("n1"), FakeKubelet.NodeSpec("n2")])
            try await b.must("create", "deployment", "web", "--image=nginx:1.25", "--replicas=3")
            try await b.must("rollout", "status", "deployment/web", "--timeout=120s")
            let before = try await b.must("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.uid}").split(separator: " ").sorted()
            let rs = try await b.must("get", "rs", "-l", "app=web", "-o", "name")
            #expect(before.count == 3)

            // The leader dies without a word; b takes over once the lease lapses.
            let killed = Date()
            a.kill()
            let took = await TestEnv.eventually(seconds: 60) { await Self.marks(Self.holder(b), b) }
            #expect(took, "\(b.log.suffix(3000))")
            let handover = Date().timeIntervalSince(killed)
            print("leader handover after SIGKILL took \(String(format: "%.1f", handover)) s (lease 10s, retry 2s)")
            #expect(b.log.contains("acquired lease kube-system/swiftkube-controlplane"))

            // Nothing was redone: the same ReplicaSet and pods, and the new leader works.
            #expect(try await b.must("get", "rs", "-l", "app=web", "-o", "name") == rs)
            try await b.must("scale", "deployment", "web", "--replicas=5")
            try await b.must("rollout", "status", "deployment/web", "--timeout=120s")
            let after = try await b.must("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.uid}").split(separator: " ").sorted()
            #expect(after.count == 5 && Set(before).isSubset(of: Set(after)), "\(after)")
            #expect(try await b.must("get", "rs", "-l", "app=web", "-o", "name") == rs)

            // a comes back as a follower; a graceful stop of b releases the lease at once.
            try await a.start()
            #expect(await TestEnv.eventually(seconds: 30) { a.log.contains("waiting for lease") }, "\(a.log.suffix(2000))")
            #expect(await Self.marks(Self.holder(a), b))
            b.kill(SIGTERM)
            #expect(b.log.contains("released lease kube-system/swiftkube-controlplane"), "\(b.log.suffix(2000))")
            #expect(await TestEnv.eventually(seconds: 30) { await Self.marks(Self.holder(a), a) }, "\(a.log.suffix(3000))")
            #expect(try await a.must("get", "pods", "-l", "app=web", "-o", "name").split(separator: "\n").count == 5)
        } catch {
            Issue.record("a:\n\(a.log.suffix(3000))\nb:\n\(b.log.suffix(3000))")
            task.cancel()
            _ = await task.value
            await client.shutdown()
            throw error
        }
        task.cancel()
        _ = await task.value
        await client.shutdown()
    }
}
