import Testing
import TestSupport
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
@testable import Runtime
import LinuxSystem

/// create → start → exec/pause/kill → delete, with the state checked at each step.
@Suite(.ownThread, .requires(.root, .product("swiftrun"), .rootfs))
struct LifecycleTests {
    @Test func createStartExecPauseKillDelete() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.spec.process?.args = ["sleep", "300"]
        b.spec.process?.env = ["PATH=/bin:/sbin", "FROM=config"]
        let created = try b.create(["--pid-file", b.dir + "/pid"])
        #expect(created.code == 0, "\(created)")
        var state = try #require(try b.state())
        #expect(state.status == .created)
        #expect(try FileIO.read(b.dir + "/pid") == String(state.pid))
        #expect(try b.swiftrun(["start", b.id]).code == 0)
        state = try #require(try b.state())
        #expect(state.status == .running)

        // start twice is refused
        let again = try b.swiftrun(["start", b.id])
        #expect(again.code != 0 && again.stderr.contains("it is running"), "\(again)")

        let exec = try b.swiftrun(["exec", "-e", "EXTRA=1", "--cwd", "/tmp", "-u", "1000:1000", b.id, "sh", "-c", "echo $FROM $EXTRA $(pwd) $(id -u); exit 7"])
        #expect(exec.code == 7, "\(exec)")
        #expect(exec.stdout == "config 1 /tmp 1000\n")
        let missing = try b.swiftrun(["exec", b.id, "no-such-binary"])
        #expect(missing.code != 0 && missing.stderr.contains("executable file not found"), "\(missing)")

        let ps = try b.swiftrun(["ps", "--format", "json", b.id])
        #expect(ps.stdout.contains(String(state.pid)), "\(ps)")
        let list = try b.swiftrun(["list", "--format", "json"])
        #expect(list.stdout.contains("\"id\":\"\(b.id)\""), "\(list)")
        let events = try b.swiftrun(["events", "--stats", b.id])
        #expect(events.stdout.contains("\"type\":\"stats\"") && events.stdout.contains("\"pids\":{\"current\":1"), "\(events)")

        #expect(try b.swiftrun(["pause", b.id]).code == 0)
        #expect(try b.state()?.status == .paused)
        #expect(try b.swiftrun(["resume", b.id]).code == 0)
        #expect(try b.state()?.status == .running)

        let update = try b.swiftrun(["update", "--pids-limit", "7", b.id])
        #expect(update.code == 0, "\(update)")
        let host = try CgroupHost.detect()
        if case .v1(let h)? = host.location(of: "pids") {
            #expect(try FileIO.readTrimmed(h.mountpoint + "/swiftrun-test-\(b.id)/pids.max") == "7")
        }

