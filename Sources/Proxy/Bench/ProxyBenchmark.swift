#if canImport(Glibc)
import Glibc
#endif
import Netfilter
import Netlink

/// `scripts/bench-proxy`'s measurements (through `kube-proxy --benchmark`):
/// a synthetic cluster of `services` Services with `endpoints` endpoints
/// each, synced into this network namespace's kernel.
public enum ProxyBenchmark {
    /// Wall-clock time and this thread's CPU time (user and system: the
    /// kernel applies a transaction in the sending thread) of one step. On
    /// a busy machine the wall time includes waiting for a CPU; the CPU time
    /// does not.
    public struct Timing: Sendable {
        public var wall: Duration = .zero
        public var cpu: Duration = .zero
    }

    public struct Figures: Sendable {
        public var model = Timing()
        public var fullSync = Timing()
        /// Of the full sync: reading the table and building the messages, and the kernel's part.
        public var fullSyncBuilding: Duration = .zero
        public var fullSyncKernel: Duration = .zero
        /// A second full sync over the table the first one wrote (what every
        /// `--full-sync-period` does: every chain flushed and rewritten).
        public var resync = Timing()
        public var addOne = Timing()
        /// Of adding one Service: building the messages, and the kernel's part.
        public var addOneBuilding: Duration = .zero
        public var addOneKernel: Duration = .zero
        public var changeEndpoint = Timing()
        /// The kernel's floor for any partial sync: a transaction that adds one
        /// rule to an empty chain nothing jumps to, without and with a jump.
        /// A jump, goto or NAT makes the kernel validate the whole table at
        /// commit (`nft_table_validate`), whatever else the transaction holds.
        public var ruleWithoutJump = Timing()
        public var ruleWithJump = Timing()
        public var fullSyncChanges = 0
        public var resyncChanges = 0
        public var addOneChanges = 0
        public var chains = 0
        public var rules = 0
        public var elements = 0
        public var rssKiB = 0

        /// `name value` lines for the script to read.
        public var lines: [String] {
            func timing(_ name: String, _ t: Timing) -> [String] { ["\(name)_seconds \(t.wall.seconds)", "\(name)_cpu_seconds \(t.cpu.seconds)"] }
            return timing("model", model) + timing("full_sync", fullSync)
                + ["full_sync_changes \(fullSyncChanges)", "full_sync_building_seconds \(fullSyncBuilding.seconds)",
                   "full_sync_kernel_seconds \(fullSyncKernel.seconds)"]
                + timing("resync", resync) + ["resync_changes \(resyncChanges)"]
                + timing("add_one", addOne)
                + ["add_one_changes \(addOneChanges)", "add_one_building_seconds \(addOneBuilding.seconds)", "add_one_kernel_seconds \(addOneKernel.seconds)"]
                + timing("change_endpoint", changeEndpoint)
                + timing("rule_without_jump", ruleWithoutJump) + timing("rule_with_jump", ruleWithJump)
                + ["chains \(chains)", "rules \(rules)", "elements \(elements)", "rss_kib \(rssKiB)"]
        }
    }

    /// Runs `body`, measuring it.
    static func measure(_ body: () throws -> Void) rethrows -> Timing {
        let clock = ContinuousClock()
        let cpu = threadCPUTime()
        let wall = try clock.measure(body)
        return Timing(wall: wall, cpu: threadCPUTime() - cpu)
    }

    /// CPU time of the calling thread.
    static func threadCPUTime() -> Duration {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
    }

