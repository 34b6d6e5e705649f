import Testing
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LinuxSystem
import Runtime
import TestSupport
import KubeAPI
@testable import Kubelet

/// NFS volumes against a real NFS server (Debian's nfs-kernel-server): knfsd
/// runs inside a network namespace this test makes, joined to the cluster's
/// namespace (where the kubelet mounts) by a veth pair with a private /30;
/// nothing is routed in the root namespace. A pod writes through an inline
/// `nfs` volume and through an NFS PersistentVolume's claim; the files appear
/// in the exported directory.
@Suite(.ownThread, .requires(TestCluster.requirements, NFSServer.kernel, .tool("mount.nfs", package: "nfs-common"),
                             .tool("rpc.nfsd", package: "nfs-kernel-server"), .tool("exportfs", package: "nfs-kernel-server"),
                             .tool("rpcbind", package: "rpcbind")))
struct NFSIntegrationTests {
    @Test func podsWriteThroughInlineAndPersistentNFSVolumes() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        let server = try NFSServer(clientNamespace: cluster.netns)
        defer { server.tearDown() }
        try cluster.apply("""
            apiVersion: v1
            kind: PersistentVolume
            metadata: {name: nfs-shared}
            spec:
              capacity: {storage: 1Gi}
              accessModes: [ReadWriteMany]
              storageClassName: ""
              mountOptions: [nfsvers=4.2, soft, timeo=30, retrans=2]
              claimRef: {namespace: default, name: shared}
              nfs: {server: \(NFSServer.serverAddress), path: \(server.export)}
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata: {name: shared}
            spec: {accessModes: [ReadWriteMany], storageClassName: "", volumeName: nfs-shared, resources: {requests: {storage: 1Gi}}}
            ---
            apiVersion: v1
            kind: Pod
            metadata: {name: nfs-writer}
            spec:
              nodeName: \(cluster.nodeName)
              restartPolicy: Never
              containers:
              - name: c
                image: busybox:1.35
                command: ["sh", "-c", "echo inline > /inline/a && echo claim > /claim/b"]
                volumeMounts: [{name: inline, mountPath: /inline}, {name: claim, mountPath: /claim}]
              volumes:
              - name: inline
                nfs: {server: \(NFSServer.serverAddress), path: \(server.export)}
              - name: claim
                persistentVolumeClaim: {claimName: shared}
            """)
        #expect(cluster.kubectl(["patch", "pvc", "shared", "--subresource=status", "--type=merge", "-p", #"{"status":{"phase":"Bound"}}"#]).code == 0)
        #expect(cluster.waitFor("nfs-writer", "{.status.phase}", equals: "Succeeded"), "\(cluster.kubeletLog)")
        #expect((try? FileIO.read(server.export + "/a")) == "inline\n")
        #expect((try? FileIO.read(server.export + "/b")) == "claim\n")
        #expect(cluster.kubectl(["delete", "pod", "nfs-writer"]).code == 0)
        #expect(eventually(seconds: 30) { !cluster.leftovers.contains { $0.contains("kubernetes.io~nfs") } }, "\(cluster.leftovers)")
    }
}

/// The kubelet's real NFS mounter (mount.nfs under a bounded wait) against
/// knfsd: mounts with a PV's options and writes through, tears the mount
/// down from the directory layout, and gives up on a server that does not
/// answer, leaving nothing mounted. The client end of the veth is in the root
/// namespace here (a /30 link route, removed with the veth).
@Suite(.ownThread, .serialized, .requires(.root, NFSServer.kernel, .tool("mount.nfs", package: "nfs-common"),
                                          .tool("rpc.nfsd", package: "nfs-kernel-server"), .tool("exportfs", package: "nfs-kernel-server"),
                                          .tool("rpcbind", package: "rpcbind")))
