public import KubeAPI

/// Amounts of resources as integers: millicores, bytes, counts. Parsed once
/// per pod or node so filters and scores compare integers, not quantities.
public struct Resources: Sendable, Hashable {
    public var milliCPU: Int64 = 0
    public var memory: Int64 = 0
    public var ephemeralStorage: Int64 = 0
    /// Pod slots (only meaningful for allocatable).
    public var pods: Int64 = 0
    /// Extended and other resources (`example.com/gpu`, `hugepages-2Mi`), by name.
    public var scalar: [String: Int64] = [:]

    public init(milliCPU: Int64 = 0, memory: Int64 = 0, ephemeralStorage: Int64 = 0, pods: Int64 = 0, scalar: [String: Int64] = [:]) {
        self.milliCPU = milliCPU
        self.memory = memory
        self.ephemeralStorage = ephemeralStorage
        self.pods = pods
        self.scalar = scalar
    }

    /// Parses a resource list (requests, limits, allocatable).
    public init(_ list: ResourceList?) {
        guard let list else { return }
        for (name, q) in list {
            switch name {
            case "cpu": milliCPU = q.milliValue
            case "memory": memory = q.value
            case "ephemeral-storage": ephemeralStorage = q.value
            case "pods": pods = q.value
            default: scalar[name] = q.value
            }
        }
    }

    public mutating func add(_ o: Resources) {
        milliCPU += o.milliCPU
        memory += o.memory
        ephemeralStorage += o.ephemeralStorage
        pods += o.pods
        for (k, v) in o.scalar { scalar[k, default: 0] += v }
    }

    public mutating func subtract(_ o: Resources) {
        milliCPU -= o.milliCPU
        memory -= o.memory
        ephemeralStorage -= o.ephemeralStorage
        pods -= o.pods
        for (k, v) in o.scalar {
            let n = (scalar[k] ?? 0) - v
            scalar[k] = n == 0 ? nil : n
        }
    }

    /// The larger of each amount.
    public mutating func maximize(_ o: Resources) {
        milliCPU = max(milliCPU, o.milliCPU)
        memory = max(memory, o.memory)
        ephemeralStorage = max(ephemeralStorage, o.ephemeralStorage)
        pods = max(pods, o.pods)
        for (k, v) in o.scalar { scalar[k] = max(scalar[k] ?? 0, v) }
    }

    public static func + (a: Resources, b: Resources) -> Resources {
        var r = a
        r.add(b)
        return r
    }

    /// True when nothing is requested.
    public var isZero: Bool { milliCPU == 0 && memory == 0 && ephemeralStorage == 0 && scalar.values.allSatisfy { $0 == 0 } }
}

/// How much a pod asks for, as the scheduler counts it.
public enum PodRequests {
    /// CPU and memory assumed for a container that requests none, for scoring
    /// only (kube-scheduler's non-zero defaults: 100m and 200Mi).
    public static let defaultMilliCPU: Int64 = 100
    public static let defaultMemory: Int64 = 200 * 1024 * 1024

    static func container(_ c: Container) -> Resources { Resources(c.resources?.requests) }

    /// The pod's effective request: the larger of the regular containers'
    /// sum (plus restartable init containers, i.e. sidecars) and the largest
    /// init container step, plus pod overhead. `spec.resources` (pod-level
    /// requests) wins when set.
    public static func effective(_ spec: PodSpec) -> Resources {
        if let podLevel = spec.resources?.requests, !podLevel.isEmpty {
            var r = Resources(podLevel)
            r.add(Resources(spec.overhead))
            r.pods = 0
            return r
        }
        var sum = Resources()
        for c in spec.containers { sum.add(container(c)) }
        var sidecars = Resources()
        var initMax = Resources()
        for c in spec.initContainers ?? [] {
            let req = container(c)
            if c.restartPolicy == "Always" {
                sidecars.add(req)
                initMax.maximize(sidecars)
            } else {
                initMax.maximize(sidecars + req)
            }
        }
        var total = sum + sidecars
        total.maximize(initMax)
        total.add(Resources(spec.overhead))
        total.pods = 0
        return total
    }

    /// CPU and memory for scoring, with the non-zero defaults for containers that request nothing.
    public static func nonZero(_ spec: PodSpec) -> (milliCPU: Int64, memory: Int64) {
        var cpu: Int64 = 0
        var mem: Int64 = 0
        for c in spec.containers {
            let r = container(c)
            cpu += c.resources?.requests?["cpu"] == nil ? defaultMilliCPU : r.milliCPU
            mem += c.resources?.requests?["memory"] == nil ? defaultMemory : r.memory
        }
        var initCPU: Int64 = 0
        var initMem: Int64 = 0
        for c in spec.initContainers ?? [] where c.restartPolicy != "Always" {
            let r = container(c)
            initCPU = max(initCPU, c.resources?.requests?["cpu"] == nil ? defaultMilliCPU : r.milliCPU)
            initMem = max(initMem, c.resources?.requests?["memory"] == nil ? defaultMemory : r.memory)
        }
        let overhead = Resources(spec.overhead)
        return (max(cpu, initCPU) + overhead.milliCPU, max(mem, initMem) + overhead.memory)
    }
}
