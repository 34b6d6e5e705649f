#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import Netlink
import LinuxSystem

/// Namespaces that exist without any process in them: each is bind-mounted
/// onto a file, the way `ip netns add` keeps a network namespace. The kubelet
/// pins a pod's network, IPC and UTS namespaces like this instead of running
/// a pause process, and its containers join them by path.
public enum PinnedNamespaces {
    static let variable = "_SWIFTRUN_PINFD"

    /// Creates new namespaces of `kinds` and pins each at `directory/<procName>`
    /// (e.g. `net`, `ipc`, `uts`). `hostname` is set in a new UTS namespace.
    /// A helper process hosts the namespaces for a moment: forked by
    /// `forkServer` when given, else `executable` re-run (it must call
    /// ``ContainerInit/runIfRequested()`` first in `main`).
    @discardableResult
    public static func create(_ kinds: [NamespaceKind], in directory: String, hostname: String? = nil,
                              executable: String = "/proc/self/exe", forkServer: ForkServer? = nil) throws -> [NamespaceKind: String] {
        guard !kinds.contains(.user), !kinds.contains(.mount), !kinds.contains(.pid) else {
            throw RuntimeError.unsupported("pinning user, mount or pid namespaces")
        }
        try FileIO.makeDirectories(directory, mode: 0o755)
        var fds: [Int32] = [0, 0]
        try sys("socketpair", "namespace pinning") { socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) }
        let flags = kinds.reduce(Int32(0)) { $0 | $1.cloneFlag }
        var spawned: Int32?
        do {
            defer { close(fds[1]) }
            if let forkServer {
                let payload = flags.littleEndianBytes + Array((hostname ?? "").utf8)
                try forkServer.request(.pinNamespaces, payload: payload, passing: fds[1])
            } else {
                spawned = try Spawn.start(Spawn.Request(path: executable, args: [CommandLine.arguments.first ?? "swiftrun", "pin-namespaces", String(flags), hostname ?? ""],
                                                        env: ["\(variable)=3"], fds: [(fds[1], 3)]))
            }
        } catch {
            close(fds[0])
            throw error
        }
        // Our end is closed exactly once, here: a second close could hit a
        // descriptor another thread has opened since (NIO's sockets did).
        // Closing it lets the helper exit; a forked one is reaped by its server.
        defer {
            close(fds[0])
            if let spawned { _ = try? waitForExit(spawned) }
        }
        // The helper reports a status byte (0 or errno) and its pid.
        var report = [UInt8](repeating: 0, count: 5)
        let got = report.withUnsafeMutableBytes { recv(fds[0], $0.baseAddress, 5, Int32(MSG_WAITALL)) }
        guard got == 5, report[0] == 0 else {
            let reason = got == 5
                ? "unshare or sethostname: \(SystemError(call: "unshare", errno: Int32(report[0])).reason); creating namespaces needs root (CAP_SYS_ADMIN)"
                : forkServer == nil ? "it exited without reporting" : "none was forked: \(ForkServer.sameBuildHint)"
            throw RuntimeError.other("the helper that creates namespaces \(kinds.map(\.rawValue)) failed (\(reason))")
        }
        let pid = Int32(littleEndianBytes: report[...], at: 1)
        var pinned: [NamespaceKind: String] = [:]
        do {
            for kind in kinds {
                let path = directory + "/" + kind.procName
                try LinuxMountSyscalls().createFile(path, mode: 0o444)
                try LinuxMountSyscalls().mount(source: "/proc/\(pid)/ns/\(kind.procName)", target: path, type: nil, flags: .bind, data: nil)
                pinned[kind] = path
            }
        } catch {
            remove(Array(pinned.values))
            throw error
        }
        return pinned
    }

    /// Unpins namespaces: the namespace goes away once nothing else uses it.
    /// Missing files are fine.
    public static func remove(_ paths: [String]) {
        for path in paths {
            _ = umount2(path, Int32(MNT_DETACH))
            unlink(path)
        }
    }

    /// Whether `path` is a pinned namespace (an nsfs bind mount).
    public static func isPinned(_ path: String) -> Bool {
        var st = statfs()
        return statfs(path, &st) == 0 && UInt(st.f_type) == 0x6e73_6673 // NSFS_MAGIC
    }

    /// The helper process started as `<exe> pin-namespaces FLAGS HOSTNAME`.
    static func runIfRequested() {
        let args = CommandLine.arguments
        guard args.count >= 4, args[1] == "pin-namespaces", let value = getenv(variable),
              let fd = Int32(String(cString: value)), let flags = Int32(args[2]) else { return }
        host(flags: flags, hostname: args[3], reportFD: fd)
    }

    /// The helper: unshare, report the status and our pid, and wait until
    /// the runtime has bind-mounted the namespaces (it closes the socket).
    static func host(flags: Int32, hostname: String, reportFD fd: Int32) -> Never {
        var status: UInt8 = 0
        if swr_unshare(flags) != 0 {
            status = UInt8(truncatingIfNeeded: errno)
        } else if !hostname.isEmpty, flags & NamespaceKind.uts.cloneFlag != 0, sethostname(hostname, hostname.utf8.count) != 0 {
            status = UInt8(truncatingIfNeeded: errno)
        }
        let pid = getpid()
        let report = [status] + pid.littleEndianBytes
        _ = report.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        var byte: UInt8 = 0
        _ = read(fd, &byte, 1)
        _exit(status == 0 ? 0 : 1)
    }
}
