import Testing
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif
@testable import Runtime
import LinuxSystem

@Suite struct StateStoreTests {
    func tempRoot() -> String {
        var template = Array("/tmp/swiftrun-state-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    @Test(arguments: ["", ".", "..", ".hidden", "a/b", "a b", "ü"])
    func rejectsBadIDs(id: String) {
        #expect(throws: RuntimeError.invalidContainerID(id)) { try StateStore.validate(id: id) }
    }

    @Test func acceptsRuncIDs() throws {
        for id in ["abc", "a_b-c.d+e", "0123456789abcdef"] { try StateStore.validate(id: id) }
    }

    @Test func reserveIsExclusiveAndRecordsRoundTrip() throws {
        let store = StateStore(root: tempRoot())
        defer { try? FileIO.removeTree(store.root) }
        try store.reserve("c1")
        #expect(throws: RuntimeError.containerExists("c1")) { try store.reserve("c1") }
        let record = ContainerRecord(id: "c1", bundle: "/b", rootfs: "/b/rootfs", created: "2026-01-01T00:00:00Z", phase: .creating,
                                     pid: 0, pidStartTime: 0, cgroupHost: Hosts.hybrid, cgroupPaths: ["memory": "/x"],
                                     spec: Spec.defaultConfig(), createdNamespaces: [.pid, .mount])
        try store.save(record)
        #expect(try store.load("c1") == record)
        #expect(store.ids() == ["c1"])
        #expect(throws: RuntimeError.containerNotFound("c2")) { try store.load("c2") }
        try store.remove("c1")
        #expect(store.ids().isEmpty)
    }

    /// Loads are answered from decoded records while the file is unchanged,
    /// and every new write (even of the same size) is read again.
    @Test func loadsFollowEveryWrite() throws {
        let store = StateStore(root: tempRoot())
        defer { try? FileIO.removeTree(store.root) }
        try store.reserve("c1")
        var record = ContainerRecord(id: "c1", bundle: "/b", rootfs: "/b/rootfs", created: "2026-01-01T00:00:00Z", phase: .creating,
                                     pid: 1, pidStartTime: 0, cgroupHost: Hosts.hybrid, cgroupPaths: [:],
                                     spec: Spec.defaultConfig(), createdNamespaces: [])
        try store.save(record)
        #expect(try store.load("c1").pid == 1)
        #expect(try store.load("c1").pid == 1)
        record.pid = 2
        try store.save(record)
        #expect(try store.load("c1").pid == 2)
        record.phase = .created
        try store.save(record)
        #expect(try store.load("c1") == record)
        try store.remove("c1")
        #expect(throws: RuntimeError.containerNotFound("c1")) { try store.load("c1") }
    }

    /// A record saved with its spec already encoded is byte for byte the
    /// record encoded whole, with or without a monitor.
    @Test func preEncodedSpecGivesTheSameFile() throws {
        var record = ContainerRecord(id: "c1", bundle: "/b", rootfs: "/b/rootfs", created: "2026-01-01T00:00:00Z", phase: .created,
                                     pid: 7, pidStartTime: 9, cgroupHost: Hosts.hybrid, cgroupPaths: ["memory": "/x"],
                                     spec: Spec.defaultConfig(), createdNamespaces: [.pid])
        let spec = try StateStore.encode(spec: record.spec)
        #expect(try StateStore.encode(record, spec: spec) == StateStore.encode(record))
        record.monitor = MonitorRecord(logPath: "/l", pid: 3)
        record.spec.annotations = ["z": "last"]
        #expect(try StateStore.encode(record, spec: StateStore.encode(spec: record.spec)) == StateStore.encode(record))
    }

    /// `create` saves the bundle's config.json as it was read, in whatever
    /// layout (indented, a byte order mark, a final newline), and the
    /// record reads back the same.
    @Test func bundleJSONStandsForTheSpec() throws {
        let bundle = tempRoot()
        defer { try? FileIO.removeTree(bundle) }
        try FileIO.makeDirectories(bundle)
        var spec = Spec.defaultConfig()
        spec.annotations = ["note": "kept"]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted]
        try FileIO.writeAtomically(bundle + "/config.json", [0xEF, 0xBB, 0xBF] + Array(try encoder.encode(spec)) + [0x0A])
        let (loaded, json) = try BundleLoader.loadWithJSON(bundle: bundle)
        #expect(loaded == spec)

        let store = StateStore(root: tempRoot())
        defer { try? FileIO.removeTree(store.root) }
        try store.reserve("c1")
        let record = ContainerRecord(id: "c1", bundle: bundle, rootfs: bundle + "/rootfs", created: "2026-01-01T00:00:00Z", phase: .created,
                                     pid: 7, pidStartTime: 9, cgroupHost: Hosts.hybrid, cgroupPaths: ["memory": "/x"],
                                     spec: loaded, createdNamespaces: [.pid])
        try store.save(record, spec: json)
        #expect(try store.load("c1") == record)
    }
}

@Suite struct InitChannelTests {
    @Test func messagesRoundTripOverASocketPair() throws {
        let (a, b) = try InitChannel.pair()
        defer { a.close(); b.close() }
        var spec = Spec.defaultConfig(terminal: false, args: ["true"])
        spec.root = Spec.Root(path: "/", readonly: true)
        let config = try ContainerPlan(id: "c", bundle: "/", spec: spec, noPivot: false, noNewKeyring: false).initConfig
        let messages: [InitMessage] = [.bootstrap(config), .requestIDMaps, .idMapsWritten, .forked(pid: 42), .forked(pid: -1), .proceed,
                                       .mountsReady, .hooksDone(state: "{\"id\":\"c\"}"), .ready, .execFailed(message: "no such file: ✗"),
                                       .failed(stage: "rootfs", message: "mount: EPERM"), .failed(stage: "", message: "")]
        for m in messages { try a.send(m) }
        for m in messages { #expect(try b.receive() == m) }
    }

    /// The fork server's warm-up decodes a spec with the parts a kubelet's
    /// has; if the model stopped reading it, the warm-up would quietly skip them.
    @Test func warmUpSpecDecodes() throws {
        let spec = try JSONDecoder().decode(Spec.self, from: Data(RuntimeWarmUp.kubeletLikeSpec.utf8))
        #expect(spec.linux?.resources?.cpu?.quota == 1 && spec.linux?.seccomp?.syscalls?.count == 1)
    }

    @Test func malformedMessagesAreErrorsNotCrashes() {
        for bytes: [UInt8] in [[], [3, 1, 2], [9, 200, 0, 0, 0, 65], [42], [0, 123]] {
            #expect(throws: (any Error).self) { try InitMessage(bytes: bytes) }
        }
    }

    @Test func closedPeerIsReported() throws {
        let (a, b) = try InitChannel.pair()
        a.close()
        defer { b.close() }
        #expect(throws: InitChannel.Closed.self) { try b.receive() }
    }
}

@Suite struct CRILogWriterTests {
    @Test func writesFullAndPartialLines() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]) }
        var writer = CRILogWriter(fd: fds[1]) { timespec(tv_sec: 1_767_366_245, tv_nsec: 7) }
        writer.append(Array("one\ntw".utf8)[...], from: .stdout)
        writer.append(Array("o\n".utf8)[...], from: .stdout)
        writer.append(Array("err".utf8)[...], from: .stderr)
        writer.append([UInt8](repeating: 65, count: CRILogWriter.maxLineSize + 3)[...], from: .stdout)
        writer.flush()
        writer.close()
        let text = String(decoding: try FileIO.readAll(fd: fds[0]), as: UTF8.self)
        let lines = text.split(separator: "\n")
        #expect(lines[0] == "2026-01-02T15:04:05.000000007Z stdout F one")
        #expect(lines[1] == "2026-01-02T15:04:05.000000007Z stdout F two")
        #expect(lines[2].hasPrefix("2026-01-02T15:04:05.000000007Z stdout P AAAA"))
        #expect(lines[2].count == 40 + CRILogWriter.maxLineSize)
        #expect(lines[3] == "2026-01-02T15:04:05.000000007Z stdout F AAA")
        #expect(lines[4] == "2026-01-02T15:04:05.000000007Z stderr F err")
    }
}

