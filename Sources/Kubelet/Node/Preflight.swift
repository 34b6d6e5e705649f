import Runtime
import Foundation
import Images
import LinuxSystem

/// `nodectl doctor`: checks that this host can run the node (cgroups,
/// kernel features, sysctls, limits, binaries) and says for each problem
/// what to do. Every check reads files under ``root`` (normally `/`), so
/// tests run them against a fake `/proc` and `/sys`.
public struct Preflight: Sendable {
    /// One finding.
    public struct Check: Codable, Sendable, Equatable {
        public enum Status: String, Codable, Sendable { case ok, warn, fail }
        public var name: String
        public var status: Status
        public var detail: String
        /// What to do about it (empty when ok).
        public var fix: String

        public init(_ name: String, _ status: Status, _ detail: String, fix: String = "") {
            self.name = name
            self.status = status
            self.detail = detail
            self.fix = fix
        }
    }

    /// Prefix of every path read (`/` on a real host).
    public let root: String
    /// The directories searched for binaries (from PATH).
    public let path: [String]
    public let isRoot: Bool

    public init(root: String = "/", path: [String] = Preflight.searchPath, isRoot: Bool? = nil) {
        self.root = root.hasSuffix("/") ? root : root + "/"
        self.path = path
        self.isRoot = isRoot ?? (getuid() == 0)
    }