        let refused = try b.swiftrun(["delete", b.id])
        #expect(refused.code != 0 && refused.stderr.contains("use --force"), "\(refused)")
        let badSignal = try b.swiftrun(["kill", b.id, "SIGBOGUS"])
        #expect(badSignal.code != 0 && badSignal.stderr.contains("unknown signal"), "\(badSignal)")
        // sleep is pid 1 and has no TERM handler, so the kernel ignores TERM; KILL always works.
        #expect(try b.swiftrun(["kill", b.id, "KILL"]).code == 0)
        try waitFor { try b.state()?.status == .stopped }
        #expect(try b.swiftrun(["delete", b.id]).code == 0)
        #expect(b.leftovers.isEmpty, "\(b.leftovers)")
        #expect(try b.swiftrun(["state", b.id]).stderr.contains("does not exist"))
    }

    @Test func execWithTerminalAndDetachedRun() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.spec.process?.args = ["sleep", "300"]
        let run = try b.run(["--detach"])
        #expect(run.code == 0, "\(run)")
        #expect(try b.state()?.status == .running)
        let tty = try b.swiftrun(["exec", "-t", b.id, "sh", "-c", "tty; [ -t 1 ] && echo stdout-is-tty"])
        #expect(tty.code == 0, "\(tty)")
        #expect(tty.stdout.contains("/dev/pts/") && tty.stdout.contains("stdout-is-tty"), "\(tty)")
        let process = b.dir + "/process.json"
        var p = Spec.Process(args: ["sh", "-c", "echo from-process-file $GREETING"], env: ["PATH=/bin", "GREETING=hi"], cwd: "/")
        p.user = Spec.User(uid: 65534, gid: 65534)
        try FileIO.writeAtomically(process, Array(try JSONEncoder().encode(p)))
        let fromFile = try b.swiftrun(["exec", "--process", process, b.id])
        #expect(fromFile.stdout == "from-process-file hi\n", "\(fromFile)")
        #expect(try b.swiftrun(["delete", "--force", b.id]).code == 0)
        #expect(b.leftovers.isEmpty)
    }

    /// A runtime killed in the middle of `create` leaves a container that
    /// `list` shows and `delete` removes completely.
    @Test func createKilledHalfWayIsVisibleAndDeletable() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.spec.process?.args = ["sleep", "300"]
        // The createRuntime hook runs as a child of swiftrun: it kills its parent.
        b.spec.hooks = Spec.Hooks(createRuntime: [Spec.Hook(path: "/bin/sh", args: ["sh", "-c", "kill -9 $PPID"])])
        let crashed = try b.create()
        #expect(crashed.status.signal == SIGKILL, "\(crashed)")
        let list = try b.swiftrun(["list", "--format", "json"])
        #expect(list.stdout.contains("\"id\":\"\(b.id)\""), "\(list)")
        #expect(!b.cgroupDirectories.filter { FileIO.exists($0) }.isEmpty)
        let deleted = try b.swiftrun(["delete", b.id])
        #expect(deleted.code == 0, "\(deleted)")
        #expect(b.leftovers.isEmpty, "\(b.leftovers)")
    }

    @Test func killAllAndForcedDelete() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.spec.linux?.namespaces?.removeAll { $0.type == "pid" }  // processes outlive the init without a pid namespace
        b.shell("sleep 300 & sleep 300 & exec sleep 300")
        #expect(try b.create().code == 0)
        #expect(try b.swiftrun(["start", b.id]).code == 0)
        try waitFor { (try b.swiftrun(["ps", "--format", "json", b.id]).stdout.split(separator: ",").count) == 3 }
        #expect(try b.swiftrun(["kill", "--all", b.id, "KILL"]).code == 0)
        try waitFor { try b.state()?.status == .stopped }
        #expect(try b.swiftrun(["delete", b.id]).code == 0)

        let c = try TestBundle()
        defer { c.cleanUp() }
        c.spec.process?.args = ["sleep", "300"]
        #expect(try c.create().code == 0)
        #expect(try c.swiftrun(["start", c.id]).code == 0)
        #expect(try c.swiftrun(["delete", "--force", c.id]).code == 0)
        #expect(c.leftovers.isEmpty && b.leftovers.isEmpty, "\(c.leftovers) \(b.leftovers)")
    }

    @Test func hooksRunWithStateAndFailuresUndoCreate() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        let out = b.dir + "/hooks"
        try FileIO.makeDirectories(out)
        func hook(_ name: String) -> Spec.Hook {
            Spec.Hook(path: "/bin/sh", args: ["sh", "-c", "cat > \(out)/\(name).json"], env: ["PATH=/bin"])
        }
        b.spec.hooks = Spec.Hooks(prestart: [hook("prestart")], createRuntime: [hook("createRuntime")], createContainer: [hook("createContainer")],
                                  startContainer: [Spec.Hook(path: "/bin/sh", args: ["sh", "-c", "echo start-hook > /tmp/started"])],
                                  poststart: [hook("poststart")], poststop: [hook("poststop")])
        b.shell("cat /tmp/started")
        let r = try b.run()
        #expect(r.stdout == "start-hook\n", "\(r)")
        for name in ["prestart", "createRuntime", "createContainer", "poststart", "poststop"] {
            let json = try FileIO.read("\(out)/\(name).json")
            let state = try JSONDecoder().decode(HookState.self, from: Data(json.utf8))
            #expect(state.id == b.id && state.bundle == b.dir && state.pid > 0, "\(name): \(json)")
        }
        #expect(try FileIO.read("\(out)/poststop.json").contains("\"status\":\"stopped\""))

        // A failing prestart hook: create fails and leaves nothing.
        b.spec.hooks = Spec.Hooks(prestart: [Spec.Hook(path: "/bin/sh", args: ["sh", "-c", "echo boom >&2; exit 3"])])
        let failed = try b.create()
        #expect(failed.code != 0 && failed.stderr.contains("prestart hook /bin/sh failed: exit status 3: boom"), "\(failed)")
        #expect(b.leftovers.isEmpty, "\(b.leftovers)")

        // A hook that outlives its timeout is killed.
        b.spec.hooks = Spec.Hooks(createRuntime: [Spec.Hook(path: "/bin/sleep", args: ["sleep", "30"], timeout: 1)])
        let slow = try b.create()
        #expect(slow.code != 0 && slow.stderr.contains("timed out after 1s"), "\(slow)")
        #expect(b.leftovers.isEmpty, "\(b.leftovers)")
    }

    @Test func monitorKeepsLogsAndExitStatusAndSeesOOM() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.shell("echo to-stdout; echo to-stderr >&2; exit 3")
        let log = b.dir + "/c.log"
        #expect(try b.create(["--monitor-log", log]).code == 0)
        #expect(try b.swiftrun(["start", b.id]).code == 0)
        let runtime = ContainerRuntime(root: b.stateRoot, initExecutable: TestEnvironment.swiftrun ?? "")
        try waitFor { runtime.exitStatus(id: b.id) != nil }
        let exit = try #require(runtime.exitStatus(id: b.id))
        #expect(exit.exitCode == 3 && !exit.oomKilled)
        let lines = try FileIO.read(log).split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.contains { $0.hasSuffix(" stdout F to-stdout") } && lines.contains { $0.hasSuffix(" stderr F to-stderr") }, "\(lines)")
        #expect(try b.swiftrun(["delete", b.id]).code == 0)

        // Through the library: a memory-limited container that eats memory is OOM-killed.
        let c = try TestBundle()
        defer { c.cleanUp() }
        c.spec.linux?.resources = Spec.Resources(memory: Spec.Memory(limit: 16 << 20, swap: 16 << 20))
        c.shell("echo eating; tail /dev/zero")
        try c.writeConfig()
        let oomRuntime = ContainerRuntime(root: c.stateRoot, initExecutable: TestEnvironment.swiftrun ?? "")
        let state = try oomRuntime.createMonitored(id: c.id, bundle: c.dir, logPath: c.dir + "/oom.log")
        #expect(state.status == .created)
        try oomRuntime.start(id: c.id)
        try waitFor(seconds: 30) { oomRuntime.exitStatus(id: c.id) != nil }
        let oom = try #require(oomRuntime.exitStatus(id: c.id))
        #expect(oom.oomKilled && oom.exitCode == 137 && oom.signal == SIGKILL, "\(oom)")
        try oomRuntime.delete(id: c.id)
        #expect(c.leftovers.isEmpty, "\(c.leftovers)")
    }

    @Test func monitoredContainerOutlivesItsCreator() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.spec.process?.args = ["sleep", "300"]
        #expect(try b.create(["--monitor-log", b.dir + "/log"]).code == 0)
        #expect(try b.swiftrun(["start", b.id]).code == 0)
        // The swiftrun processes that created and started it have exited.
        let record = try ContainerRuntime(root: b.stateRoot).record(id: b.id)
        let monitor = try #require(record.monitor)
        #expect(kill(monitor.pid, 0) == 0)
        #expect(try b.state()?.status == .running)
        let parent = try FileIO.read("/proc/\(record.pid)/stat").split(separator: ")").last?.split(separator: " ")[1]
        #expect(parent.map(String.init) == String(monitor.pid))
        #expect(try b.swiftrun(["delete", "--force", b.id]).code == 0)
        #expect(b.leftovers.isEmpty)
    }
}

/// Polls `condition` until true or `seconds` pass (no timing assertions: only a deadline against hangs).
func waitFor(seconds: Double = 10, _ condition: () throws -> Bool) throws {
    let deadline = Monotonic.now() + seconds
    while Monotonic.now() < deadline {
        if try condition() { return }
        usleep(20_000)
    }
    Issue.record("condition not met within \(seconds)s")
}
