import Foundation
import KubeAPI
import Logging
import ControllerRuntime
import Synchronization
import Testing
@testable import Scheduler

/// VolumeBinding's PreBind in the scheduling loop against the in-memory API:
/// what is written to claims and volumes, that the pod is bound only once its
/// claims are, and what a binding that times out takes back and reports.
@Suite struct VolumeBindingLoopTests {
    typealias F = StorageFixtures

    /// Runs the scheduler until `step` returns true (it may change the cluster meanwhile); false on the deadline.
    func run(_ cluster: FakeCluster, bindTimeout: Duration = .seconds(60), until step: @escaping @Sendable () -> Bool) async -> Bool {
        var config = SchedulerConfiguration()
        config.volumeBindTimeout = bindTimeout
        return await runScheduler(cluster, configuration: config, until: step)
    }

    /// What the PV controller and the provisioner would do: a volume on `node` bound to the claim, the claim bound to it.
    static func bindByHand(_ cluster: FakeCluster, claim name: String, node: String) {
        guard var claim = cluster.object(PersistentVolumeClaim.self, "default/\(name)") else { return }
        var pv = F.pv("pvc-\(name)", phase: "Bound", hosts: [node], claimRef: claim)
        pv.metadata.resourceVersion = nil
        cluster.put(pv)
        claim.spec?.volumeName = "pvc-\(name)"
        claim.status = PersistentVolumeClaimStatus(phase: "Bound")
        claim.metadata.annotations?["pv.kubernetes.io/bind-completed"] = "yes"
        cluster.put(claim)
    }

    @Test func aProvisionedClaimGetsTheSelectedNodeAndThePodWaitsUntilItIsBound() async {
        let cluster = FakeCluster()
        cluster.add(Fixtures.node("a"))
        cluster.put(F.storageClass("local"))
        cluster.put(F.pvc("data"))
        cluster.add(F.pod("p", claims: ["data"]))
        let waited = Mutex(false)
        let settled = await run(cluster) {
            let claim = cluster.object(PersistentVolumeClaim.self, "default/data")
            guard claim?.metadata.annotations?[StorageNames.selectedNode] == "a" else { return false }
            if !waited.withLock({ $0 }) {
                // The pod stays unbound while its claim is not.
                guard cluster.bindings.isEmpty else { return true }
                waited.withLock { $0 = true }
                Self.bindByHand(cluster, claim: "data", node: "a")
                return false
            }
            return cluster.bindings["default/p"] == "a"
        }
        #expect(settled)
        #expect(waited.withLock { $0 }, "the pod was bound before its claim")
        #expect(cluster.bindings["default/p"] == "a")
        #expect(cluster.writes.first == "patch PersistentVolumeClaim default/data")
    }

    @Test func aStaticVolumeGetsTheClaimRefAndThePodWaitsUntilTheClaimIsBound() async throws {
        let cluster = FakeCluster()
        cluster.add(Fixtures.node("a"))
        cluster.add(Fixtures.node("b"))
        cluster.put(F.storageClass("manual", provisioner: "kubernetes.io/no-provisioner"))
        var pv = F.pv("pv-b", storageClass: "manual", hosts: ["b"])
        pv.metadata.resourceVersion = nil
        cluster.put(pv)
        cluster.put(F.pvc("data", storageClass: "manual"))
        cluster.add(F.pod("p", claims: ["data"]))
        let bound = Mutex(false)
        let settled = await run(cluster) {
            let pv = cluster.object(PersistentVolume.self, "pv-b")
            guard pv?.spec?.claimRef?.name == "data" else { return false }
            if !bound.withLock({ $0 }) {
                guard cluster.bindings.isEmpty, var claim = cluster.object(PersistentVolumeClaim.self, "default/data") else { return true }
                bound.withLock { $0 = true }
                claim.spec?.volumeName = "pv-b"
                claim.status = PersistentVolumeClaimStatus(phase: "Bound")
                cluster.put(claim)
                return false
            }
            return cluster.bindings["default/p"] == "b"
        }
        #expect(settled)
        #expect(bound.withLock { $0 }, "the pod was bound before its claim")
        let written = try #require(cluster.object(PersistentVolume.self, "pv-b"))
        #expect(written.spec?.claimRef?.namespace == "default")
        #expect(written.spec?.claimRef?.uid == "uid-claim-data")
        #expect(written.spec?.claimRef?.kind == "PersistentVolumeClaim")
        #expect(written.spec?.claimRef?.apiVersion == "v1")
        #expect(written.spec?.claimRef?.resourceVersion != nil)
        #expect(written.metadata.annotations?["pv.kubernetes.io/bound-by-controller"] == "yes")
        #expect(cluster.writes.first == "update PersistentVolume pv-b")
        #expect(cluster.object(PersistentVolumeClaim.self, "default/data")?.metadata.annotations?[StorageNames.selectedNode] == nil)
    }

