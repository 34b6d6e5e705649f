import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
@testable import Runtime
import LinuxSystem

/// containerd's own shim drives swiftrun as its runc: `ctr run --runc-binary`.
@Suite(.ownThread, .requires(.root, .product("swiftrun"), .rootfs, .tool("containerd", package: "containerd"), .tool("ctr", package: "containerd")))
struct ContainerdTests {
    @Test func ctrRunWithSwiftrunAsRuntime() throws {
        var template = Array("/tmp/swiftrun-containerd-XXXXXX".utf8CString)
        let root = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        let socket = root + "/containerd.sock"
        let namespace = "swiftrun-test-\(UInt16.random(in: 0...UInt16.max))"
        try FileIO.writeAtomically(root + "/config.toml", Array("""
            version = 2
            root = "\(root)/root"
            state = "\(root)/state"
            disabled_plugins = ["io.containerd.grpc.v1.cri"]
            [grpc]
              address = "\(socket)"
            [ttrpc]
              address = "\(socket).ttrpc"
            """.utf8))
        // The runc shim keeps its state and fifos under /run/containerd whatever the config says.
        let runDirExisted = FileIO.exists("/run/containerd")
        let log = open(root + "/containerd.log", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        let containerd = try Spawn.start(Spawn.Request(
            path: TestPaths.which("containerd")!, args: ["containerd", "--config", root + "/config.toml"],
            env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], fds: [(log, 1), (log, 2)]))
        close(log)
        defer {
            kill(containerd, SIGTERM)
            _ = try? waitForExit(containerd)
            // Shim leftovers (if a step failed) and the snapshot mounts.
            _ = try? TestProcess.run(["/bin/sh", "-c", "pkill -f 'containerd-shim.*\(namespace)'; grep -o '\(root)[^ ]*' /proc/self/mounts | sort -r | xargs -r umount -l"])
            try? FileIO.removeTree(root)
            if runDirExisted {
                try? FileIO.removeTree("/run/containerd/runc/\(namespace)")
            } else {
                try? FileIO.removeTree("/run/containerd")
            }
            for dir in (try? CgroupHost.detect())?.v1.map(\.mountpoint) ?? [] { rmdir(dir + "/" + namespace) }
            if let unified = try? CgroupHost.detect().unifiedMountpoint { rmdir(unified + "/" + namespace) }
        }
        try waitFor { FileIO.exists(socket) }
        let ctr = TestPaths.which("ctr")!
        func run(_ args: [String]) throws -> TestProcess.Result {
            try TestProcess.run([ctr, "--address", socket, "--namespace", namespace] + args, timeout: 90)
        }
        let imported = try run(["images", "import", "--all-platforms", TestPaths.packageRoot + "/rootfs/out/busybox-oci.tar"])
        #expect(imported.code == 0, "\(imported)")
        let result = try run(["run", "--rm", "--runc-binary", TestEnvironment.swiftrun!, "docker.io/library/busybox:1.35", "ctr-\(namespace)",
                              "sh", "-c", "echo hello from $(hostname); exit 0"])
        #expect(result.code == 0, "\(result)\ncontainerd log: \((try? FileIO.read(root + "/containerd.log").suffix(3000)) ?? "")")
        #expect(result.stdout.contains("hello from "), "\(result)")
        let exitCode = try run(["run", "--rm", "--runc-binary", TestEnvironment.swiftrun!, "docker.io/library/busybox:1.35", "ctr2-\(namespace)",
                                "sh", "-c", "exit 5"])
        #expect(exitCode.code == 5, "\(exitCode)")
    }
}
