import Testing
#if canImport(Glibc)
import Glibc
#endif
@testable import Runtime
import LinuxSystem

/// Validation happens before anything touches the host: each bad field is
/// refused with its name.
@Suite final class ContainerPlanTests {
    let bundle: String

    deinit { try? FileIO.removeTree(bundle) }

    init() throws {
        var template = Array("/tmp/swiftrun-plan-XXXXXX".utf8CString)
        let dir = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
        try FileIO.makeDirectories(dir + "/rootfs")
        bundle = dir
    }

    func spec(_ change: (inout Spec) -> Void = { _ in }) -> Spec {
        var s = Spec.defaultConfig(terminal: false)
        change(&s)
        return s
    }

    func expectInvalid(_ field: String, _ change: (inout Spec) -> Void, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(sourceLocation: sourceLocation) {
            _ = try ContainerPlan(id: "x", bundle: bundle, spec: spec(change), noPivot: false, noNewKeyring: false)
        } throws: { error in
            guard case RuntimeError.invalidConfig(let f, _) = error else { return false }
            return f == field
        }
    }

    @Test func defaultSpecIsValid() throws {
        let plan = try ContainerPlan(id: "x", bundle: bundle, spec: spec(), noPivot: false, noNewKeyring: false)
        #expect(plan.rootfs == bundle + "/rootfs")
        #expect(plan.cgroupsPath == "/x")
        #expect(plan.namespaces.create.contains(.mount))
        #expect(plan.initConfig.process.capabilities.bounding == (1 << 29) | (1 << 5) | (1 << 10))
        #expect(plan.initConfig.rootfs?.mounts.count == 7)
        #expect(plan.deviceRules.first == Spec.DeviceRule(allow: false, type: "a", access: "rwm"))
    }

    @Test func rejectsBadFields() {
        expectInvalid("ociVersion") { $0.ociVersion = "2.0.0" }
        expectInvalid("root.path") { $0.root = Spec.Root(path: "missing") }
        expectInvalid("process.args") { $0.process?.args = [] }
        expectInvalid("process.cwd") { $0.process?.cwd = "relative" }
        expectInvalid("process.env[0]") { $0.process?.env = ["NOEQUALS"] }
        expectInvalid("process.oomScoreAdj") { $0.process?.oomScoreAdj = 5000 }
        expectInvalid("process.capabilities.bounding[0]") { $0.process?.capabilities?.bounding = ["CAP_NOPE"] }
        expectInvalid("process.rlimits[0].type") { $0.process?.rlimits = [Spec.Rlimit(type: "RLIMIT_BOGUS", hard: 1, soft: 1)] }
        expectInvalid("process.rlimits[0]") { $0.process?.rlimits = [Spec.Rlimit(type: "RLIMIT_NOFILE", hard: 1, soft: 2)] }
        expectInvalid("linux.namespaces[0].type") { $0.linux?.namespaces = [Spec.Namespace(type: "bogus")] }
        expectInvalid("linux.namespaces[1].type") { $0.linux?.namespaces = [Spec.Namespace(type: "pid"), Spec.Namespace(type: "pid")] }
        expectInvalid("linux.namespaces[0].path") { $0.linux?.namespaces = [Spec.Namespace(type: "network", path: "rel")] }
        expectInvalid("linux.namespaces") { $0.hostname = nil; $0.linux?.namespaces = [Spec.Namespace(type: "pid")] }
        expectInvalid("linux.uidMappings") { $0.linux?.namespaces?.append(Spec.Namespace(type: "user")) }
        expectInvalid("linux.uidMappings") { $0.linux?.uidMappings = [Spec.IDMapping(containerID: 0, hostID: 1000, size: 1)] }
        expectInvalid("hostname") { $0.linux?.namespaces?.removeAll { $0.type == "uts" } }
        expectInvalid("linux.sysctl[\"net.ipv4.ip_forward\"]") {
            $0.linux?.namespaces?.removeAll { $0.type == "network" }
            $0.linux?.sysctl = ["net.ipv4.ip_forward": "1"]
        }
        expectInvalid("linux.sysctl[\"vm.swappiness\"]") { $0.linux?.sysctl = ["vm.swappiness": "1"] }
        expectInvalid("linux.timeOffsets") { $0.linux?.timeOffsets = ["monotonic": Spec.TimeOffset(secs: 1, nanosecs: 0)] }
        expectInvalid("mounts[0].destination") { $0.mounts = [Spec.Mount(destination: "relative", type: "tmpfs", source: "tmpfs")] }
        expectInvalid("mounts[0].options") { $0.mounts = [Spec.Mount(destination: "/x", type: "tmpfs", source: "tmpfs", options: ["idmap"])] }
        expectInvalid("mounts[0].source") { $0.mounts = [Spec.Mount(destination: "/x", type: "bind", source: "/does/not/exist", options: ["rbind"])] }
        expectInvalid("mounts[0].type") { $0.mounts = [Spec.Mount(destination: "/x")] }
        expectInvalid("linux.rootfsPropagation") { $0.linux?.rootfsPropagation = "sideways" }
        expectInvalid("linux.devices[0].type") { $0.linux?.devices = [Spec.Device(type: "x", path: "/dev/x", major: 1, minor: 1)] }
        expectInvalid("linux.resources.devices[0].access") { $0.linux?.resources?.devices = [Spec.DeviceRule(allow: true, type: "c", access: "rwx")] }
        expectInvalid("linux.seccomp.defaultAction") { $0.linux?.seccomp = Spec.Seccomp(defaultAction: "SCMP_ACT_MAYBE") }
        expectInvalid("linux.seccomp.syscalls[0].args[0].op") {
            $0.linux?.seccomp = Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [
                Spec.Syscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO", args: [Spec.SyscallArg(index: 0, value: 0, op: "SCMP_CMP_ABOUT")])])
        }
        expectInvalid("linux.seccomp.architectures[0]") { $0.linux?.seccomp = Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", architectures: ["SCMP_ARCH_Z80"]) }
        expectInvalid("linux.intelRdt") { $0.linux?.intelRdt = .object([:]) }
        expectInvalid("process") { $0.process = nil }
        expectInvalid("linux") { $0.linux = nil }
    }

    @Test func relativeBindSourceResolvesAgainstBundle() throws {
        try FileIO.makeDirectories(bundle + "/data")
        let plan = try ContainerPlan(id: "x", bundle: bundle, spec: spec {
            $0.mounts = [Spec.Mount(destination: "/data", type: "bind", source: "data", options: ["rbind", "ro"])]
        }, noPivot: false, noNewKeyring: false)
        let entry = try #require(plan.initConfig.rootfs?.mounts.first)
        #expect(entry.source == bundle + "/data")
        #expect(entry.kind == .bind)
        #expect(entry.options.flags.contains([.bind, .recursive, .readOnly]))
    }
}
