#if canImport(Glibc)
import Glibc
#endif
import Foundation
import KubeAPI
import LinuxSystem
import Synchronization
import Testing
import TestSupport
@testable import Kubelet

/// Claims and persistent volumes in the kubelet, without root and without an
/// API server: claim → PV resolution and its errors (upstream's words), the
/// PV sources it mounts (hostPath, local, nfs through a recording mounter),
/// the ones it refuses, and NFS teardown from the directory layout alone.
@Suite struct PersistentVolumeTests {
    /// Claims, PVs and nothing else.
    struct FakeSources: VolumeSources {
        var claims: [String: PersistentVolumeClaim] = [:]
        var volumes: [String: PersistentVolume] = [:]
        func configMap(namespace: String, name: String) async throws -> ConfigMap? { nil }
        func secret(namespace: String, name: String) async throws -> Secret? { nil }
        func serviceAccountToken(namespace: String, serviceAccount: String, audience: String?, expirationSeconds: Int64?, pod: Pod) async throws -> String { "" }
        func persistentVolumeClaim(namespace: String, name: String) async throws -> PersistentVolumeClaim? { claims[namespace + "/" + name] }
        func persistentVolume(name: String) async throws -> PersistentVolume? { volumes[name] }
    }

    /// Records NFS mounts and unmounts; what it mounted is a mount point.
    final class RecordingMounter: VolumeMounter, @unchecked Sendable {
        struct Call: Equatable { var source: String, target: String, options: [String] }
        let state = Mutex<(mounts: [Call], unmounts: [String], mounted: Set<String>)>(([], [], []))
        let failure: String?
        init(failure: String? = nil) { self.failure = failure }
        func mountNFS(source: String, target: String, options: [String], timeout: Double) async throws {
            state.withLock { $0.mounts.append(Call(source: source, target: target, options: options)) }
            if let failure { throw VolumeError(failure) }
            state.withLock { _ = $0.mounted.insert(target) }
        }
        func unmount(_ target: String) throws {
            state.withLock { s in
                s.unmounts.append(target)
                s.mounted.remove(target)
            }
        }
        func isMountPoint(_ path: String) -> Bool { state.withLock { $0.mounted.contains(path) } }
        var mounts: [Call] { state.withLock { $0.mounts } }
        var unmounts: [String] { state.withLock { $0.unmounts } }
    }

    static func decode<T: Decodable>(_ type: T.Type, _ json: JSONValue) throws -> T { try JSONValueDecoder.decode(T.self, from: json) }

    static func claim(_ name: String, namespace: String = "ns", volume: String? = "pv-1", phase: String = "Bound", uid: String = "claim-uid") throws -> PersistentVolumeClaim {
        var spec: [String: JSONValue] = ["accessModes": ["ReadWriteOnce"]]
        if let volume { spec["volumeName"] = .string(volume) }
        return try decode(PersistentVolumeClaim.self, ["apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                                      "metadata": ["name": .string(name), "namespace": .string(namespace), "uid": .string(uid)],
                                                      "spec": .object(spec), "status": ["phase": .string(phase)]])
    }

    static func volume(_ name: String = "pv-1", source: [String: JSONValue], extra: [String: JSONValue] = [:], claim: String = "data") throws -> PersistentVolume {
        var spec: [String: JSONValue] = ["capacity": ["storage": "1Gi"], "accessModes": ["ReadWriteOnce"],
                                         "claimRef": ["namespace": "ns", "name": .string(claim), "uid": "claim-uid"]]
        spec.merge(source) { _, n in n }
        spec.merge(extra) { _, n in n }
        return try decode(PersistentVolume.self, ["apiVersion": "v1", "kind": "PersistentVolume", "metadata": ["name": .string(name)], "spec": .object(spec)])
    }

