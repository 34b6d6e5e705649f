/// The kubelet's `/stats/summary` document (stats/v1alpha1), field for field
/// as Kubernetes encodes it, so metrics-server-style consumers and our API
/// server's metrics.k8s.io read it unchanged. Cumulative counters are as the
/// kernel reports them; `usageNanoCores` is a rate over the last two samples.
public struct StatsSummary: Codable, Sendable, Equatable {
    public var node: NodeStats
    public var pods: [PodStats]

    public init(node: NodeStats, pods: [PodStats]) {
        self.node = node
        self.pods = pods
    }

    public struct NodeStats: Codable, Sendable, Equatable {
        public var nodeName: String
        public var startTime: String?
        public var cpu: CPU?
        public var memory: Memory?
        public var network: Network?
        public var fs: FS?
        public var runtime: Runtime?
        public var rlimit: RLimit?
        public var systemContainers: [ContainerStats]?

        public init(nodeName: String) { self.nodeName = nodeName }
    }

    public struct Runtime: Codable, Sendable, Equatable {
        public var imageFs: FS?
        public var containerFs: FS?
    }

    public struct RLimit: Codable, Sendable, Equatable {
        public var time: String
        public var maxpid: Int64?
        public var curproc: Int64?
    }

    public struct PodReference: Codable, Sendable, Equatable {
        public var name: String
        public var namespace: String
        public var uid: String
    }

    public struct PodStats: Codable, Sendable, Equatable {
        public var podRef: PodReference
        public var startTime: String?
        public var containers: [ContainerStats]
        public var cpu: CPU?
        public var memory: Memory?
        public var network: Network?
        public var volume: [VolumeStats]?
        public var ephemeralStorage: FS?
        public var processStats: ProcessStats?

        enum CodingKeys: String, CodingKey {
            case podRef, startTime, containers, cpu, memory, network
            case volume, ephemeralStorage = "ephemeral-storage", processStats = "process_stats"
        }
    }

    public struct ContainerStats: Codable, Sendable, Equatable {
        public var name: String
        public var startTime: String?
        public var cpu: CPU?
        public var memory: Memory?
        public var rootfs: FS?
        public var logs: FS?
    }

    public struct CPU: Codable, Sendable, Equatable {
        public var time: String
        public var usageNanoCores: UInt64?
        public var usageCoreNanoSeconds: UInt64?
    }

    public struct Memory: Codable, Sendable, Equatable {
        public var time: String
        public var availableBytes: UInt64?
        public var usageBytes: UInt64?
        public var workingSetBytes: UInt64?
        public var rssBytes: UInt64?
        public var pageFaults: UInt64?
        public var majorPageFaults: UInt64?
    }

    public struct Interface: Codable, Sendable, Equatable {
        public var name: String
        public var rxBytes: UInt64?
        public var rxErrors: UInt64?
        public var txBytes: UInt64?
        public var txErrors: UInt64?
    }

    /// The default interface's counters inline, plus every interface.
    public struct Network: Codable, Sendable, Equatable {
        public var time: String
        public var name: String?
        public var rxBytes: UInt64?
        public var rxErrors: UInt64?
        public var txBytes: UInt64?
        public var txErrors: UInt64?
        public var interfaces: [Interface]?

        init(time: String, interfaces: [Interface], preferred: String) {
            self.time = time
            self.interfaces = interfaces
            if let main = interfaces.first(where: { $0.name == preferred }) ?? interfaces.first {
                name = main.name
                rxBytes = main.rxBytes
                rxErrors = main.rxErrors
                txBytes = main.txBytes
                txErrors = main.txErrors
            }
        }
    }

    public struct FS: Codable, Sendable, Equatable {
        public var time: String
        public var availableBytes: UInt64?
        public var capacityBytes: UInt64?
        public var usedBytes: UInt64?
        public var inodesFree: UInt64?
        public var inodes: UInt64?
        public var inodesUsed: UInt64?
    }

    /// A pod volume's space; `pvcRef` names the claim of a claim-backed one.
    public struct VolumeStats: Codable, Sendable, Equatable {
        public var name: String
        public var time: String
        public var availableBytes: UInt64?
        public var capacityBytes: UInt64?
        public var usedBytes: UInt64?
        public var inodesFree: UInt64?
        public var inodes: UInt64?
        public var inodesUsed: UInt64?
        public var pvcRef: PVCReference?

        public init(name: String, time: String) {
            self.name = name
            self.time = time
        }
    }

    public struct PVCReference: Codable, Sendable, Equatable, Hashable {
        public var name: String
        public var namespace: String
    }

    public struct ProcessStats: Codable, Sendable, Equatable {
        public var processCount: UInt64?

        enum CodingKeys: String, CodingKey { case processCount = "process_count" }
    }
}
