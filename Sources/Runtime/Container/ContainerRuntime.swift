#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
public import Logging
import LinuxSystem

/// The OCI runtime as a library: the same operations as `swiftrun`'s
/// commands, on containers whose state lives under ``root``.
///
/// ```swift
/// let runtime = ContainerRuntime(root: "/run/swiftrun")
/// _ = try runtime.create(id: "web", bundle: "/srv/bundles/web")
/// try runtime.start(id: "web")
/// ```
///
/// Every executable that uses it must call ``ContainerInit/runIfRequested()``
/// first in `main`: the container init is this same executable re-run.
public struct ContainerRuntime: Sendable {
    public let store: StateStore
    /// The executable started as the container init (`<exe> init`).
    public let initExecutable: String
    /// Forks container monitors when set (a long-lived caller such as the
    /// kubelet); otherwise each monitor is `initExecutable` started anew.
    public let forkServer: ForkServer?
    public let logger: Logger

    public init(root: String = "/run/swiftrun", initExecutable: String = "/proc/self/exe", forkServer: ForkServer? = nil,
                logger: Logger = Logger(label: "swiftrun")) {
        self.store = StateStore(root: root)
        self.initExecutable = initExecutable
        self.forkServer = forkServer
        self.logger = logger
    }

    // MARK: - Queries

    /// The OCI state of a container.
    public func state(id: String) throws -> OCIState {
        let record = try store.load(id)
        return makeState(record, status: status(of: record))
    }

    /// The state of every container under the root.
    public func list() -> [OCIState] {
        store.ids().compactMap { try? state(id: $0) }
    }

    /// The state of the containers whose id starts with `prefix` (only
    /// their records are read).
    public func list(idPrefix prefix: String) -> [OCIState] {
        store.ids(prefix: prefix).compactMap { try? state(id: $0) }
    }

    /// The record as persisted (for the kubelet and nodectl).
    public func record(id: String) throws -> ContainerRecord {
        try store.load(id)
    }

    func makeState(_ record: ContainerRecord, status: OCIStatus) -> OCIState {
        OCIState(id: record.id, pid: status == .stopped ? 0 : record.pid, status: status, bundle: record.bundle,
                       rootfs: record.rootfs, created: record.created, owner: "", annotations: record.spec.annotations)
    }

    /// Derives the status from the live system: the init's pid and start
    /// time, the exec FIFO (present until `start`), and the freezer.
    func status(of record: ContainerRecord) -> OCIStatus {
        let alive = record.pid > 0 && ProcFS.isAlive(record.pid, startTime: record.pidStartTime)
        if record.phase == .creating {
            return alive || isBeingCreated(record.id) ? .creating : .stopped
        }
        guard alive else { return .stopped }
        if FileIO.exists(store.execFifo(record.id)) { return .created }
        if cgroups(of: record).isFrozen() { return .paused }
        return .running
    }

    /// Whether a `create` holds the container's lock right now.
    func isBeingCreated(_ id: String) -> Bool {
        let fd = open(store.directory(id), O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }

    func cgroups(of record: ContainerRecord) -> CgroupManager {
        CgroupManager(host: record.cgroupHost, paths: record.cgroupPaths)
    }

    /// The pids of all processes in the container.
    public func processes(id: String) throws -> [Int32] {
        let record = try store.load(id)
        return cgroups(of: record).processes()
    }

    /// Resource usage of the container from its cgroups.
    public func stats(id: String) throws -> ContainerStats {
        let record = try store.load(id)
        return ContainerStats.read(cgroups(of: record))
    }

    /// The state JSON handed to hooks.
    func hookState(_ record: ContainerRecord, status: OCIStatus) -> String {
        let state = makeState(record, status: status)
        let hookState = HookState(ociVersion: state.ociVersion, id: state.id, status: status.rawValue, pid: record.pid, bundle: record.bundle, annotations: record.spec.annotations)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(hookState)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// Runs hooks whose failure must not stop the lifecycle (poststart, poststop): logged.
    func runHooksLoggingFailures(_ hooks: [Spec.Hook]?, kind: String, state: String) {
        for hook in hooks ?? [] {
            do {
                try HookRunner.runOne(hook, kind: kind, state: state)
            } catch {
                logger.warning("\(error)")
            }
        }
    }

    static func timestamp() -> String {
        Date().formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
    }
}

/// The state the runtime-spec hands to hooks on stdin.
struct HookState: Codable {
    var ociVersion: String
    var id: String
    var status: String
    var pid: Int32
    var bundle: String
    var annotations: [String: String]?
}