    static func pod(_ volumes: [JSONValue], fsGroup: Int? = nil) throws -> Pod {
        var spec: [String: JSONValue] = ["containers": [["name": "app", "image": "busybox:1.35"]], "volumes": .array(volumes)]
        if let fsGroup { spec["securityContext"] = ["fsGroup": .int(Int64(fsGroup))] }
        return try decode(Pod.self, ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p", "namespace": "ns", "uid": "pod-uid"], "spec": .object(spec)])
    }

    /// A sandbox whose directory is a fresh temporary one.
    static func sandbox(_ dir: String) -> Sandbox {
        Sandbox(podUID: "pod-uid", name: "p", namespace: "ns", directory: dir, pinned: [:], hostNetwork: false, hostIPC: false, hostPID: false,
                ip: nil, cgroupParent: "", hostname: "p", created: "")
    }

    static func setUp(_ pod: Pod, _ sources: FakeSources, mounter: RecordingMounter = RecordingMounter(), dir: String) async throws -> PodVolumes {
        let manager = VolumeManager(sources: sources, mounter: mounter)
        return try await manager.setUp(pod, sandbox: sandbox(dir), fields: PodFields(pod: pod, podIP: nil, hostIP: nil, nodeName: "n1"))
    }

    /// The claim volumes a set-up records for volume stats.
    static func recorded(_ pod: Pod, _ sources: FakeSources, dir: String) async -> [ClaimVolumes.Entry] {
        let manager = VolumeManager(sources: sources, mounter: RecordingMounter())
        _ = try? await manager.setUp(pod, sandbox: sandbox(dir), fields: PodFields(pod: pod, podIP: nil, hostIP: nil, nodeName: "n1"))
        return manager.claims.entries(pod.metadata.uid ?? "")
    }

    @Test func volumeStatsMetricsPerClaim() {
        let metrics = KubeletMetrics()
        var v = StatsSummary.VolumeStats(name: "data", time: "t")
        v.pvcRef = .init(name: "data", namespace: "ns")
        v.capacityBytes = 1000
        v.availableBytes = 400
        v.usedBytes = 600
        v.inodes = 10
        v.inodesFree = 7
        v.inodesUsed = 3
        metrics.setVolumeStats([v, v, StatsSummary.VolumeStats(name: "scratch", time: "t")])
        var text = String(decoding: metrics.render(), as: UTF8.self)
        for line in [#"kubelet_volume_stats_capacity_bytes{namespace="ns",persistentvolumeclaim="data"} 1000"#,
                     #"kubelet_volume_stats_available_bytes{namespace="ns",persistentvolumeclaim="data"} 400"#,
                     #"kubelet_volume_stats_used_bytes{namespace="ns",persistentvolumeclaim="data"} 600"#,
                     #"kubelet_volume_stats_inodes{namespace="ns",persistentvolumeclaim="data"} 10"#,
                     #"kubelet_volume_stats_inodes_free{namespace="ns",persistentvolumeclaim="data"} 7"#,
                     #"kubelet_volume_stats_inodes_used{namespace="ns",persistentvolumeclaim="data"} 3"#] {
            #expect(text.contains(line), "\(text)")
        }
        metrics.setVolumeStats([])
        text = String(decoding: metrics.render(), as: UTF8.self)
        #expect(!text.contains("persistentvolumeclaim=\"data\""), "a claim no longer mounted loses its series")
    }

    static func failure(_ body: () async throws -> Void) async -> VolumeError? {
        do {
            try await body()
            return nil
        } catch {
            return error as? VolumeError
        }
    }

    @Test func claimErrorsNameTheCause() async throws {
        let manager = { (sources: FakeSources) in VolumeManager(sources: sources, mounter: RecordingMounter()) }
        var sources = FakeSources()
        var e = await Self.failure { _ = try await manager(sources).boundVolume(namespace: "ns", claim: "data") }
        #expect(e?.description == #"persistentvolumeclaim "data" not found"#)

        sources.claims["ns/data"] = try Self.claim("data", volume: nil, phase: "Pending")
        e = await Self.failure { _ = try await manager(sources).boundVolume(namespace: "ns", claim: "data") }
        #expect(e?.description == "PVC ns/data is not bound")

        var deleting = try Self.claim("data")
        deleting.metadata.deletionTimestamp = Timestamp()
        sources.claims["ns/data"] = deleting
        e = await Self.failure { _ = try await manager(sources).boundVolume(namespace: "ns", claim: "data") }
        #expect(e?.description == "PVC ns/data can't be used as it is being deleted")
        sources.volumes["pv-1"] = try Self.volume(source: ["hostPath": ["path": "/srv/x"]])
        let kept = try await manager(sources).boundVolume(namespace: "ns", claim: "data", allowDeleting: true)
        #expect(kept.metadata.name == "pv-1", "a running pod keeps a claim being deleted")
        sources.volumes["pv-1"] = nil

        sources.claims["ns/data"] = try Self.claim("data")
        e = await Self.failure { _ = try await manager(sources).boundVolume(namespace: "ns", claim: "data") }
        #expect(e?.description == #"PVC ns/data is bound to persistentvolume "pv-1", which was not found"#)

        sources.volumes["pv-1"] = try Self.volume(source: ["hostPath": ["path": "/srv/x"]], claim: "other")
        e = await Self.failure { _ = try await manager(sources).boundVolume(namespace: "ns", claim: "data") }
        #expect(e?.description.hasPrefix(#"persistentvolume "pv-1" of PVC ns/data is bound to another claim"#) == true)

        sources.volumes["pv-1"] = try Self.volume(source: ["hostPath": ["path": "/srv/x"]])
        let pv = try await manager(sources).boundVolume(namespace: "ns", claim: "data")
        #expect(pv.metadata.name == "pv-1")
    }

    @Test func failedMountEventNamesTheVolume() async throws {
        let dir = TestPaths.temporaryDirectory("pv-event")
        defer { try? FileIO.removeTree(dir) }
        let pod = try Self.pod([["name": "data", "persistentVolumeClaim": ["claimName": "data"]]])
        let e = await Self.failure { _ = try await Self.setUp(pod, FakeSources(), dir: dir) }
        #expect(e?.mountFailure == #"MountVolume.SetUp failed for volume "data" : persistentvolumeclaim "data" not found"#)
    }

    @Test func sourcesThisKubeletDoesNotMountAreNamed() throws {
        let csi = try Self.volume(source: ["csi": ["driver": "hostpath.csi.k8s.io", "volumeHandle": "h"]])
        #expect(VolumeManager.unsupported(csi) == nil)
        let iscsi = try Self.volume(source: ["iscsi": ["targetPortal": "10.0.0.1:3260", "iqn": "iqn.x", "lun": 0]])
        #expect(VolumeManager.unsupported(iscsi)?.description
            == #"persistentvolume "pv-1": no volume plugin matched volume type "iscsi" (this kubelet mounts hostPath, local, nfs, csi persistent volumes)"#)
        let block = try Self.volume(source: ["nfs": ["server": "s", "path": "/e"]], extra: ["volumeMode": "Block"])
        #expect(VolumeManager.unsupported(block)?.description
            == #"persistentvolume "pv-1" has volumeMode Block: this kubelet passes block devices of hostPath and local volumes only, not of "nfs""#)
        #expect(VolumeManager.unsupported(try Self.volume(source: ["local": ["path": "/dev/sdb"]], extra: ["volumeMode": "Block"])) == nil)
        #expect(VolumeManager.unsupported(try Self.volume(source: ["nfs": ["server": "s", "path": "/e"]])) == nil)
        // Pod volumes of these types pass the kubelet's own check now.
        var claimVolume = Volume(name: "data")
        claimVolume.persistentVolumeClaim = PersistentVolumeClaimVolumeSource()
        #expect(VolumeManager.unsupported(claimVolume) == nil)
    }

    @Test func hostPathAndLocalVolumesAndReadOnly() async throws {
        let dir = TestPaths.temporaryDirectory("pv-hostpath")
        defer { try? FileIO.removeTree(dir) }
        var sources = FakeSources()
        sources.claims["ns/data"] = try Self.claim("data")
        sources.claims["ns/local"] = try Self.claim("local", volume: "pv-local", uid: "local-uid")
        var localPath = try Self.volume(source: ["hostPath": ["path": .string(dir + "/storage/pvc-1_ns_data"), "type": "DirectoryOrCreate"]])
        localPath.metadata.annotations = [StorageNames.provisionedBy: StorageNames.localPathProvisioner]
        sources.volumes["pv-1"] = localPath
        var local = try Self.volume("pv-local", source: ["local": ["path": .string(dir + "/disk")]], claim: "local")
        local.spec?.claimRef?.uid = "local-uid"
        sources.volumes["pv-local"] = local
        let pod = try Self.pod([["name": "data", "persistentVolumeClaim": ["claimName": "data"]],
                                ["name": "disk", "persistentVolumeClaim": ["claimName": "local", "readOnly": true]]])
        // The local volume's path must exist.
        let e = await Self.failure { _ = try await Self.setUp(pod, sources, dir: dir + "/pod") }
        #expect(e?.volume == "disk")
        #expect(e?.description == "local volume \"pv-local\": path \"\(dir)/disk\" does not exist on this node")
        try FileIO.makeDirectories(dir + "/disk")
        let volumes = try await Self.setUp(pod, sources, dir: dir + "/pod")
        #expect(volumes.paths == ["data": dir + "/storage/pvc-1_ns_data", "disk": dir + "/disk"])
        #expect(volumes.readOnly == ["disk"])
        #expect(await Self.recorded(pod, sources, dir: dir + "/pod") == [
            ClaimVolumes.Entry(volume: "data", namespace: "ns", claim: "data", path: dir + "/storage/pvc-1_ns_data"),
            ClaimVolumes.Entry(volume: "disk", namespace: "ns", claim: "local", path: dir + "/disk"),
        ])
        var st = stat()
        #expect(stat(dir + "/storage/pvc-1_ns_data", &st) == 0 && st.st_mode & 0o777 == 0o777, "local-path directories are world-writable")
    }

    /// A Block PV is its device, handed to containers through volumeDevices.
    @Test func blockVolumesAreTheirDevice() async throws {
        let dir = TestPaths.temporaryDirectory("pv-block")
        defer { try? FileIO.removeTree(dir) }
        try FileIO.writeAtomically(dir + "/file", [0])
        var sources = FakeSources()
        sources.claims["ns/data"] = try Self.claim("data")
        sources.volumes["pv-1"] = try Self.volume(source: ["hostPath": ["path": .string(dir + "/file")]], extra: ["volumeMode": "Block"])
        let pod = try Self.pod([["name": "disk", "persistentVolumeClaim": ["claimName": "data"]]])
        let e = await Self.failure { _ = try await Self.setUp(pod, sources, dir: dir + "/pod") }
        #expect(e?.description == "block volume \"pv-1\": \(dir)/file is not a block device on this node")
        var st = stat()
        guard stat("/dev/loop0", &st) == 0, st.st_mode & S_IFMT == S_IFBLK else { return }  // no block device to point at
        sources.volumes["pv-1"] = try Self.volume(source: ["local": ["path": "/dev/loop0"]], extra: ["volumeMode": "Block"])
        let volumes = try await Self.setUp(pod, sources, dir: dir + "/pod")
        #expect(volumes.paths == ["disk": "/dev/loop0"] && volumes.devices == ["disk"])
        let device = ResolvedDevice(containerPath: "/dev/xvda", rdev: UInt64(st.st_rdev))
        #expect(device.major == 7 && device.minor == 0, "loop0 is 7:0")
    }

    @Test func localVolumeGetsTheFSGroup() async throws {
        let dir = TestPaths.temporaryDirectory("pv-fsgroup")
        defer { try? FileIO.removeTree(dir) }
        try FileIO.makeDirectories(dir + "/disk/sub")
        try FileIO.writeAtomically(dir + "/disk/sub/file", Array("x".utf8), mode: 0o600)
        chmod(dir + "/disk/sub/file", 0o600)
        var sources = FakeSources()
        sources.claims["ns/data"] = try Self.claim("data")
        sources.volumes["pv-1"] = try Self.volume(source: ["local": ["path": .string(dir + "/disk")]])
        let group = getegid()
        let pod = try Self.pod([["name": "data", "persistentVolumeClaim": ["claimName": "data"]]], fsGroup: Int(group))
        _ = try await Self.setUp(pod, sources, dir: dir + "/pod")
        var st = stat()
        #expect(stat(dir + "/disk/sub", &st) == 0 && st.st_gid == group && st.st_mode & S_ISGID != 0 && st.st_mode & 0o070 == 0o070)
        #expect(stat(dir + "/disk/sub/file", &st) == 0 && st.st_mode & 0o777 == 0o660)
        #expect(!VolumeOwnership.needsChange({ var s = stat(); stat(dir + "/disk", &s); return s }(), group: group), "OnRootMismatch skips a root already right")
    }

    @Test func nfsInlineAndPersistentVolumesAndTeardown() async throws {
        let dir = TestPaths.temporaryDirectory("pv-nfs")
        defer { try? FileIO.removeTree(dir) }
        var sources = FakeSources()
        sources.claims["ns/shared"] = try Self.claim("shared")
        sources.volumes["pv-1"] = try Self.volume(source: ["nfs": ["server": "fd00::5", "path": "/exports/shared"]],
                                                  extra: ["mountOptions": ["nfsvers=4.1", "soft", "timeo=50"]], claim: "shared")
        let pod = try Self.pod([["name": "inline", "nfs": ["server": "nfs.example", "path": "/exports/a"]],
                                ["name": "shared", "persistentVolumeClaim": ["claimName": "shared", "readOnly": true]]])
        let mounter = RecordingMounter()
        let volumes = try await Self.setUp(pod, sources, mounter: mounter, dir: dir)
        let base = dir + "/volumes/kubernetes.io~nfs"
        #expect(mounter.mounts == [.init(source: "nfs.example:/exports/a", target: base + "/inline", options: []),
                                   .init(source: "[fd00::5]:/exports/shared", target: base + "/shared", options: ["nfsvers=4.1", "soft", "timeo=50", "ro"])])
        #expect(volumes.paths == ["inline": base + "/inline", "shared": base + "/shared"])
        #expect(volumes.readOnly == ["shared"])
        // A refresh keeps them, without asking again or mounting twice.
        let manager = VolumeManager(sources: FakeSources(), mounter: mounter)
        let again = try await manager.setUp(pod, sandbox: Self.sandbox(dir), fields: PodFields(pod: pod, podIP: nil, hostIP: nil, nodeName: "n1"),
                                            previous: volumes)
        #expect(again == volumes && mounter.mounts.count == 2)
        // Teardown from the layout alone: both unmounted, then the tree removed.
        try VolumeManager.tearDown(Self.sandbox(dir), mounter: mounter)
        #expect(Set(mounter.unmounts) == [base + "/inline", base + "/shared"])
        #expect(!FileIO.exists(dir + "/volumes"))
    }

    @Test func aFailedNFSMountLeavesNothing() async throws {
        let dir = TestPaths.temporaryDirectory("pv-nfs-fail")
        defer { try? FileIO.removeTree(dir) }
        let pod = try Self.pod([["name": "inline", "nfs": ["server": "192.0.2.1", "path": "/x"]]])
        let mounter = RecordingMounter(failure: "mount of 192.0.2.1:/x did not finish within 30 s")
        let e = await Self.failure { _ = try await Self.setUp(pod, FakeSources(), mounter: mounter, dir: dir) }
        #expect(e?.mountFailure == #"MountVolume.SetUp failed for volume "inline" : mount of 192.0.2.1:/x did not finish within 30 s"#)
        #expect(!FileIO.exists(dir + "/volumes/kubernetes.io~nfs/inline"))
        let bad = try Self.pod([["name": "rel", "nfs": ["server": "s", "path": "x"]]])
        let e2 = await Self.failure { _ = try await Self.setUp(bad, FakeSources(), mounter: mounter, dir: dir) }
        #expect(e2?.description == #"nfs: the exported path "x" is not absolute"#)
    }

    @Test func teardownRefusesToRemoveThroughAMountThatStays() throws {
        final class StuckMounter: VolumeMounter, @unchecked Sendable {
            func mountNFS(source: String, target: String, options: [String], timeout: Double) async throws {}
            func unmount(_ target: String) throws {}
            func isMountPoint(_ path: String) -> Bool { path.hasSuffix("kubernetes.io~nfs/data") }
        }
        let dir = TestPaths.temporaryDirectory("pv-nfs-stuck")
        defer { try? FileIO.removeTree(dir) }
        try FileIO.makeDirectories(dir + "/volumes/kubernetes.io~nfs/data")
        try FileIO.writeAtomically(dir + "/volumes/kubernetes.io~nfs/data/precious", Array("server data".utf8))
        #expect(throws: VolumeError.self) { try VolumeManager.tearDown(Self.sandbox(dir), mounter: StuckMounter()) }
        #expect(FileIO.exists(dir + "/volumes/kubernetes.io~nfs/data/precious"))
    }

    @Test func mountNFSNamesAMissingKernelClient() {
        let message = SystemVolumeMounter.failure(source: "s:/e", status: ExitStatus(code: 32), output: "mount.nfs: No such device")
        #expect(message.hasPrefix("mount.nfs s:/e failed (exit status 32): mount.nfs: No such device"))
        if !SystemVolumeMounter.kernelHasNFSClient() { #expect(message.contains("this kernel has no NFS client")) }
    }
}
