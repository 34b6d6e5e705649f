public import KubeAPI
public import Runtime

/// A pod's quality-of-service class and the cgroup settings that follow
/// from its requests and limits, as the kubelet computes them.
public enum QoSClass: String, Sendable {
    case guaranteed = "Guaranteed"
    case burstable = "Burstable"
    case bestEffort = "BestEffort"

    /// Guaranteed: every container has cpu and memory limits equal to its
    /// requests; BestEffort: no container asks for or limits anything;
    /// Burstable: everything else.
    public init(_ spec: PodSpec) {
        let containers = spec.containers + (spec.initContainers ?? [])
        var any = false
        var guaranteed = true
        for c in containers {
            let requests = c.resources?.requests ?? [:]
            let limits = c.resources?.limits ?? [:]
            if !requests.isEmpty || !limits.isEmpty { any = true }
            for resource in ["cpu", "memory"] {
                guard let limit = limits[resource], limit.milliValue > 0 else { guaranteed = false; continue }
                if let request = requests[resource], request.milliValue != limit.milliValue { guaranteed = false }
            }
        }
        self = !any ? .bestEffort : guaranteed ? .guaranteed : .burstable
    }
}

/// cgroup paths and values for pods and containers, under `kubepods`.
public enum PodCgroups {
    /// The pod's cgroup: `/kubepods/pod<UID>` (Guaranteed),
    /// `/kubepods/burstable/pod<UID>`, `/kubepods/besteffort/pod<UID>`.
    /// Under `root` (`--cgroup-root`) when one is given.
    public static func podPath(uid: String, qos: QoSClass, root: String = "") -> String {
        let base = root.hasSuffix("/") ? String(root.dropLast()) : root
        switch qos {
        case .guaranteed: return base + "/kubepods/pod\(uid)"
        case .burstable: return base + "/kubepods/burstable/pod\(uid)"
        case .bestEffort: return base + "/kubepods/besteffort/pod\(uid)"
        }
    }

    /// cpu.shares from a cpu request in millicores (2 minimum, as the kubelet does).
    public static func shares(milliCPU: Int64) -> UInt64 {
        milliCPU <= 0 ? 2 : UInt64(max(2, milliCPU * 1024 / 1000))
    }

    /// CFS quota for a cpu limit in millicores over `period` µs.
    public static func quota(milliCPU: Int64, period: UInt64 = 100_000) -> Int64 {
        max(1000, milliCPU * Int64(period) / 1000)
    }

    /// The container's resources.
    public static func containerResources(_ c: Container, pidsLimit: Int64?) -> Spec.Resources {
        let requests = c.resources?.requests ?? [:]
        let limits = c.resources?.limits ?? [:]
        var cpu = Spec.CPU()
        // A limit without a request means request = limit (API defaulting does this too).
        let cpuRequest = requests["cpu"]?.milliValue ?? limits["cpu"]?.milliValue ?? 0
        cpu.shares = shares(milliCPU: cpuRequest)
        if let l = limits["cpu"]?.milliValue, l > 0 {
            cpu.quota = quota(milliCPU: l)
            cpu.period = 100_000
        }
        var r = Spec.Resources(cpu: cpu)
        if let m = limits["memory"]?.value, m > 0 {
            r.memory = Spec.Memory(limit: m)
        }
        if let pidsLimit, pidsLimit > 0 { r.pids = Spec.Pids(limit: pidsLimit) }
        return r
    }

    /// The pod-level cgroup: shares from the sum of requests; cpu and memory
    /// limits only when every container has one.
    public static func podResources(_ spec: PodSpec, qos: QoSClass) -> Spec.Resources {
        let containers = spec.containers
        var milliRequest: Int64 = 0
        var milliLimit: Int64 = 0, memoryLimit: Int64 = 0
        var allCPULimited = !containers.isEmpty, allMemoryLimited = !containers.isEmpty
        for c in containers {
            let requests = c.resources?.requests ?? [:]
            let limits = c.resources?.limits ?? [:]
            milliRequest += requests["cpu"]?.milliValue ?? limits["cpu"]?.milliValue ?? 0
            if let l = limits["cpu"]?.milliValue, l > 0 { milliLimit += l } else { allCPULimited = false }
            if let l = limits["memory"]?.value, l > 0 { memoryLimit += l } else { allMemoryLimited = false }
        }
        // Init containers run alone: the pod needs at least the largest of them.
        for c in spec.initContainers ?? [] {
            milliRequest = max(milliRequest, c.resources?.requests?["cpu"]?.milliValue ?? 0)
            if let l = c.resources?.limits?["memory"]?.value { memoryLimit = max(memoryLimit, l) }
            if let l = c.resources?.limits?["cpu"]?.milliValue { milliLimit = max(milliLimit, l) }
        }
        for (name, q) in spec.overhead ?? [:] {
            if name == "cpu" { milliRequest += q.milliValue; milliLimit += q.milliValue }
            if name == "memory" { memoryLimit += q.value }
        }
        var cpu = Spec.CPU(shares: qos == .bestEffort ? 2 : shares(milliCPU: milliRequest))
        if allCPULimited {
            cpu.quota = quota(milliCPU: milliLimit)
            cpu.period = 100_000
        }
        var r = Spec.Resources(cpu: cpu)
        if allMemoryLimited { r.memory = Spec.Memory(limit: memoryLimit) }
        return r
    }

    /// Millicores of cpu and bytes of memory requested by a pod (for admission).
    public static func requests(_ spec: PodSpec) -> (milliCPU: Int64, memory: Int64) {
        var cpu: Int64 = 0, memory: Int64 = 0
        for c in spec.containers {
            cpu += c.resources?.requests?["cpu"]?.milliValue ?? 0
            memory += c.resources?.requests?["memory"]?.value ?? 0
        }
        for c in spec.initContainers ?? [] {
            cpu = max(cpu, c.resources?.requests?["cpu"]?.milliValue ?? 0)
            memory = max(memory, c.resources?.requests?["memory"]?.value ?? 0)
        }
        cpu += spec.overhead?["cpu"]?.milliValue ?? 0
        memory += spec.overhead?["memory"]?.value ?? 0
        return (cpu, memory)
    }
}
