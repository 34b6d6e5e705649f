import Testing
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import LinuxSystem
import Runtime
import TestSupport

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

/// knfsd in a network namespace of its own, exporting a temporary directory
/// to the client namespace's end of a veth pair (169.254.77.0/30).
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
    let clientNamespace: String
    var mountd: Int32 = 0

    init(clientNamespace: String) throws {
        self.clientNamespace = clientNamespace
        netns = "swk-nfs-\(UInt16.random(in: 1...UInt16.max))"
        export = TestPaths.temporaryDirectory("swiftkube-nfs-export")
        chmod(export, 0o777)
        do {
            try Self.sh("ip netns add \(netns)")
            try Self.sh("ip netns exec \(clientNamespace) ip link add nfsc0 type veth peer name nfss0 netns \(netns)")
            try Self.sh("ip netns exec \(clientNamespace) sh -c 'ip addr add \(Self.clientAddress)/30 dev nfsc0 && ip link set nfsc0 up'")
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
        _ = try? Self.sh("ip netns exec \(clientNamespace) ip link del nfsc0")
        TestNamespaces.delete([netns])
        try? FileIO.removeTree(export)
    }

    static func sameNetns(pid: String, as path: String) -> Bool {
        var a = stat(), b = stat()
        guard stat("/proc/\(pid)/ns/net", &a) == 0, stat(path, &b) == 0 else { return false }
        return a.st_ino == b.st_ino && a.st_dev == b.st_dev
    }
}