@Suite struct NamespacePlanTests {
    @Test func joinOrderIsUserFirstMountLast() throws {
        let plan = try NamespacePlan(spec: [
            Spec.Namespace(type: "mount", path: "/proc/1/ns/mnt"), Spec.Namespace(type: "network", path: "/run/netns/a"),
            Spec.Namespace(type: "user", path: "/proc/1/ns/user"), Spec.Namespace(type: "pid"), Spec.Namespace(type: "uts"),
        ])
        #expect(plan.join.map(\.kind) == [.user, .network, .mount])
        #expect(plan.create == [.pid, .uts])
        #expect(plan.unshareFlagsAfterUser == NamespaceKind.pid.cloneFlag | NamespaceKind.uts.cloneFlag)
        #expect(plan.has(.network) && !plan.has(.ipc))
    }
}

@Suite struct SpawnTests {
    /// A descriptor opened without O_CLOEXEC (as SwiftNIO opens its sockets)
    /// does not reach the child; the ones asked for do.
    @Test func childrenInheritOnlyTheDescriptorsTheyAreGiven() throws {
        let null = open("/dev/null", O_RDONLY)
        defer { close(null) }
        let leaked = fcntl(null, F_DUPFD, 60) // no FD_CLOEXEC on purpose; high, so no child's own fd collides
        #expect(leaked >= 60)
        defer { close(leaked) }
        var out: [Int32] = [0, 0]
        #expect(pipe(&out) == 0)
        let pid = try Spawn.start(Spawn.Request(path: "/bin/sh", args: ["sh", "-c", "ls /proc/self/fd"], env: [], fds: [(out[1], 1)]))
        close(out[1])
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(out[0], &buffer, buffer.count)
            if n <= 0 { break }
            bytes += buffer[0..<n]
        }
        close(out[0])
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        let fds = Set(String(decoding: bytes, as: UTF8.self).split(separator: "\n").compactMap { Int32($0) })
        #expect(fds.contains(1))
        #expect(!fds.contains(leaked), "\(fds)")
    }
}
