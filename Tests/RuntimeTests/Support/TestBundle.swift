#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
@testable import Runtime
import LinuxSystem

/// One container under test: a bundle in a temporary directory whose rootfs
/// is the shared busybox tree (mounted read-only), a private state root,
/// and a cgroup path of its own. `cleanUp()` removes every trace, and is
/// called from `defer` so a failing test leaves nothing behind.
final class TestBundle {
    let id: String
    let dir: String
    let stateRoot: String
    var spec: Spec

    /// `copyRootfs` copies the busybox tree into the bundle instead of linking
    /// it: a user namespace's mapped root must be able to reach every path
    /// component, and a checkout may sit under a private directory.
    init(_ name: String = #function, args: [String] = ["true"], copyRootfs: Bool = false) throws {
        let tag = String(UInt32.random(in: 0...UInt32.max), radix: 36)
        let base = name.prefix(while: { $0.isLetter || $0.isNumber }).prefix(20)
        id = "\(base)-\(tag)"
        var template = Array("/tmp/swiftrun-it-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        self.dir = dir
        // Mapped users of user-namespace tests must be able to reach the rootfs.
        chmod(dir, 0o755)
        stateRoot = dir + "/state"
        if copyRootfs {
            let r = try TestProcess.run(["/bin/cp", "-a", TestEnvironment.rootfs, dir + "/rootfs"])
            guard r.code == 0 else { throw RuntimeError.other("copying the rootfs failed: \(r)") }
        } else {
            try sys("symlink") { symlink(TestEnvironment.rootfs, dir + "/rootfs") }
        }
        spec = Spec.defaultConfig(terminal: false, args: args)
        spec.linux?.cgroupsPath = "/swiftrun-test-\(id)"
        spec.mounts?.append(Spec.Mount(destination: "/tmp", type: "tmpfs", source: "tmpfs", options: ["nosuid", "nodev", "mode=1777"]))
    }

    /// The process arguments run by `sh -c`.
    func shell(_ script: String) {
        spec.process?.args = ["sh", "-c", script]
    }

    func writeConfig() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try FileIO.writeAtomically(dir + "/config.json", Array(try encoder.encode(spec)), mode: 0o644)
    }

    /// Runs swiftrun with the bundle's state root.
    @discardableResult
    func swiftrun(_ args: [String], stdin: String? = nil, extraFDs: [Int32] = [], timeout: Double = 60) throws -> TestProcess.Result {
        guard let exe = TestEnvironment.swiftrun else { throw RuntimeError.other("swiftrun not built") }
        let start = Monotonic.now()
        let result = try TestProcess.run([exe, "--root", stateRoot] + args, stdin: stdin, extraFDs: extraFDs, timeout: timeout)
        if Monotonic.now() - start > 5 { print("SLOW swiftrun \(args): \(Monotonic.now() - start)s") }
        return result
    }

    /// `swiftrun run` of the current spec.
    func run(_ extra: [String] = []) throws -> TestProcess.Result {
        try writeConfig()
        return try swiftrun(["run", "--bundle", dir] + extra + [id])
    }

    func create(_ extra: [String] = []) throws -> TestProcess.Result {
        try writeConfig()
        return try swiftrun(["create", "--bundle", dir] + extra + [id])
    }

    func state() throws -> OCIState? {
        let r = try swiftrun(["state", id])
        guard r.code == 0 else { return nil }
        return try JSONDecoder().decode(OCIState.self, from: Data(r.stdout.utf8))
    }

    /// The container's cgroup directories on this host.
    var cgroupDirectories: [String] {
        guard let host = try? CgroupHost.detect(), let paths = try? CgroupManager.paths(for: "/swiftrun-test-\(id)", host: host, own: [:]) else { return [] }
        return paths.values.sorted()
    }

    /// Mounts anywhere on the host that mention this bundle.
    var leakedMounts: [String] {
        ((try? FileIO.read("/proc/self/mountinfo")) ?? "").split(separator: "\n").filter { $0.contains(dir) }.map(String.init)
    }

    /// Asserts-friendly summary of everything that would be a leak.
    var leftovers: [String] {
        cgroupDirectories.filter { FileIO.exists($0) } + leakedMounts
            + (FileIO.exists(stateRoot + "/" + id) ? [stateRoot + "/" + id] : [])
    }

    func cleanUp() {
        _ = try? swiftrun(["delete", "--force", id], timeout: 20)
        for dir in cgroupDirectories where FileIO.exists(dir) { rmdir(dir) }
        try? FileIO.removeTree(dir)
    }
}
