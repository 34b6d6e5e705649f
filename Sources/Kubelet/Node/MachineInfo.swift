#if canImport(Glibc)
import Glibc
#endif
public import KubeAPI
import Runtime
import LinuxSystem

/// Facts about this machine for the Node object: capacity, system info
/// (cAdvisor's MachineInfo; the scheduler's NodeInfo is its view of a Node).
public enum MachineInfo {
    /// Online CPUs.
    public static var cpus: Int {
        max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    }

    /// Bytes of memory (MemTotal).
    public static var memory: Int64 {
        for line in ((try? FileIO.read("/proc/meminfo")) ?? "").split(separator: "\n") where line.hasPrefix("MemTotal:") {
            let kb = line.split(separator: " ").dropFirst().first.flatMap { Int64($0) } ?? 0
            return kb * 1024
        }
        return 0
    }

    /// Bytes available and total on the filesystem holding `path`.
    public static func disk(_ path: String) -> (total: Int64, available: Int64) {
        var st = statvfs()
        guard statvfs(path, &st) == 0 else { return (0, 0) }
        return (Int64(st.f_blocks) * Int64(st.f_frsize), Int64(st.f_bavail) * Int64(st.f_frsize))
    }

    public static var kernelVersion: String {
        var u = utsname()
        uname(&u)
        return withUnsafeBytes(of: u.release) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
    }

    public static var osImage: String {
        for line in ((try? FileIO.read("/etc/os-release")) ?? "").split(separator: "\n") where line.hasPrefix("PRETTY_NAME=") {
            return String(line.dropFirst(12)).trimmingCharacters(in: "\"")
        }
        return "Linux"
    }

    public static var machineID: String { ((try? FileIO.readTrimmed("/etc/machine-id")) ?? "") }
    public static var bootID: String { ((try? FileIO.readTrimmed("/proc/sys/kernel/random/boot_id")) ?? "") }

    /// Capacity: cpu, memory, pods, ephemeral-storage.
    public static func capacity(rootDirectory: String, maxPods: Int) -> ResourceList {
        let disk = disk(rootDirectory)
        return [
            "cpu": Quantity(String(cpus)),
            "memory": Quantity("\(memory / 1024)Ki"),
            "pods": Quantity(String(maxPods)),
            "ephemeral-storage": Quantity("\(disk.total / 1024)Ki"),
        ]
    }

    public static func systemInfo() throws -> NodeSystemInfo {
        try KubeCodec.decode(NodeSystemInfo.self, from: JSONValue.object([
            "machineID": .string(machineID), "systemUUID": .string(machineID), "bootID": .string(bootID),
            "kernelVersion": .string(kernelVersion), "osImage": .string(osImage),
            "containerRuntimeVersion": .string(NodeVersion.nodeRuntimeVersion), "kubeletVersion": .string(NodeVersion.kubelet),
            "kubeProxyVersion": .string(NodeVersion.kubelet), "operatingSystem": .string("linux"),
            "architecture": .string(Platform.architectureName),
        ]))
    }
}

enum Platform {
    static var architectureName: String {
        #if arch(x86_64)
        return "amd64"
        #elseif arch(arm64)
        return "arm64"
        #else
        return "unknown"
        #endif
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