    /// Whether this process runs in a named network namespace (`ip netns
    /// exec NAME`), the only place the benchmark may program rules.
    public static var inNamedNetworkNamespace: Bool {
        var mine = stat()
        guard stat("/proc/self/ns/net", &mine) == 0, let dir = opendir("/run/netns") else { return false }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            var other = stat()
            if name != ".", name != "..", stat("/run/netns/" + name, &other) == 0, other.st_ino == mine.st_ino, other.st_dev == mine.st_dev {
                return true
            }
        }
        return false
    }

    static func port(_ i: Int, endpoints: Int) -> ServicePortInfo {
        let name = ServiceName(namespace: "bench", name: "svc-\(i)")
        let vip = IPAddress.v4(0x0a60_0000 &+ UInt32(i + 1))  // 10.96.0.0/12
        let base = 0x0a80_0000 &+ UInt32(i * endpoints)         // 10.128.0.0/9
        return ServicePortInfo(service: name, portName: "http", proto: .tcp, port: 80, clusterIP: vip,
                               nodePort: i < 2000 ? UInt16(30000 + i) : nil,
                               endpoints: (0..<endpoints).map { ProxyEndpoint(address: .v4(base &+ UInt32($0)), port: 8080, nodeName: "bench-node") })
    }

    /// Runs the measurements; `finalRuleset` receives the table as synced
    /// last (to write it as `nft -f` input).
    public static func run(services: Int, endpoints: Int, finalRuleset: ((ProxyRuleset) throws -> Void)? = nil) throws -> Figures {
        var f = Figures()
        let configuration = RulesetConfiguration(family: .ipv4, table: "kube-proxy", nodeName: "bench-node", clusterCIDR: CIDR("10.128.0.0/9"))
        var ruleset = ProxyRuleset(configuration)
        f.model = try measure {
            var ports: [ServiceName: [ServicePortInfo]] = [:]
            for i in 0..<services { ports[ServiceName(namespace: "bench", name: "svc-\(i)")] = [port(i, endpoints: endpoints)] }
            ruleset = ProxyRuleset(configuration, services: ports)
            if ruleset.services.count != services { throw BenchmarkError(description: "the benchmark model has \(ruleset.services.count) Services, not \(services)") }
        }
        let syncer = TableSyncer(nft: try NFTables.open(), configuration: configuration)
        _ = try? syncer.deleteTable()
        var report: SyncReport?
        f.fullSync = try measure { report = try syncer.sync(ruleset, changed: [], kind: .full) }
        f.fullSyncChanges = report?.changes ?? 0
        f.fullSyncBuilding = report?.building ?? .zero
        f.fullSyncKernel = report?.kernel ?? .zero

        f.resync = try measure { report = try syncer.sync(ruleset, changed: [], kind: .full) }
        f.resyncChanges = report?.changes ?? 0

        let extra = port(services, endpoints: endpoints)
        f.addOne = try measure {
            ruleset.update(extra.service, ports: [extra])
            report = try syncer.sync(ruleset, changed: [extra.service], kind: .partial)
        }
        f.addOneChanges = report?.changes ?? 0
        f.addOneBuilding = report?.building ?? .zero
        f.addOneKernel = report?.kernel ?? .zero

        var changed = port(services / 2, endpoints: endpoints)
        changed.endpoints[0].address = .v4(0x0aff_0001)
        f.changeEndpoint = try measure {
            ruleset.update(changed.service, ports: [changed])
            try syncer.sync(ruleset, changed: [changed.service], kind: .partial)
        }
        (f.ruleWithoutJump, f.ruleWithJump) = try validationFloor(syncer.nft, configuration)
        f.chains = ruleset.chainCount
        f.rules = ruleset.ruleCount
        f.elements = ruleset.elementCount
        f.rssKiB = residentKiB()
        try finalRuleset?(ruleset)
        try syncer.deleteTable()
        return f
    }

    /// Times a one-rule transaction into a scratch chain nothing jumps to:
    /// `counter`, then `jump mark-for-masquerade` (the best of three each).
    static func validationFloor(_ nft: NFTables, _ configuration: RulesetConfiguration) throws -> (Timing, Timing) {
        let family = configuration.family.nftFamily, scratch = "bench-scratch"
        var create = NFTBatch(family: family, table: configuration.table)
        create.addChain(scratch)
        try nft.apply(create)
        func best(_ expressions: [NFTExpression]) throws -> Timing {
            var times: [Timing] = []
            for _ in 0..<3 {
                var b = NFTBatch(family: family, table: configuration.table)
                b.addRule(chain: scratch, expressions)
                times.append(try measure { try nft.apply(b) })
            }
            return times.min { $0.wall < $1.wall } ?? Timing()
        }
        let floor = (try best([.counter]), try best([.verdict(.jump, chain: ChainNames.markForMasquerade)]))
        var remove = NFTBatch(family: family, table: configuration.table)
        remove.flushChain(scratch)
        remove.deleteChain(scratch)
        try nft.apply(remove)
        return floor
    }

    /// VmRSS of this process.
    static func residentKiB() -> Int {
        guard let file = fopen("/proc/self/status", "r") else { return 0 }
        defer { fclose(file) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, Int32(line.count), file) != nil {
            let text = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if text.hasPrefix("VmRSS:") { return Int(text.split(separator: " ").dropFirst().first ?? "") ?? 0 }
        }
        return 0
    }
}

/// The benchmark could not set itself up.
struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
}