    public static var searchPath: [String] {
        (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
            .split(separator: ":").map(String.init)
    }

    /// Every check, in the order they are printed.
    public func run() -> [Check] {
        let config = kernelConfig()
        return [privileges()] + cgroups() + namespaces() + [overlayfs(),
            module("nf_tables", for: "kube-proxy's service rules", option: "CONFIG_NF_TABLES", config: config),
            module("veth", for: "pod network interfaces", option: "CONFIG_VETH", config: config),
            module("bridge", for: "the node bridge", option: "CONFIG_BRIDGE", config: config), seccomp(), ipForward(), bridgeNetfilter(),
            inotify("max_user_instances", minimum: 128), inotify("max_user_watches", minimum: 8192), swap()] + binaries()
    }

    func read(_ path: String) -> String? {
        (try? FileIO.read(root + path)).map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    func exists(_ path: String) -> Bool { FileIO.exists(root + path) }

    func privileges() -> Check {
        isRoot ? Check("privileges", .ok, "running as root")
            : Check("privileges", .fail, "not running as root; the kubelet and nodectl need root for namespaces, mounts and cgroups", fix: "run with sudo")
    }

    func cgroups() -> [Check] {
        guard let mountinfo = read("proc/self/mountinfo") else {
            return [Check("cgroups", .fail, "cannot read /proc/self/mountinfo", fix: "mount proc at /proc")]
        }
        let host = CgroupHost.parse(mountinfo: mountinfo) { read(String($0.drop { $0 == "/" })) }
        guard host.unifiedMountpoint != nil || !host.v1.isEmpty else {
            return [Check("cgroups", .fail, "no cgroup filesystem is mounted",
                          fix: "mount -t cgroup2 none /sys/fs/cgroup (under `ip netns exec`, which remounts /sys, use `nsenter --net=` instead)")]
        }
        var checks = [Check("cgroup layout", .ok, host.summary)]
        let required = ["cpu", "memory", "pids"]
        let optional = ["cpuset", "io", "hugetlb"]
        let missing = required.filter { host.location(of: $0) == nil }
        if missing.isEmpty {
            checks.append(Check("cgroup controllers", .ok, "cpu, memory and pids are available"))
        } else {
            let fix = host.layout == .unified
                ? "enable them for children: echo '+\(missing.joined(separator: " +"))' > \(host.unifiedMountpoint ?? "/sys/fs/cgroup")/cgroup.subtree_control"
                : "mount the v1 hierarchies (mount -t cgroup -o \(missing.joined(separator: ",")) cgroup /sys/fs/cgroup/NAME) or boot with cgroup_enable=memory"
            checks.append(Check("cgroup controllers", .fail, "missing: \(missing.joined(separator: ", ")); limits and stats need them", fix: fix))
        }
        let absent = optional.filter { c in host.location(of: c) == nil && !(c == "io" && host.location(of: "blkio") != nil) }
        if !absent.isEmpty {
            checks.append(Check("optional controllers", .warn, "not available: \(absent.joined(separator: ", ")); pods asking for them get no such limits",
                                fix: "enable them in the kernel or cgroup mount if you need those limits"))
        }
        return checks
    }

    func namespaces() -> [Check] {
        let kinds = ["mnt", "pid", "net", "ipc", "uts", "cgroup", "user"]
        let missing = kinds.filter { !exists("proc/self/ns/\($0)") }
        var checks = [missing.isEmpty
            ? Check("namespaces", .ok, "mnt pid net ipc uts cgroup user" + (exists("proc/self/ns/time") ? " time" : ""))
            : Check("namespaces", .fail, "the kernel lacks \(missing.joined(separator: ", ")) namespaces", fix: "use a kernel built with CONFIG_NAMESPACES and the listed CONFIG_*_NS options")]
        if let max = read("proc/sys/user/max_user_namespaces"), max == "0" {
            checks.append(Check("user namespaces", .warn, "user.max_user_namespaces is 0; pods with hostUsers: false cannot start",
                                fix: "sysctl -w user.max_user_namespaces=15000"))
        }
        return checks
    }

    func overlayfs() -> Check {
        let filesystems = read("proc/filesystems") ?? ""
        if filesystems.split(separator: "\n").contains(where: { $0.hasSuffix("\toverlay") }) {
            return Check("overlayfs", .ok, "overlay filesystem available")
        }
        if exists("sys/module/overlay") { return Check("overlayfs", .ok, "overlay module loaded") }
        return Check("overlayfs", .warn, "overlay is not in /proc/filesystems (it may load on first use); container roots need it",
                     fix: "modprobe overlay")
    }

    /// `CONFIG_X` settings of the running kernel from /proc/config.gz, when it has one.
    func kernelConfig() -> [String: String]? {
        guard let bytes = try? Gunzip.file(root + "proc/config.gz") else { return nil }
        var config: [String: String] = [:]
        for line in String(decoding: bytes, as: UTF8.self).split(separator: "\n") where line.hasPrefix("CONFIG_") {
            let kv = line.split(separator: "=", maxSplits: 1)
            if kv.count == 2 { config[String(kv[0])] = String(kv[1]) }
        }
        return config
    }

    func module(_ name: String, for use: String, option: String, config: [String: String]?) -> Check {
        if exists("sys/module/\(name)") { return Check(name, .ok, "loaded (\(use))") }
        if let config {
            switch config[option] {
            case "y": return Check(name, .ok, "built into the kernel (\(use))")
            case "m": return Check(name, .ok, "a module, loaded on first use (\(use))")
            default: return Check(name, .fail, "the kernel is built without \(option); \(use) need it", fix: "use a kernel with \(option)=y or =m")
            }
        }
        let release = read("proc/sys/kernel/osrelease") ?? ""
        if !release.isEmpty, let deps = read("lib/modules/\(release)/modules.dep"), deps.contains("/\(name).ko") {
            return Check(name, .ok, "a module, loaded on first use (\(use))")
        }
        return Check(name, .warn, "not loaded, and neither /proc/config.gz nor /lib/modules says whether the kernel has it; \(use) need it",
                     fix: "modprobe \(name)")
    }

    func seccomp() -> Check {
        let status = read("proc/self/status") ?? ""
        if status.contains("Seccomp:") { return Check("seccomp", .ok, "seccomp filters supported") }
        return Check("seccomp", .fail, "the kernel has no seccomp (no Seccomp: line in /proc/self/status); RuntimeDefault profiles cannot be applied",
                     fix: "use a kernel with CONFIG_SECCOMP_FILTER")
    }

    func ipForward() -> Check {
        switch read("proc/sys/net/ipv4/ip_forward") {
        case "1": return Check("ip_forward", .ok, "net.ipv4.ip_forward = 1")
        case .some(let v):
            return Check("ip_forward", .warn, "net.ipv4.ip_forward = \(v); the kubelet sets it to 1 when it sets up the node network (pods cannot reach other nodes or services until then)",
                         fix: "sysctl -w net.ipv4.ip_forward=1")
        case nil: return Check("ip_forward", .fail, "no /proc/sys/net/ipv4/ip_forward", fix: "mount proc and use a kernel with IPv4 forwarding")
        }
    }

    func bridgeNetfilter() -> Check {
        guard let value = read("proc/sys/net/bridge/bridge-nf-call-iptables") else {
            return Check("bridge netfilter", .ok, "br_netfilter not loaded: bridged pod-to-pod traffic skips the IP hooks; kube-proxy masquerades hairpin service traffic so replies still return through the host")
        }
        return value == "1"
            ? Check("bridge netfilter", .ok, "net.bridge.bridge-nf-call-iptables = 1 (bridged traffic passes the IP hooks)")
            : Check("bridge netfilter", .warn, "br_netfilter is loaded but net.bridge.bridge-nf-call-iptables = \(value); a pod reaching a service backed by a pod on the same node may get replies it drops",
                    fix: "sysctl -w net.bridge.bridge-nf-call-iptables=1")
    }

    func inotify(_ key: String, minimum: Int) -> Check {
        guard let text = read("proc/sys/fs/inotify/\(key)"), let value = Int(text) else {
            return Check("inotify \(key)", .warn, "cannot read fs.inotify.\(key)", fix: "check that /proc/sys is mounted")
        }
        return value >= minimum
            ? Check("inotify \(key)", .ok, "fs.inotify.\(key) = \(value)")
            : Check("inotify \(key)", .warn, "fs.inotify.\(key) = \(value), below \(minimum); `kubectl logs -f` and config watches may fail with too many open files",
                    fix: "sysctl -w fs.inotify.\(key)=\(minimum * 4)")
    }

    func swap() -> Check {
        let lines = (read("proc/swaps") ?? "").split(separator: "\n").dropFirst()
        return lines.isEmpty
            ? Check("swap", .ok, "no swap in use")
            : Check("swap", .warn, "swap is on (\(lines.count) device(s)); memory limits count only RAM, so pods may swap instead of being OOM-killed",
                    fix: "swapoff -a")
    }

    /// What the node and its tests use from the host: required ones fail, optional ones warn.
    func binaries() -> [Check] {
        let wanted: [(name: String, package: String, required: Bool, use: String)] = [
            ("mount", "mount", false, "debugging mounts"),
            ("nft", "nftables", false, "inspecting kube-proxy's table (nft list table ip kube-proxy)"),
            ("kubectl", "kubernetes-client", false, "talking to the cluster"),
            ("nsenter", "util-linux", false, "running node processes in a lab's network namespaces"),
        ]
        return wanted.map { b in
            if let found = path.map({ "\($0)/\(b.name)" }).first(where: { FileIO.exists(root + String($0.drop { $0 == "/" })) }) {
                return Check("binary \(b.name)", .ok, found)
            }
            return Check("binary \(b.name)", b.required ? .fail : .warn, "\(b.name) is not on PATH; used for \(b.use)", fix: "apt-get install \(b.package)")
        }
    }
}
