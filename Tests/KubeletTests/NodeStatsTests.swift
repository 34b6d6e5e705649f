import Foundation
import Testing
@testable import Kubelet
import Runtime
import TestSupport
import LinuxSystem

@Suite struct NodeStatsTests {
    @Test func procStatCountsBusyTimeOnly() {
        let stat = "cpu  100 5 50 1000 40 3 2 1 0 0\ncpu0 50 2 25 500 20 1 1 0 0 0\n"
        // user+nice+system+irq+softirq+steal = 100+5+50+3+2+1 ticks at 100 Hz.
        #expect(ProcParsers.busyCPUNanoseconds(stat: stat) == 161 * 10_000_000)
        #expect(ProcParsers.busyCPUNanoseconds(stat: "intr 1 2 3\n") == nil)
    }

    @Test func meminfoIsInBytes() {
        let m = ProcParsers.meminfo("MemTotal:       16384 kB\nMemAvailable:    8192 kB\nHugePages_Total:       0\n")
        #expect(m["MemTotal"] == 16384 * 1024)
        #expect(m["MemAvailable"] == 8192 * 1024)
        #expect(m["HugePages_Total"] == 0)
    }

    @Test func netdevSkipsLoopback() {
        let text = """
            Inter-|   Receive                                                |  Transmit
             face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                lo:     500       5    0    0    0     0          0         0      500       5    0    0    0     0       0          0
              eth0:    1200      10    1    0    0     0          0         0      3400      20    2    0    0     0       0          0
            """
        let interfaces = ProcParsers.netdev(text, time: "t")
        #expect(interfaces.map(\.name) == ["eth0"])
        #expect(interfaces.first?.rxBytes == 1200 && interfaces.first?.rxErrors == 1)
        #expect(interfaces.first?.txBytes == 3400 && interfaces.first?.txErrors == 2)
    }

    @Test func cpuRatesNeedTwoSamplesAndForgetRestarts() {
        var rates = CPURates(minimumInterval: 0.5)
        #expect(rates.record("pod", cumulative: 1_000_000_000, at: 10) == nil)
        // Half a core for two seconds.
        #expect(rates.record("pod", cumulative: 2_000_000_000, at: 12) == 500_000_000)
        // Too close to the last sample: the previous rate stands.
        #expect(rates.record("pod", cumulative: 2_100_000_000, at: 12.1) == 500_000_000)
        // The counter went backwards (a new cgroup with the same key): no rate.
        #expect(rates.record("pod", cumulative: 10, at: 14) == nil)
        rates.retain([])
        #expect(rates.record("pod", cumulative: 10, at: 15) == nil)
    }

    @Test func resourceMetricsRenderPrometheusText() throws {
        let json = """
            {"node": {"nodeName": "n1", "cpu": {"time": "2026-11-24T10:00:00Z", "usageCoreNanoSeconds": 2000000000},
                      "memory": {"time": "2026-11-24T10:00:00Z", "workingSetBytes": 1048576}},
             "pods": [{"podRef": {"name": "web", "namespace": "default", "uid": "u1"},
                       "cpu": {"time": "2026-11-24T10:00:00Z", "usageCoreNanoSeconds": 500000000},
                       "memory": {"time": "2026-11-24T10:00:00Z", "workingSetBytes": 2048},
                       "containers": [{"name": "app", "startTime": "2026-11-24T09:00:00Z",
                                       "cpu": {"time": "2026-11-24T10:00:00Z", "usageCoreNanoSeconds": 250000000},
                                       "memory": {"time": "2026-11-24T10:00:00Z", "workingSetBytes": 1024}}]}]}
            """
        let summary = try JSONDecoder().decode(StatsSummary.self, from: Data(json.utf8))
        let text = ResourceMetrics.render(summary)
        #expect(text.contains("# TYPE node_cpu_usage_seconds_total counter"))
        #expect(text.contains("node_cpu_usage_seconds_total 2"))
        #expect(text.contains("container_cpu_usage_seconds_total{container=\"app\",namespace=\"default\",pod=\"web\"} 0.25"))
        #expect(text.contains("pod_memory_working_set_bytes{namespace=\"default\",pod=\"web\"} 2048"))
        // Field names as Kubernetes encodes them survive a round trip.
        let encoded = String(decoding: try JSONEncoder().encode(summary), as: UTF8.self)
        #expect(encoded.contains("\"podRef\"") && encoded.contains("\"workingSetBytes\""))
    }
}

