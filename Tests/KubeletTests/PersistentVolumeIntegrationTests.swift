import Testing
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LinuxSystem
import Runtime
import TestSupport

/// Claims in a real cluster (controlplane + kubelet in a test network
/// namespace): a claim bound by hand to a hostPath volume keeps its data
/// from one pod to the next and is read-only where the claim says so; a
/// missing claim is a FailedMount naming it; a deleted local-path volume's
/// directory is removed by the kubelet of its node, and then the volume goes.
@Suite(.ownThread, .requires(TestCluster.requirements))
struct PersistentVolumeIntegrationTests {
    @Test func aClaimKeepsItsDataAcrossPodsAndLocalPathVolumesAreCleanedUp() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        let data = cluster.dir + "/pv-data"
        try cluster.apply("""
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: pv-data}
            spec:
              capacity: {storage: 1Gi}
              accessModes: [ReadWriteOnce]
              persistentVolumeReclaimPolicy: Retain
              storageClassName: ""
              claimRef: {namespace: default, name: data}
              hostPath: {path: \(data), type: DirectoryOrCreate}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: data}
            spec:
              accessModes: [ReadWriteOnce]
              storageClassName: ""
              volumeName: pv-data
              resources: {requests: {storage: 1Gi}}
            """)
        var r = cluster.kubectl(["patch", "pvc", "data", "--subresource=status", "--type=merge", "-p", #"{"status":{"phase":"Bound"}}"#])
        #expect(r.code == 0, "\(r)")

        func pod(_ name: String, _ script: String, readOnly: Bool = false, claim: String = "data") -> String {
            """
            apiVersion: v1
            kind: Pod
            metadata: {name: \(name)}
            spec:
              nodeName: \(cluster.nodeName)
              restartPolicy: Never
              terminationGracePeriodSeconds: 1
              containers:
              - name: c
                image: busybox:1.35
                command: ["sh", "-c", "\(script)"]
                volumeMounts: [{name: data, mountPath: /data}]
              volumes:
              - name: data
                persistentVolumeClaim: {claimName: \(claim), readOnly: \(readOnly)}
            """
        }
        try cluster.apply(pod("writer", "echo kept > /data/file"))
        #expect(cluster.waitFor("writer", "{.status.phase}", equals: "Succeeded"), "\(cluster.kubeletLog)")
        #expect((try? FileIO.read(data + "/file")) == "kept\n")
        #expect(cluster.kubectl(["delete", "pod", "writer"]).code == 0)

        try cluster.apply(pod("reader", "cat /data/file; touch /data/other 2>/dev/null && echo WRITABLE || echo READONLY", readOnly: true))
        #expect(cluster.waitFor("reader", "{.status.phase}", equals: "Succeeded"), "\(cluster.kubeletLog)")
        r = cluster.kubectl(["logs", "reader"])
        #expect(r.stdout == "kept\nREADONLY\n", "\(r)")
        #expect(!FileIO.exists(data + "/other"))
        #expect(cluster.kubectl(["delete", "pod", "reader"]).code == 0)

        // While a pod uses it, the claim's volume is in /stats/summary (with its pvcRef) and in the metrics.
        try cluster.apply(pod("holder", "sleep 3600"))
        #expect(cluster.waitFor("holder", "{.status.phase}", equals: "Running"), "\(cluster.kubeletLog)")
        #expect(eventually(seconds: 30) {
            let raw = cluster.kubectl(["get", "--raw", "/api/v1/nodes/\(cluster.nodeName)/proxy/stats/summary"]).stdout
            let summary = (try? JSONSerialization.jsonObject(with: Data(raw.utf8))) as? [String: Any]
            let pods = summary?["pods"] as? [[String: Any]] ?? []
            let volumes = pods.filter { ($0["podRef"] as? [String: Any])?["name"] as? String == "holder" }.flatMap { $0["volume"] as? [[String: Any]] ?? [] }
            return volumes.contains { v in
                (v["pvcRef"] as? [String: String]) == ["name": "data", "namespace": "default"] && (v["capacityBytes"] as? Int ?? 0) > 0
                    && v["usedBytes"] != nil
            }
        })
        let metrics = cluster.kubectl(["get", "--raw", "/api/v1/nodes/\(cluster.nodeName)/proxy/metrics"]).stdout
        #expect(metrics.contains(#"kubelet_volume_stats_capacity_bytes{namespace="default",persistentvolumeclaim="data"}"#), "\(metrics.suffix(2000))")
        #expect(metrics.contains(#"kubelet_volume_stats_inodes_used{namespace="default",persistentvolumeclaim="data"}"#))
        #expect(cluster.kubectl(["delete", "pod", "holder"]).code == 0)