struct NFSMounterTests {
    @Test func mountsWritesTearsDownAndTimesOut() async throws {
        let server = try NFSServer(clientNamespace: nil)
        defer { server.tearDown() }
        let pod = TestPaths.temporaryDirectory("swiftkube-nfs-pod")
        let sandbox = Sandbox(podUID: "u", name: "p", namespace: "ns", directory: pod, pinned: [:], hostNetwork: false, hostIPC: false,
                              hostPID: false, ip: nil, cgroupParent: "", hostname: "p", created: "")
        defer {
            for line in ((try? FileIO.read("/proc/self/mountinfo")) ?? "").split(separator: "\n") {
                let fields = line.split(separator: " ")
                if fields.count > 4, fields[4].hasPrefix(pod) { umount2(String(fields[4]), Int32(MNT_DETACH)) }
            }
            try? FileIO.removeTree(pod)
        }
        var nfs = NFSVolumeSource()
        nfs.server = NFSServer.serverAddress
        nfs.path = server.export
        var volume = Volume(name: "shared")
        volume.nfs = nfs
        var p = Pod(metadata: ObjectMeta(name: "p", namespace: "ns"))
        p.metadata.uid = "u"
        p.spec = PodSpec(containers: [])
        p.spec?.volumes = [volume]
        let manager = VolumeManager(sources: PersistentVolumeTests.FakeSources(), nfsMountTimeout: 10)
        let volumes = try await manager.setUp(p, sandbox: sandbox, fields: PodFields(pod: p, podIP: nil, hostIP: nil, nodeName: "n"))
        let target = pod + "/volumes/kubernetes.io~nfs/shared"
        #expect(volumes.paths["shared"] == target)
        #expect(MountPoint.isMountPoint(target))
        try FileIO.writeAtomically(target + "/written", Array("through nfs".utf8), mode: 0o644)
        #expect((try? FileIO.read(server.export + "/written")) == "through nfs")

        // ReadWriteMany: a second pod's mount of the same export sees the
        // first one's file, and the first sees what the second writes.
        let other = TestPaths.temporaryDirectory("swiftkube-nfs-pod2")
        let otherSandbox = Sandbox(podUID: "u2", name: "p2", namespace: "ns", directory: other, pinned: [:], hostNetwork: false, hostIPC: false,
                                   hostPID: false, ip: nil, cgroupParent: "", hostname: "p2", created: "")
        let otherVolumes = try await manager.setUp(p, sandbox: otherSandbox, fields: PodFields(pod: p, podIP: nil, hostIP: nil, nodeName: "n2"))
        let otherTarget = try #require(otherVolumes.paths["shared"])
        #expect(otherTarget != target && MountPoint.isMountPoint(otherTarget))
        #expect((try? FileIO.read(otherTarget + "/written")) == "through nfs")
        try FileIO.writeAtomically(otherTarget + "/answer", Array("from the second pod".utf8), mode: 0o644)
        #expect((try? FileIO.read(target + "/answer")) == "from the second pod")
        try VolumeManager.tearDown(otherSandbox)
        #expect(!MountPoint.isMountPoint(otherTarget) && MountPoint.isMountPoint(target))
        try? FileIO.removeTree(other)
        try VolumeManager.tearDown(sandbox)
        #expect(!MountPoint.isMountPoint(target) && !FileIO.exists(pod + "/volumes"))
        #expect(FileIO.exists(server.export + "/written"), "teardown leaves the server's data")

        // A server that does not answer: the mount is given up after the timeout, nothing stays.
        try NFSServer.sh("ip netns exec \(server.netns) ip link set nfss0 down")
        let slow = VolumeManager(sources: PersistentVolumeTests.FakeSources(), nfsMountTimeout: 5)
        do {
            _ = try await slow.setUp(p, sandbox: sandbox, fields: PodFields(pod: p, podIP: nil, hostIP: nil, nodeName: "n"))
            Issue.record("the mount to a silent server succeeded")
        } catch let error as VolumeError {
            #expect(error.mountFailure.hasPrefix("MountVolume.SetUp failed for volume \"shared\" : mount of \(NFSServer.serverAddress):\(server.export) did not finish within 5 s"),
                    "\(error)")
        }
        #expect(!MountPoint.isMountPoint(target) && !FileIO.exists(target))
    }
}

