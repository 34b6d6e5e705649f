#if canImport(Glibc)
import Glibc
#endif

extension CgroupManager {
    /// The process ids in the cgroup (read from the v2 tree when present, else
    /// from a v1 hierarchy).
    public func processes() -> [Int32] {
        let candidates = [paths[CgroupWrite.unified]] + host.v1.map { paths[$0.key] }
        for dir in candidates.compactMap({ $0 }) {
            if let text = try? fs.read(dir + "/cgroup.procs") {
                return text.split(separator: "\n").compactMap { Int32($0) }
            }
        }
        return []
    }

    /// Sends `signal` to every process in the cgroup. SIGKILL uses cgroup.kill
    /// where the kernel has it; otherwise the cgroup is frozen while signals go
    /// out, so nothing forks past us.
    public func killAll(signal: Int32) throws {
        if signal == SIGKILL, let dir = paths[CgroupWrite.unified], fs.exists(dir + "/cgroup.kill") {
            try fs.write(dir + "/cgroup.kill", "1")
            return
        }
        let frozen = (try? freeze()) != nil
        for pid in processes() {
            _ = kill(pid, signal)
        }
        if frozen { try? thaw() }
    }

    /// Freezes every process (`pause`).
    public func freeze() throws {
        try setFrozen(true)
    }

    /// Thaws every process (`resume`).
    public func thaw() throws {
        try setFrozen(false)
    }

    /// Whether the cgroup is frozen.
    public func isFrozen() -> Bool {
        if let (dir, v1) = freezerDirectory() {
            if v1 { return ((try? fs.read(dir + "/freezer.state")) ?? "") == "FROZEN" }
            return ((try? fs.read(dir + "/cgroup.events")) ?? "").contains("frozen 1")
        }
        return false
    }

    func freezerDirectory() -> (String, Bool)? {
        if case .v1(let h)? = host.location(of: "freezer"), let dir = paths[h.key] { return (dir, true) }
        if let dir = paths[CgroupWrite.unified], fs.exists(dir + "/cgroup.freeze") { return (dir, false) }
        return nil
    }

    func setFrozen(_ frozen: Bool) throws {
        guard let (dir, v1) = freezerDirectory() else {
            throw RuntimeError.cgroupUnavailable(controller: "freezer", layout: host.layout.rawValue, detail: "pause and resume need the v1 freezer or the v2 cgroup.freeze file")
        }
        for attempt in 0..<1000 {
            if v1 {
                try fs.write(dir + "/freezer.state", frozen ? "FROZEN" : "THAWED")
                let state = try fs.read(dir + "/freezer.state")
                if state == (frozen ? "FROZEN" : "THAWED") { return }
            } else {
                if attempt == 0 { try fs.write(dir + "/cgroup.freeze", frozen ? "1" : "0") }
                let events = try fs.read(dir + "/cgroup.events")
                if events.contains(frozen ? "frozen 1" : "frozen 0") { return }
            }
            usleep(1000)
        }
        throw RuntimeError.other("cgroup \(dir) did not become \(frozen ? "frozen" : "thawed") within a second")
    }

    /// How many times the kernel's OOM killer killed a process in this cgroup.
    public func oomKillCount() -> Int {
        let file: String?
        if case .v1(let h)? = host.location(of: "memory"), let dir = paths[h.key] {
            file = dir + "/memory.oom_control"
        } else if let dir = paths[CgroupWrite.unified] {
            file = dir + "/memory.events"
        } else {
            file = nil
        }
        guard let file, let text = try? fs.read(file) else { return 0 }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == "oom_kill", let n = Int(parts[1]) { return n }
        }
        return 0
    }
}
