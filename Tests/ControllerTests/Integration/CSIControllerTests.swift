import CSI
import Foundation
import KubeAPI
import Testing
import TestSupport

/// The built-in external-provisioner and external-attacher roles against a
/// real control plane (`--csi-controller`) and a CSI driver in Swift over a
/// real socket: claims provisioned, attachments published, both undone.
@Suite(.requires(.product("controlplane"), .tool("kubectl")), .serialized)
struct CSIControllerTests {
    static let driverName = "csi.test.swiftkube.dev"

    static let storageClass = """
        apiVersion: storage.k8s.io/v1
        kind: StorageClass
        metadata: {name: csi-test}
        provisioner: csi.test.swiftkube.dev
        reclaimPolicy: Delete
        volumeBindingMode: Immediate
        parameters: {type: fast, csi.storage.k8s.io/fstype: xfs}
        """

    /// Runs `body` with the driver serving and the control plane driving it.
    func withDriver(_ body: (TestControlPlane, TestCSIDriver) async throws -> Void) async throws {
        let scratch = ScratchDirectory("csi-controller")
        var options = TestCSIDriver.Options()
        options.attach = true
        let driver = TestCSIDriver(options)
        try await driver.start(driverSocket: scratch.path + "/csi.sock")
        do {
            try await withCluster(args: ["--csi-controller", "\(Self.driverName)=unix://\(scratch.path)/csi.sock"],
                                  nodes: [.init("node-a")]) { cp, _ in
                try await body(cp, driver)
            }
        } catch {
            await driver.stop()
            throw error
        }
        await driver.stop()
    }

    @Test func claimsAreProvisionedAttachedDetachedAndDeletedThroughTheDriver() async throws {
        try await withDriver { cp, driver in
            try await cp.must("apply", "-f", "-", stdin: Self.storageClass)
            try await cp.must("apply", "-f", "-", stdin: PersistentVolumeTests.claim("data", size: "1Gi", className: "csi-test"))
            #expect(try await PersistentVolumeTests.waitFor(cp, ["get", "pvc", "data", "-o", "jsonpath={.status.phase}"], "Bound") == "Bound")
            let uid = try await cp.must("get", "pvc", "data", "-o", "jsonpath={.metadata.uid}")
            let pv = "pvc-" + uid
            #expect(try await cp.must("get", "pvc", "data", "-o", "jsonpath={.spec.volumeName}") == pv)
            #expect(try await cp.must("get", "pv", pv, "-o", "jsonpath={.spec.csi.driver} {.spec.csi.volumeHandle} {.spec.csi.fsType} {.spec.capacity.storage}")
                    == "\(Self.driverName) vol-\(pv) xfs 1Gi")
            #expect(try await cp.must("get", "pv", pv, "-o", "jsonpath={.spec.nodeAffinity.required.nodeSelectorTerms[0].matchExpressions[0].key}")
                    == "topology.test.csi/node")
            let created = try #require(driver.calls.withLock { $0.created.first })
            #expect(created.name == pv)
            #expect(created.parameters == ["type": "fast"])
            #expect(created.capacityRange?.requiredBytes == 1 << 30)
            #expect(created.volumeCapabilities.first?.accessMode == .singleNodeWriter)
            #expect(try await PersistentVolumeTests.events(cp, "data").contains("ProvisioningSucceeded: Successfully provisioned volume \(pv)"))

