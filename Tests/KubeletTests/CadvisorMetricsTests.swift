import Testing
@testable import Kubelet
@testable import Runtime

/// `/metrics/cadvisor` from a summary: cAdvisor's names and labels, the summary's figures.
@Suite struct CadvisorMetricsTests {
    @Test func containerAndPodSeriesCarryTheSummarysFigures() {
        let t = "2026-12-07T10:00:00Z"
        var node = StatsSummary.NodeStats(nodeName: "n1")
        node.startTime = t
        var pod = StatsSummary.PodStats(podRef: .init(name: "web", namespace: "shop", uid: "u1"), startTime: t, containers: [])
        pod.containers = [.init(name: "app", startTime: t, cpu: .init(time: t, usageNanoCores: 5, usageCoreNanoSeconds: 2_500_000_000),
                                memory: .init(time: t, availableBytes: 1000, usageBytes: 3000, workingSetBytes: 2000, rssBytes: 1500, pageFaults: 7),
                                rootfs: .init(time: t, usedBytes: 4096, inodesUsed: 3), logs: .init(time: t, usedBytes: 100, inodesUsed: 1))]
        pod.cpu = .init(time: t, usageNanoCores: 5, usageCoreNanoSeconds: 3_000_000_000)
        pod.memory = .init(time: t, usageBytes: 5000, workingSetBytes: 4000)
        pod.network = .init(time: t, interfaces: [.init(name: "eth0", rxBytes: 10, rxErrors: 0, txBytes: 20, txErrors: 1)], preferred: "eth0")
        let text = CadvisorMetrics.render(StatsSummary(node: node, pods: [pod]),
                                          containers: ["u1": ["app": .init(id: "k8s-u1-app-0", image: "busybox:1.35")]],
                                          device: "/var/lib/kubelet", machineCores: 2, machineMemory: 1 << 30)
        let app = "container=\"app\",image=\"busybox:1.35\",name=\"k8s-u1-app-0\",namespace=\"shop\",pod=\"web\""
        let podLevel = "container=\"\",image=\"\",name=\"\",namespace=\"shop\",pod=\"web\""
        let ms = " 1796637600000"
        for line in [
            "container_cpu_usage_seconds_total{\(app)} 2.5\(ms)",
            "container_cpu_usage_seconds_total{\(podLevel)} 3\(ms)",
            "container_memory_working_set_bytes{\(app)} 2000\(ms)",
            "container_memory_working_set_bytes{\(podLevel)} 4000\(ms)",
            "container_memory_usage_bytes{\(app)} 3000\(ms)",
            "container_memory_rss{\(app)} 1500\(ms)",
            "container_memory_failures_total{\(app),failure_type=\"pgfault\",scope=\"container\"} 7\(ms)",
            "container_spec_memory_limit_bytes{\(app)} 3000",
            "container_spec_memory_limit_bytes{\(podLevel)} 0",
            "container_fs_usage_bytes{\(app),device=\"/var/lib/kubelet\"} 4096\(ms)",
            "container_network_receive_bytes_total{container=\"\",image=\"\",interface=\"eth0\",name=\"\",namespace=\"shop\",pod=\"web\"} 10\(ms)",
            "container_network_transmit_errors_total{container=\"\",image=\"\",interface=\"eth0\",name=\"\",namespace=\"shop\",pod=\"web\"} 1\(ms)",
            "container_start_time_seconds{\(app)} 1796637600",
            "machine_cpu_cores 2",
            "machine_memory_bytes 1073741824",
        ] {
            #expect(text.contains(line + "\n"), "missing: \(line)\n\(text)")
        }
    }

    @Test func blockIOIsCountedPerContainerAndDevice() {
        let t = "2026-12-07T10:00:00Z"
        var pod = StatsSummary.PodStats(podRef: .init(name: "web", namespace: "shop", uid: "u1"), startTime: t, containers: [])
        pod.containers = [.init(name: "app", startTime: t)]
        // As the kernel writes them: v1's per-op lines (with a Total), v2's io.stat.
        var blkio = ContainerStats.Blkio()
        blkio.ioServiceBytesRecursive = ContainerStats.Blkio.v1("8:0 Read 4096\n8:0 Write 8192\n8:0 Sync 0\n8:0 Total 12288\nTotal 12288\n")
        blkio.ioServicedRecursive = ContainerStats.Blkio.v2("8:0 rbytes=4096 wbytes=8192 rios=1 wios=2 dbytes=0 dios=0\n").ios
        #expect(blkio.ioServiceBytesRecursive.count == 4 && blkio.ioServicedRecursive.map(\.op) == ["Read", "Write"])
        let text = CadvisorMetrics.render(StatsSummary(node: .init(nodeName: "n1"), pods: [pod]),
                                          containers: ["u1": ["app": .init(id: "k8s-u1-app-0", image: "busybox:1.35")]],
                                          device: "/var/lib/kubelet", machineCores: 2, machineMemory: 1 << 30,
                                          blockIO: ["u1": ["app": blkio]], deviceName: { "/dev/sd\($0 == 8 ? "a" : "?")\($1)" })
        let app = "container=\"app\",image=\"busybox:1.35\",name=\"k8s-u1-app-0\",namespace=\"shop\",pod=\"web\",device=\"/dev/sda0\""
        for line in ["container_fs_reads_bytes_total{\(app)} 4096", "container_fs_writes_bytes_total{\(app)} 8192",
                     "container_fs_reads_total{\(app)} 1", "container_fs_writes_total{\(app)} 2"] {
            #expect(text.contains(line + "\n"), "missing: \(line)\n\(text)")
        }
    }
}
