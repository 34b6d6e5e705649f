import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
@testable import Runtime
import LinuxSystem

/// The resident helper that forks monitors and namespace pinners, against
/// the real swiftrun binary and kernel.
@Suite(.ownThread, .requires(.root, .product("swiftrun"), .rootfs))
struct ForkServerTests {
    /// The parent pid, session id and command line of a process.
    func processInfo(_ pid: Int32) throws -> (parent: Int32, session: Int32, cmdline: [String]) {
        let fields = try FileIO.read("/proc/\(pid)/stat").split(separator: ")").last?.split(separator: " ") ?? []
        let cmdline = try FileIO.readBytes("/proc/\(pid)/cmdline").split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        return (fields.count > 3 ? Int32(fields[1]) ?? 0 : 0, fields.count > 3 ? Int32(fields[3]) ?? 0 : 0, cmdline)
    }

    /// Makes `b` run `script` and returns a runtime whose monitors the fork
    /// server of `helper` (default: the swiftrun under test) forks.
    func forkingRuntime(_ b: TestBundle, running script: String, helper: String? = TestEnvironment.swiftrun) throws -> ContainerRuntime {
        b.shell(script)
        try b.writeConfig()
        let helper = try #require(helper)
        return ContainerRuntime(root: b.stateRoot, initExecutable: helper, forkServer: ForkServer(executable: helper))
    }

    @Test func monitorsAreForkedDetachedAndOutliveTheServer() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        var forking: ContainerRuntime? = try forkingRuntime(b, running: "echo from-a-forked-monitor; exec sleep 300")
        let state = try #require(forking).createMonitored(id: b.id, bundle: b.dir, logPath: b.dir + "/c.log")
        #expect(state.status == .created)
        let serverPid = try #require(forking?.forkServer?.pid)
        let runtime = ContainerRuntime(root: b.stateRoot)
        try runtime.start(id: b.id)
        try waitFor { (try? FileIO.read(b.dir + "/c.log"))?.contains("stdout F from-a-forked-monitor") == true }

        let monitor = try #require(try runtime.record(id: b.id).monitor)
        // The server's child in a session of its own, shown by ps as a monitor.
        let info = try processInfo(monitor.pid)
        #expect(info.parent == serverPid && info.session == monitor.pid)
        #expect(info.cmdline.dropFirst().first == "monitor", "\(info.cmdline)")
        #expect(try processInfo(serverPid).cmdline.contains("fork-server"))

        // Dropping the last handle ends the server; the container and its monitor stay.
        forking = nil
        #expect(kill(serverPid, 0) != 0)
        #expect(kill(monitor.pid, 0) == 0)
        #expect(try processInfo(monitor.pid).parent != getpid())
        #expect(try runtime.state(id: b.id).status == .running)
        try runtime.kill(id: b.id, signal: SIGKILL)
        try waitFor { runtime.exitStatus(id: b.id) != nil }
        #expect(runtime.exitStatus(id: b.id)?.signal == SIGKILL)
        try runtime.delete(id: b.id)
        #expect(b.leftovers.isEmpty, "\(b.leftovers)")
    }

    @Test func aDeadServerIsReplacedOnTheNextRequest() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        let runtime = try forkingRuntime(b, running: "exit 7")
        let server = try #require(runtime.forkServer)

        var template = Array("/tmp/swiftrun-fs-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        var pinned: [String] = []
        defer {
            PinnedNamespaces.remove(pinned)
            try? FileIO.removeTree(dir)
        }
        let first = try PinnedNamespaces.create([.uts, .ipc], in: dir + "/first", hostname: "pinned-by-fork", forkServer: server)
        pinned += first.values
        #expect(PinnedNamespaces.isPinned(try #require(first[.uts])))
        let hostname = try TestProcess.run(["/usr/bin/nsenter", "--uts=" + (first[.uts] ?? ""), "hostname"])
        #expect(hostname.stdout.trimmingWhitespace() == "pinned-by-fork")

        let old = try #require(server.pid)
        kill(old, SIGKILL)
        try waitFor { (try? FileIO.read("/proc/\(old)/stat"))?.contains(") Z ") ?? true }
        let second = try PinnedNamespaces.create([.network], in: dir + "/second", forkServer: server)
        pinned += second.values
        #expect(PinnedNamespaces.isPinned(try #require(second[.network])))
        #expect(server.pid != old)

        _ = try runtime.createMonitored(id: b.id, bundle: b.dir, logPath: b.dir + "/c.log")
        try runtime.start(id: b.id)
        try waitFor { runtime.exitStatus(id: b.id) != nil }
        #expect(runtime.exitStatus(id: b.id)?.exitCode == 7)
        try runtime.delete(id: b.id)
        #expect(b.leftovers.isEmpty, "\(b.leftovers)")
    }

    /// A helper that does not serve `fork-server` (another build, or another
    /// program) gives an error that says what to check, and leaves nothing.
    @Test func aHelperThatIsNoForkServerIsNamed() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        let runtime = try forkingRuntime(b, running: "true", helper: "/bin/true")
        let server = try #require(runtime.forkServer)
        do {
            _ = try runtime.createMonitored(id: b.id, bundle: b.dir, logPath: b.dir + "/c.log")
            Issue.record("created a container with /bin/true as the fork server")
        } catch {
            #expect("\(error)".contains("swiftrun built with it"), "\(error)")
        }
        do {
            _ = try PinnedNamespaces.create([.uts], in: b.dir + "/ns", forkServer: server)
            Issue.record("pinned namespaces with /bin/true as the fork server")
        } catch {
            #expect("\(error)".contains("swiftrun built with it"), "\(error)")
        }
        #expect(b.leftovers.isEmpty, "\(b.leftovers)")
    }
}