@Suite struct PreflightTests {
    /// A fake host: files under a temporary root.
    func host(_ files: [String: String]) throws -> String {
        let root = TestPaths.temporaryDirectory("preflight")
        for (path, content) in files {
            let full = root + "/" + path
            try FileIO.makeDirectories(String(full[..<(full.lastIndex(of: "/") ?? full.endIndex)]), mode: 0o755)
            try FileIO.writeAtomically(full, Array(content.utf8), mode: 0o644)
        }
        return root
    }

    static let unifiedMount = "30 1 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n"

    func healthy() -> [String: String] {
        [
            "proc/self/mountinfo": Self.unifiedMount,
            "sys/fs/cgroup/cgroup.controllers": "cpuset cpu io memory hugetlb pids",
            "proc/self/ns/mnt": "", "proc/self/ns/pid": "", "proc/self/ns/net": "", "proc/self/ns/ipc": "",
            "proc/self/ns/uts": "", "proc/self/ns/cgroup": "", "proc/self/ns/user": "",
            "proc/filesystems": "nodev\tproc\nnodev\toverlay\n",
            "sys/module/nf_tables/x": "", "sys/module/veth/x": "", "sys/module/bridge/x": "",
            "proc/self/status": "Name:\ttest\nSeccomp:\t0\n",
            "proc/sys/net/ipv4/ip_forward": "1\n",
            "proc/sys/fs/inotify/max_user_instances": "8192\n",
            "proc/sys/fs/inotify/max_user_watches": "524288\n",
            "proc/swaps": "Filename\tType\tSize\tUsed\tPriority\n",
            "usr/bin/mount": "", "usr/sbin/nft": "", "usr/bin/kubectl": "", "usr/bin/nsenter": "",
        ]
    }

    @Test func aHealthyHostPassesEveryCheck() throws {
        let root = try host(healthy())
        defer { try? FileIO.removeTree(root) }
        let checks = Preflight(root: root, path: ["/usr/bin", "/usr/sbin"], isRoot: true).run()
        #expect(checks.allSatisfy { $0.status == .ok }, "\(checks.filter { $0.status != .ok })")
        #expect(checks.first { $0.name == "cgroup layout" }?.detail.contains("cgroup v2 (unified)") == true)
    }

    @Test func problemsSayWhatToDo() throws {
        var files = healthy()
        files["sys/fs/cgroup/cgroup.controllers"] = "cpu pids"
        files["proc/sys/net/ipv4/ip_forward"] = "0\n"
        files["proc/sys/fs/inotify/max_user_instances"] = "64\n"
        files["proc/swaps"] = "Filename\tType\tSize\tUsed\tPriority\n/swapfile file 1024 0 -2\n"
        files["sys/module/veth/x"] = nil
        files["usr/sbin/nft"] = nil
        let root = try host(files)
        defer { try? FileIO.removeTree(root) }
        let checks = Dictionary(uniqueKeysWithValues: Preflight(root: root, path: ["/usr/bin", "/usr/sbin"], isRoot: false).run().map { ($0.name, $0) })
        #expect(checks["privileges"]?.status == .fail)
        #expect(checks["cgroup controllers"]?.status == .fail)
        #expect(checks["cgroup controllers"]?.detail.contains("memory") == true)
        #expect(checks["cgroup controllers"]?.fix.contains("+memory") == true)
        #expect(checks["ip_forward"]?.status == .warn && checks["ip_forward"]?.fix == "sysctl -w net.ipv4.ip_forward=1")
        #expect(checks["inotify max_user_instances"]?.status == .warn)
        #expect(checks["swap"]?.fix == "swapoff -a")
        #expect(checks["veth"]?.status == .warn && checks["veth"]?.fix == "modprobe veth")
        #expect(checks["binary nft"]?.fix == "apt-get install nftables")
    }

    @Test func noCgroupMountIsAFailureWithAFix() throws {
        var files = healthy()
        files["proc/self/mountinfo"] = "22 1 0:21 / /proc rw - proc proc rw\n"
        let root = try host(files)
        defer { try? FileIO.removeTree(root) }
        let check = Preflight(root: root, path: [], isRoot: true).run().first { $0.name == "cgroups" }
        #expect(check?.status == .fail)
        #expect(check?.fix.contains("nsenter --net=") == true)
    }
}