        // A claim that does not exist: FailedMount naming it; the pod waits.
        try cluster.apply(pod("orphan", "true", claim: "missing"))
        #expect(eventually(seconds: 60) {
            cluster.kubectl(["get", "events", "--field-selector", "reason=FailedMount,involvedObject.name=orphan", "-o", "jsonpath={.items[*].message}"]).stdout
                .contains(#"MountVolume.SetUp failed for volume "data" : persistentvolumeclaim "missing" not found"#)
        }, "\(cluster.kubeletLog)")
        #expect(cluster.jsonpath("orphan", "{.status.containerStatuses[0].state.waiting.reason}") == "ContainerCreating")
        #expect(cluster.kubectl(["delete", "pod", "orphan"]).code == 0)

        // local-path's node half: the directory goes, then the finalizer, then the volume.
        let volumeDir = cluster.dir + "/storage/pvc-0123_default_x"
        try FileIO.makeDirectories(volumeDir + "/sub")
        try FileIO.writeAtomically(volumeDir + "/sub/file", Array("data".utf8))
        try cluster.apply("""
            apiVersion: v1
            kind: PersistentVolume
            metadata:
              name: pvc-0123
              annotations: {pv.kubernetes.io/provisioned-by: rancher.io/local-path}
              finalizers: [external-provisioner.volume.kubernetes.io/finalizer]
            spec:
              capacity: {storage: 1Gi}
              accessModes: [ReadWriteOnce]
              persistentVolumeReclaimPolicy: Delete
              storageClassName: local-path
              hostPath: {path: \(volumeDir), type: DirectoryOrCreate}
              nodeAffinity:
                required:
                  nodeSelectorTerms:
                  - matchExpressions: [{key: kubernetes.io/hostname, operator: In, values: [\(cluster.nodeName)]}]
            """)
        #expect(FileIO.exists(volumeDir + "/sub/file"), "not removed before the volume is deleted")
        #expect(cluster.kubectl(["delete", "pv", "pvc-0123", "--wait=false"]).code == 0)
        #expect(eventually(seconds: 30) { !FileIO.exists(volumeDir) }, "\(cluster.kubeletLog)")
        #expect(eventually(seconds: 30) { cluster.kubectl(["get", "pv", "pvc-0123"]).stderr.contains("NotFound") })
        #expect(FileIO.exists(cluster.dir + "/storage"), "only the volume's own directory goes")
        #expect(FileIO.exists(data + "/file"), "the Retain volume's data stays")
    }

    /// A `volumeMode: Block` claim on a loop device: the container gets the
    /// device node at its volumeDevices path and writes the device.
    @Test(.requires(.tool("losetup", package: "mount"), .path("/dev/loop-control", "loop devices (/dev/loop-control)")))
    func aBlockClaimIsADeviceInTheContainer() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        let backing = cluster.dir + "/disk.img"
        try FileIO.writeAtomically(backing, [UInt8](repeating: 0, count: 4 << 20))
        let loop = try TestProcess.run(["/bin/sh", "-c", "losetup -f --show \(backing)"], timeout: 30).stdout
            .trimmingCharacters(in: .whitespacesAndNewlines)
        try #require(loop.hasPrefix("/dev/loop"), "losetup: \(loop)")
        defer { _ = try? TestProcess.run(["/bin/sh", "-c", "losetup -d \(loop)"], timeout: 30) }
        try cluster.apply("""
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: pv-block}
            spec:
              capacity: {storage: 4Mi}
              accessModes: [ReadWriteOnce]
              volumeMode: Block
              storageClassName: ""
              claimRef: {namespace: default, name: block}
              hostPath: {path: \(loop), type: BlockDevice}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: block}
            spec: {accessModes: [ReadWriteOnce], volumeMode: Block, storageClassName: "", volumeName: pv-block, resources: {requests: {storage: 4Mi}}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: block-writer}
            spec:
              nodeName: \(cluster.nodeName)
              restartPolicy: Never
              containers:
              - name: c
                image: busybox:1.35
                command: ["sh", "-c", "ls -l /dev/xvda && echo blockdata | dd of=/dev/xvda bs=512 count=1 conv=sync,fsync"]
                volumeDevices: [{name: disk, devicePath: /dev/xvda}]
              volumes:
              - name: disk
                persistentVolumeClaim: {claimName: block}
            """)
        #expect(cluster.kubectl(["patch", "pvc", "block", "--subresource=status", "--type=merge", "-p", #"{"status":{"phase":"Bound"}}"#]).code == 0)
        #expect(cluster.waitFor("block-writer", "{.status.phase}", equals: "Succeeded"), "\(cluster.kubectl(["logs", "block-writer"])) \(cluster.kubeletLog)")
        #expect(cluster.kubectl(["logs", "block-writer"]).stdout.hasPrefix("b"), "a block device node in the container")
        let head = try TestProcess.run(["/bin/sh", "-c", "head -c 9 \(backing)"], timeout: 30).stdout
        #expect(head == "blockdata")
        #expect(cluster.kubectl(["delete", "pod", "block-writer"]).code == 0)
    }
}
