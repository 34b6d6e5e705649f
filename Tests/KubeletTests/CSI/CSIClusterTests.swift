import CSI
import Foundation
import LinuxSystem
import TestSupport
import Testing

/// CSI end to end, with the real control plane (built-in provisioner and
/// attacher, `--csi-controller`) and the real kubelet (plugin registration,
/// staging and publishing), and a CSI driver in Swift that bind-mounts
/// directories as the hostpath driver does: a pod on a claim of the
/// driver's class reads what the volume holds, and deleting pod and claim
/// undoes everything through the driver.
@Suite(.ownThread, .serialized, .requires(TestCluster.requirements))
struct CSIClusterTests {
    static let driverName = "csi.test.swiftkube.dev"

    static let manifests = """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: csi-test}
        provisioner: csi.test.swiftkube.dev
        reclaimPolicy: Delete
        volumeBindingMode: WaitForFirstConsumer
        ---
        apiVersion: v1
        kind: PersistentVolumeClaim
        metadata: {name: data}
        spec: {storageClassName: csi-test, accessModes: [ReadWriteOnce], resources: {requests: {storage: 64Mi}}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: app}
        spec:
          terminationGracePeriodSeconds: 0
          containers:
          - {name: app, image: "busybox:1.35", command: ["sh", "-c", "echo written-by-the-pod > /data/f; sleep 3600"],
             volumeMounts: [{name: data, mountPath: /data}]}
          volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
        """

    @Test func aPodOnACSIClaimWritesToTheDriversVolumeAndEverythingIsUndone() async throws {
        let scratch = ScratchDirectory("csi-cluster")
        let socket = scratch.path + "/csi.sock"
        let cluster = try TestCluster(controlPlaneArguments: ["--csi-controller", "\(Self.driverName)=unix://\(socket)"])
        defer { cluster.tearDown() }
        var options = TestCSIDriver.Options()
        options.mounts = true
        options.attach = true
        options.nodeID = "node-1"
        options.root = scratch.path + "/driver"
        let driver = TestCSIDriver(options)
        let registry = cluster.dir + "/kubelet/plugins_registry"
        try FileIO.makeDirectories(registry, mode: 0o750)
        try await driver.start(driverSocket: socket, registrationSocket: registry + "/\(Self.driverName)-reg.sock")

        // Registered: the CSINode lists the driver, the Node carries its topology.
        #expect(eventually(seconds: 30) {
            cluster.kubectl(["get", "csinode", "node-1", "-o", "jsonpath={.spec.drivers[0].name} {.spec.drivers[0].nodeID}"]).stdout
                == "\(Self.driverName) node-1"
        }, "\(cluster.kubeletLog)")
        #expect(cluster.kubectl(["get", "node", "node-1", "-o", "jsonpath={.metadata.labels.topology\\.test\\.csi/node}"]).stdout == "node-1")

        try cluster.apply(Self.manifests)
        #expect(cluster.waitFor("app", "{.status.phase}", equals: "Running"),
                "\(cluster.kubectl(["describe", "pod", "app"]).stdout) \(cluster.kubeletLog)")
        let pv = cluster.kubectl(["get", "pvc", "data", "-o", "jsonpath={.spec.volumeName}"]).stdout
        #expect(pv.hasPrefix("pvc-"))
        // Attached by the control plane, then staged and published by the kubelet.
        let calls = driver.calls.withLock { $0 }
        #expect(calls.created.first?.accessibilityRequirements?.requisite.first?.segments == ["topology.test.csi/node": "node-1"])
        #expect(calls.controllerPublished.map(\.nodeID) == ["node-1"])
        #expect(calls.staged.first?.publishContext == ["device": "/dev/test-vol-\(pv)"])
        #expect(eventually(seconds: 30) {
            ((try? FileIO.read(driver.volumeDirectory("vol-\(pv)") + "/f")) ?? "") == "written-by-the-pod\n"
        })

        // The pod goes: unpublished, unstaged, detached; the claim goes: the volume is deleted.
        #expect(cluster.kubectl(["delete", "pod", "app", "--wait=true", "--timeout=120s"]).code == 0)
        #expect(eventually(seconds: 60) { driver.calls.withLock { $0.unstaged.count == 1 && $0.controllerUnpublished.count == 1 } },
                "\(driver.calls.withLock { $0 }) \(cluster.kubeletLog)")
        #expect(driver.calls.withLock { $0.unpublished.count } == 1)
        #expect(cluster.kubectl(["delete", "pvc", "data", "--wait=true", "--timeout=120s"]).code == 0)
        #expect(eventually(seconds: 60) { driver.calls.withLock { $0.deleted } == ["vol-\(pv)"] })
        #expect(eventually(seconds: 60) { cluster.kubectl(["get", "pv", pv]).code != 0 })
        // As the kubelet sees them (its mount namespace is the host's).
        let mounts = try FileIO.read("/proc/\(cluster.kubelet)/mountinfo").split(separator: "\n").filter {
            $0.contains(cluster.dir + "/kubelet/p") || $0.contains(scratch.path)
        }
        #expect(mounts.isEmpty, "\(mounts)")
        await driver.stop()
    }
}
