import Testing
@testable import Runtime
import LinuxSystem

@Suite struct SeccompCompilerTests {
    @Test func compilesAProfileWithArgumentsAndArchitectures() throws {
        let program = try SeccompCompiler.compile(Spec.Seccomp(
            defaultAction: "SCMP_ACT_ERRNO", defaultErrnoRet: 1,
            architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            flags: ["SECCOMP_FILTER_FLAG_LOG"],
            syscalls: [
                Spec.Syscall(names: ["read", "write", "exit_group", "not_a_syscall_anywhere"], action: "SCMP_ACT_ALLOW"),
                Spec.Syscall(names: ["personality"], action: "SCMP_ACT_ALLOW", args: [
                    Spec.SyscallArg(index: 0, value: 0, op: "SCMP_CMP_EQ"),
                    Spec.SyscallArg(index: 0, value: 8, op: "SCMP_CMP_EQ"),
                ]),
                Spec.Syscall(names: ["clone"], action: "SCMP_ACT_ALLOW", args: [
                    Spec.SyscallArg(index: 0, value: 0x7E02_0000, valueTwo: 0, op: "SCMP_CMP_MASKED_EQ"),
                ]),
            ]))
        #expect(program.flags == 2)
        #expect(program.instructions.count % 8 == 0)
        #expect(program.count > 10)
    }

    @Test func actionsMapToLibseccompValues() throws {
        #expect(try SeccompCompiler.action("SCMP_ACT_ALLOW", errnoRet: nil, field: "f") == 0x7fff_0000)
        #expect(try SeccompCompiler.action("SCMP_ACT_ERRNO", errnoRet: 13, field: "f") == 0x0005_000d)
        #expect(try SeccompCompiler.action("SCMP_ACT_ERRNO", errnoRet: nil, field: "f") == 0x0005_0001)
        #expect(try SeccompCompiler.action("SCMP_ACT_KILL_PROCESS", errnoRet: nil, field: "f") == 0x8000_0000)
        #expect(throws: RuntimeError.self) { try SeccompCompiler.action("SCMP_ACT_NOTIFY", errnoRet: nil, field: "f") }
    }

    @Test func rejectsBadProfiles() {
        #expect(throws: RuntimeError.self) { try SeccompCompiler.compile(Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", flags: ["SECCOMP_FILTER_FLAG_BOGUS"])) }
        #expect(throws: RuntimeError.self) { try SeccompCompiler.compile(Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW", syscalls: [
            Spec.Syscall(names: ["read"], action: "SCMP_ACT_ERRNO", args: [Spec.SyscallArg(index: 6, value: 0, op: "SCMP_CMP_EQ")])])) }
        var s = Spec.Seccomp(defaultAction: "SCMP_ACT_ALLOW")
        s.listenerPath = "/run/listener"
        #expect(throws: RuntimeError.self) { try SeccompCompiler.compile(s) }
    }
}

@Suite struct CapabilityTests {
    @Test func parsesNamesIntoMasks() throws {
        let sets = try CapabilitySets(Spec.Capabilities(
            bounding: ["CAP_CHOWN", "cap_kill", "NET_ADMIN"], effective: ["CAP_KILL"], inheritable: ["CAP_KILL"],
            permitted: ["CAP_KILL", "CAP_CHOWN"], ambient: ["CAP_KILL", "CAP_CHOWN"]))
        #expect(sets.bounding == (1 << 0) | (1 << 5) | (1 << 12))
        #expect(sets.effective == 1 << 5)
        // CAP_CHOWN is not inheritable, so it cannot be ambient.
        #expect(sets.ambient == 1 << 5)
        #expect(CapabilitySets.names(1 << 21) == ["CAP_SYS_ADMIN"])
        #expect(CapabilitySets.number(of: "CAP_SYS_ADMIN") == 21)
    }

    @Test func unknownCapabilityNamesTheSet() {
        #expect {
            try CapabilitySets(Spec.Capabilities(permitted: ["CAP_FLY"]))
        } throws: { error in
            guard case RuntimeError.invalidConfig(let field, _) = error else { return false }
            return field == "process.capabilities.permitted[0]"
        }
    }
}

@Suite struct RlimitAndSignalTests {
    @Test func resolvesRlimits() throws {
        let limits = try ResolvedRlimit.resolve([Spec.Rlimit(type: "RLIMIT_NOFILE", hard: 10, soft: 5), Spec.Rlimit(type: "RLIMIT_NPROC", hard: 1, soft: 1)])
        #expect(limits.map(\.resource) == [7, 6])
        #expect(throws: RuntimeError.self) { try ResolvedRlimit.resolve([Spec.Rlimit(type: "RLIMIT_NOFILE", hard: 1, soft: 1), Spec.Rlimit(type: "RLIMIT_NOFILE", hard: 1, soft: 1)]) }
    }

    @Test(arguments: [("TERM", 15), ("SIGKILL", 9), ("sigint", 2), ("9", 9), ("RTMIN", 34), ("RTMIN+3", 37), ("SIGRTMAX-1", 63), ("WINCH", 28)])
    func parsesSignals(text: String, number: Int32) throws {
        #expect(try Signals.parse(text) == number)
    }

    @Test(arguments: ["NOPE", "0", "65", "RTMIN+40", "RTMAX+1", "-9", ""])
    func rejectsUnknownSignals(text: String) {
        #expect(throws: RuntimeError.unknownSignal(text)) { try Signals.parse(text) }
    }

    @Test func exitStatusDecoding() {
        #expect(ExitStatus(waitStatus: 3 << 8).shellCode == 3)
        #expect(ExitStatus(waitStatus: 9) == ExitStatus(signal: 9))
        #expect(ExitStatus(waitStatus: 9).shellCode == 137)
    }
}