            // The attacher: the node's ID comes from its CSINode.
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: storage.k8s.io/v1
                kind: CSINode
                metadata: {name: node-a}
                spec: {drivers: [{name: \(Self.driverName), nodeID: node-1, topologyKeys: [topology.test.csi/node]}]}
                """)
            try await cp.must("apply", "-f", "-", stdin: """
                apiVersion: storage.k8s.io/v1
                kind: VolumeAttachment
                metadata: {name: attach-data}
                spec: {attacher: \(Self.driverName), nodeName: node-a, source: {persistentVolumeName: \(pv)}}
                """)
            #expect(try await PersistentVolumeTests.waitFor(cp, ["get", "volumeattachment", "attach-data", "-o", "jsonpath={.status.attached}"], "true") == "true")
            #expect(try await cp.must("get", "volumeattachment", "attach-data", "-o", "jsonpath={.status.attachmentMetadata.device} {.metadata.finalizers[0]}")
                    == "/dev/test-vol-\(pv) external-attacher/\(Self.driverName)")
            #expect(driver.calls.withLock { $0.controllerPublished.map(\.nodeID) } == ["node-1"])
            try await cp.must("delete", "volumeattachment", "attach-data", "--wait=true", "--timeout=60s")
            #expect(driver.calls.withLock { $0.controllerUnpublished.map(\.volumeID) } == ["vol-\(pv)"])

            // Reclaim policy Delete: the driver's volume goes with the claim.
            try await cp.must("delete", "pvc", "data", "--wait=true", "--timeout=60s")
            _ = await TestEnv.eventually(seconds: 60) { (try? await cp.kubectl(["get", "pv", pv]))?.status == 1 }
            #expect(try await cp.kubectl(["get", "pv", pv]).status == 1)
            #expect(driver.calls.withLock { $0.deleted } == ["vol-\(pv)"])
        }
    }

    @Test func aDriverErrorIsAnEventAndTheClaimIsProvisionedOnRetry() async throws {
        try await withDriver { cp, driver in
            driver.failNext("CreateVolume", code: .resourceExhausted, message: "no space left in pool fast")
            try await cp.must("apply", "-f", "-", stdin: Self.storageClass)
            try await cp.must("apply", "-f", "-", stdin: PersistentVolumeTests.claim("data", size: "1Gi", className: "csi-test"))
            _ = try await TestEnv.eventually(seconds: 30) { try await PersistentVolumeTests.events(cp, "data").contains("ProvisioningFailed") }
            #expect(try await PersistentVolumeTests.events(cp, "data").contains(
                "ProvisioningFailed: failed to provision volume with StorageClass \"csi-test\": rpc error: code = ResourceExhausted desc = no space left in pool fast"))
            #expect(try await PersistentVolumeTests.waitFor(cp, ["get", "pvc", "data", "-o", "jsonpath={.status.phase}"], "Bound") == "Bound")
        }
    }

    @Test func aGrownClaimIsExpandedByTheDriverAndLeftToTheNode() async throws {
        try await withDriver { cp, driver in
            try await cp.must("apply", "-f", "-", stdin: Self.storageClass + "\nallowVolumeExpansion: true")
            try await cp.must("apply", "-f", "-", stdin: PersistentVolumeTests.claim("data", size: "1Gi", className: "csi-test"))
            #expect(try await PersistentVolumeTests.waitFor(cp, ["get", "pvc", "data", "-o", "jsonpath={.status.phase}"], "Bound") == "Bound")
            let pv = try await cp.must("get", "pvc", "data", "-o", "jsonpath={.spec.volumeName}")
            try await cp.must("patch", "pvc", "data", "-p", #"{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}"#)
            #expect(try await PersistentVolumeTests.waitFor(cp, ["get", "pv", pv, "-o", "jsonpath={.spec.capacity.storage}"], "2Gi") == "2Gi")
            #expect(try await PersistentVolumeTests.waitFor(
                cp, ["get", "pvc", "data", "-o", "jsonpath={.status.conditions[0].type} {.status.allocatedResourceStatuses.storage} {.status.capacity.storage}"],
                "FileSystemResizePending NodeResizePending 1Gi") == "FileSystemResizePending NodeResizePending 1Gi")
            #expect(driver.calls.withLock { $0.controllerExpanded.map { $0.capacityRange?.requiredBytes } } == [2 << 30])
            _ = try await TestEnv.eventually(seconds: 30) { try await PersistentVolumeTests.events(cp, "data").contains("FileSystemResizeRequired") }
            #expect(try await PersistentVolumeTests.events(cp, "data").contains("Resizing: External resizer is resizing volume \(pv)"))
        }
    }
}