/// knfsd in a network namespace of its own, exporting a temporary directory
/// to the client's end of a veth pair (169.254.77.0/30).
final class NFSServer: @unchecked Sendable {
    static let serverAddress = "169.254.77.1"
    static let clientAddress = "169.254.77.2"

    /// The kernel must have the NFS client and server (built in or as modules).
    static let kernel = TestRequirement("a kernel with the NFS client and server (nfs and nfsd in /proc/filesystems or as modules)") {
        let filesystems = ((try? FileIO.read("/proc/filesystems")) ?? "").split(separator: "\n")
        var name = utsname()
        uname(&name)
        let release = withUnsafeBytes(of: name.release) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        let has = { (fs: String, module: String) in
            filesystems.contains { $0.hasSuffix("\t" + fs) } || FileIO.exists("/lib/modules/\(release)/kernel/fs/\(module)")
        }
        return has("nfs", "nfs") && has("nfsd", "nfsd")
    }

    let netns: String
    let export: String
    /// Where the client end of the veth is; nil: the root namespace (only
    /// the /30's link route is added there, and removed with the veth).
    let clientNamespace: String?
    let clientLink: String

    init(clientNamespace: String?) throws {
        self.clientNamespace = clientNamespace
        let tag = UInt16.random(in: 1...UInt16.max)
        netns = "swk-nfs-\(tag)"
        clientLink = "nfsc\(tag)"
        export = TestPaths.temporaryDirectory("swiftkube-nfs-export")
        chmod(export, 0o777)
        let inClient = clientNamespace.map { "ip netns exec \($0) " } ?? ""
        do {
            try Self.sh("ip netns add \(netns)")
            try Self.sh("\(inClient)ip link add \(clientLink) type veth peer name nfss0 netns \(netns)")
            try Self.sh("\(inClient)sh -c 'ip addr add \(Self.clientAddress)/30 dev \(clientLink) && ip link set \(clientLink) up'")
            try Self.sh("ip netns exec \(netns) sh -c 'ip link set lo up && ip addr add \(Self.serverAddress)/30 dev nfss0 && ip link set nfss0 up'")
            // One mount namespace for the nfsd filesystem and the daemons: rpcbind,
            // the export, mountd (answers the kernel's export upcalls) and the nfsd threads.
            try Self.sh("""
                ip netns exec \(netns) sh -c 'mount -t nfsd nfsd /proc/fs/nfsd && rpcbind -w && \
                exportfs -o rw,no_root_squash,insecure,no_subtree_check \(Self.clientAddress):\(export) && \
                rpc.mountd && rpc.nfsd 4'
                """)
        } catch {
            tearDown()
            throw error
        }
    }

    static func sh(_ command: String) throws {
        let r = try TestProcess.run(["/bin/sh", "-c", command], timeout: 60)
        guard r.code == 0 else { throw RuntimeError.other("\(command): \(r)") }
    }

    func tearDown() {
        _ = try? Self.sh("ip netns exec \(netns) sh -c 'mount -t nfsd nfsd /proc/fs/nfsd 2>/dev/null; rpc.nfsd 0; exportfs -u \(Self.clientAddress):\(export)'")
        // The daemons started in the namespace: found by their network namespace.
        for pid in (try? FileIO.listDirectory("/proc")) ?? [] where Int32(pid) != nil {
            guard let comm = try? FileIO.read("/proc/\(pid)/comm"), ["rpcbind\n", "rpc.mountd\n"].contains(comm) else { continue }
            if Self.sameNetns(pid: pid, as: "/run/netns/\(netns)") { kill(Int32(pid)!, SIGTERM) }
        }
        _ = try? Self.sh((clientNamespace.map { "ip netns exec \($0) " } ?? "") + "ip link del \(clientLink)")
        TestNamespaces.delete([netns])
        try? FileIO.removeTree(export)
    }

    static func sameNetns(pid: String, as path: String) -> Bool {
        var a = stat(), b = stat()
        guard stat("/proc/\(pid)/ns/net", &a) == 0, stat(path, &b) == 0 else { return false }
        return a.st_ino == b.st_ino && a.st_dev == b.st_dev
    }
}