    @Test func aBindingThatTimesOutTakesBackTheSelectedNodeAndReportsIt() async {
        let cluster = FakeCluster()
        cluster.add(Fixtures.node("a"))
        cluster.put(F.storageClass("local"))
        cluster.put(F.pvc("data"))
        cluster.add(F.pod("p", claims: ["data"]))
        let settled = await run(cluster, bindTimeout: .milliseconds(300)) {
            let reported = cluster.recordedEvents.contains {
                $0.reason == "FailedScheduling"
                    && ($0.message ?? "").hasPrefix("running PreBind plugin \"VolumeBinding\": binding volumes: timed out waiting for persistentvolumeclaim \"data\"")
            }
            // Set, taken back, and set again by the retry.
            return reported && cluster.writes.filter { $0 == "patch PersistentVolumeClaim default/data" }.count >= 3
        }
        #expect(settled, "writes: \(cluster.writes), events: \(cluster.recordedEvents.map { $0.message ?? "" })")
        #expect(cluster.bindings.isEmpty)
    }

    @Test func aFailedProvisioningSendsThePodBackToTheQueue() async {
        let cluster = FakeCluster()
        cluster.add(Fixtures.node("a"))
        cluster.put(F.storageClass("local"))
        cluster.put(F.pvc("data"))
        cluster.add(F.pod("p", claims: ["data"]))
        let dropped = Mutex(false)
        let settled = await run(cluster) {
            if !dropped.withLock({ $0 }) {
                // The provisioner gives up: it takes the selected node away.
                guard var claim = cluster.object(PersistentVolumeClaim.self, "default/data"),
                      claim.metadata.annotations?[StorageNames.selectedNode] != nil else { return false }
                dropped.withLock { $0 = true }
                claim.metadata.annotations = [:]
                cluster.put(claim)
                return false
            }
            return cluster.recordedEvents.contains { ($0.message ?? "").contains("binding volumes: provisioning failed for PVC \"data\"") }
        }
        #expect(settled, "events: \(cluster.recordedEvents.map { $0.message ?? "" })")
        #expect(cluster.bindings.isEmpty)
    }

    @Test func aStaticBindingThatTimesOutTakesBackTheClaimRef() async {
        let cluster = FakeCluster()
        cluster.add(Fixtures.node("a"))
        cluster.put(F.storageClass("manual", provisioner: "kubernetes.io/no-provisioner"))
        cluster.put(F.pv("pv1", storageClass: "manual"))
        cluster.put(F.pvc("data", storageClass: "manual"))
        cluster.add(F.pod("p", claims: ["data"]))
        let settled = await run(cluster, bindTimeout: .milliseconds(300)) {
            let w = cluster.writes.filter { $0 == "update PersistentVolume pv1" }.count
            let reported = cluster.recordedEvents.contains { ($0.message ?? "").contains("binding volumes: timed out") }
            // Bound, taken back, bound again by the retry.
            return reported && w >= 3
        }
        #expect(settled, "writes: \(cluster.writes)")
        // Between the attempts the claimRef was gone: the second write of the three took it back.
        #expect(cluster.bindings.isEmpty)
    }
}
