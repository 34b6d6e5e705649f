#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import LinuxSystem

extension ContainerRuntime {
    /// Starts the user process of a created container.
    public func start(id: String) throws {
        try store.withLock(id) {
            let record = try store.load(id)
            let status = status(of: record)
            guard status == .created else { throw RuntimeError.invalidState(id: id, status: status, operation: "start") }
            let fifo = store.execFifo(id)
            let fd = try sys("open", fifo) { open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC) }
            defer { close(fd) }
            // Opening the read side releases the init's blocking open of the
            // write side; it then writes one byte and execs.
            var byte: UInt8 = 0
            while true {
                var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                _ = poll(&pfd, 1, 100)
                let n = read(fd, &byte, 1)
                if n == 1 { break }
                guard ProcFS.isAlive(record.pid, startTime: record.pidStartTime) else {
                    throw RuntimeError.other("cannot start container \"\(id)\": its init process has died")
                }
            }
            unlink(fifo)
            runHooksLoggingFailures(record.spec.hooks?.poststart, kind: "poststart", state: hookState(record, status: .running))
        }
    }

    /// Sends `signal` to the container's init, or with `all` to every process in it.
    public func kill(id: String, signal: Int32, all: Bool = false) throws {
        try store.withLock(id) {
            let record = try store.load(id)
            let status = status(of: record)
            guard status == .created || status == .running || status == .paused else {
                throw RuntimeError.invalidState(id: id, status: status, operation: "kill")
            }
            if all {
                try cgroups(of: record).killAll(signal: signal)
            } else {
                try signalInit(record, signal)
            }
        }
    }

    /// Signals the init through a pidfd, so a recycled pid is never hit.
    func signalInit(_ record: ContainerRecord, _ signal: Int32) throws {
        let pidfd = swr_pidfd_open(record.pid, 0)
        if pidfd >= 0 {
            defer { close(pidfd) }
            guard ProcFS.isAlive(record.pid, startTime: record.pidStartTime) else { return }
            try sys("pidfd_send_signal", "container \(record.id) pid \(record.pid)") { swr_pidfd_send_signal(pidfd, signal, 0) }
        } else if errno != ESRCH {
            guard ProcFS.isAlive(record.pid, startTime: record.pidStartTime) else { return }
            try sys("kill", "container \(record.id) pid \(record.pid)") { Glibc.kill(record.pid, signal) }
        }
    }

    /// Freezes every process of a running container.
    public func pause(id: String) throws {
        try store.withLock(id) {
            let record = try store.load(id)
            let status = status(of: record)
            guard status == .running else { throw RuntimeError.invalidState(id: id, status: status, operation: "pause") }
            try cgroups(of: record).freeze()
        }
    }

    /// Thaws a paused container.
    public func resume(id: String) throws {
        try store.withLock(id) {
            let record = try store.load(id)
            let status = status(of: record)
            guard status == .paused else { throw RuntimeError.invalidState(id: id, status: status, operation: "resume") }
            try cgroups(of: record).thaw()
        }
    }

    /// Changes the cgroup limits of a container.
    public func update(id: String, resources: Spec.Resources) throws {
        try store.withLock(id) {
            var record = try store.load(id)
            let status = status(of: record)
            guard status != .stopped else { throw RuntimeError.invalidState(id: id, status: status, operation: "update") }
            try cgroups(of: record).update(resources)
            var linux = record.spec.linux ?? Spec.Linux()
            var merged = linux.resources ?? Spec.Resources()
            if let v = resources.memory { merged.memory = v }
            if let v = resources.cpu { merged.cpu = v }
            if let v = resources.pids { merged.pids = v }
            if let v = resources.blockIO { merged.blockIO = v }
            if let v = resources.hugepageLimits { merged.hugepageLimits = v }
            if let v = resources.unified { merged.unified = v }
            if let v = resources.devices { merged.devices = v }
            linux.resources = merged
            record.spec.linux = linux
            try store.save(record)
        }
    }

    /// Removes a container: its cgroups, its state, after poststop hooks. A
    /// running container needs `force` (then it is killed first).
    public func delete(id: String, force: Bool = false) throws {
        try StateStore.validate(id: id)
        guard FileIO.isDirectory(store.directory(id)) else { throw RuntimeError.containerNotFound(id) }
        try store.withLock(id) {
            let record: ContainerRecord
            do {
                record = try store.load(id)
            } catch let error as RuntimeError {
                if case .containerNotFound = error { throw error }
                // A create interrupted before its first save left only the directory.
                try store.remove(id)
                return
            }
            let cgroup = cgroups(of: record)
            let alive = record.pid > 0 && ProcFS.isAlive(record.pid, startTime: record.pidStartTime)
            if alive {
                let status = status(of: record)
                if (status == .running || status == .paused) && !force {
                    throw RuntimeError.invalidState(id: id, status: status, operation: "delete")
                }
                try? signalInit(record, SIGKILL)
                try? cgroup.killAll(signal: SIGKILL)
                if status == .paused { try? cgroup.thaw() }
                waitUntilDead(record)
            }
            if let monitor = record.monitor {
                // Let the monitor record the exit before the directory goes.
                waitUntilGone(monitor.pid)
            }
            try cgroup.destroy()
            runHooksLoggingFailures(record.spec.hooks?.poststop, kind: "poststop", state: hookState(record, status: .stopped))
            try store.remove(id)
        }
    }

    /// Polls until `pid` (a monitor, not our child) is gone, up to 5 s.
    func waitUntilGone(_ pid: Int32) {
        let deadline = Monotonic.now() + 5
        var delay: UInt32 = 100
        while Glibc.kill(pid, 0) == 0 && ProcFS.state(of: pid) != "Z" && Monotonic.now() < deadline {
            usleep(delay)
            delay = min(delay * 2, 10_000)
        }
    }

    /// Polls until the init has exited (reaped by whoever is its parent), up to 10 s.
    func waitUntilDead(_ record: ContainerRecord) {
        let deadline = Monotonic.now() + 10
        var delay: UInt32 = 100
        while ProcFS.isAlive(record.pid, startTime: record.pidStartTime) && Monotonic.now() < deadline {
            usleep(delay)
            delay = min(delay * 2, 10_000)
        }
    }
}
