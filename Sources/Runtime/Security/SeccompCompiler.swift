#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import LinuxSystem

/// A compiled seccomp filter: classic BPF instructions ready for seccomp(2),
/// and the SECCOMP_FILTER_FLAG_* flags to load it with.
public struct SeccompProgram: Codable, Sendable, Equatable {
    /// sock_filter instructions, 8 bytes each.
    public var instructions: [UInt8]
    public var flags: UInt32

    /// Number of BPF instructions.
    public var count: Int { instructions.count / 8 }
}

/// Compiles the OCI seccomp section with libseccomp, in the runtime, before
/// anything is created: a bad profile fails `create` with the field at fault,
/// and the container init only has to load the finished program.
public enum SeccompCompiler {
    /// Compiles `seccomp`; `field` prefixes error messages.
    public static func compile(_ seccomp: Spec.Seccomp, field: String = "linux.seccomp") throws -> SeccompProgram {
        if seccomp.listenerPath != nil {
            throw RuntimeError.invalidConfig(field: "\(field).listenerPath", reason: "seccomp user notification is not supported by this runtime")
        }
        let defaultAction = try action(seccomp.defaultAction, errnoRet: seccomp.defaultErrnoRet, field: "\(field).defaultAction")
        guard let ctx = seccomp_init(defaultAction) else {
            throw RuntimeError.invalidConfig(field: "\(field).defaultAction", reason: "libseccomp refused \(seccomp.defaultAction)")
        }
        defer { seccomp_release(ctx) }

        for (i, name) in (seccomp.architectures ?? []).enumerated() {
            let arch = try architecture(name, field: "\(field).architectures[\(i)]")
            let rc = seccomp_arch_add(ctx, arch)
            if rc != 0 && rc != -EEXIST {
                throw RuntimeError.invalidConfig(field: "\(field).architectures[\(i)]", reason: "libseccomp cannot add \(name): \(String(cString: strerror(-rc)))")
            }
        }

        for (i, rule) in (seccomp.syscalls ?? []).enumerated() {
            let ruleField = "\(field).syscalls[\(i)]"
            let act = try action(rule.action, errnoRet: rule.errnoRet, field: "\(ruleField).action")
            let conditions = try (rule.args ?? []).enumerated().map { j, arg in
                try condition(arg, field: "\(ruleField).args[\(j)]")
            }
            if act == defaultAction { continue }
            // libseccomp cannot compare one argument twice in a rule; like runc,
            // such conditions become one rule each (any of them matches).
            let indices = conditions.map(\.arg)
            let groups: [[scmp_arg_cmp]] = Set(indices).count == indices.count ? [conditions] : conditions.map { [$0] }
            for name in rule.names {
                let nr = seccomp_syscall_resolve_name(name)
                if nr == __NR_SCMP_ERROR { continue } // unknown to this libseccomp/kernel: ignored, as runc does
                for var group in groups {
                    let rc = group.withUnsafeMutableBufferPointer { buf in
                        seccomp_rule_add_array(ctx, act, nr, UInt32(buf.count), buf.baseAddress)
                    }
                    if rc != 0 {
                        throw RuntimeError.invalidConfig(field: "\(ruleField)", reason: "libseccomp refused the rule for \(name): \(String(cString: strerror(-rc)))")
                    }
                }
            }
        }

        let fd = swr_memfd_create("seccomp", 1 /* MFD_CLOEXEC */)
        guard fd >= 0 else { throw SystemError(call: "memfd_create", errno: errno, context: "seccomp export") }
        defer { close(fd) }
        let rc = seccomp_export_bpf(ctx, fd)
        guard rc == 0 else { throw SystemError(call: "seccomp_export_bpf", errno: -rc) }
        lseek(fd, 0, SEEK_SET)
        let bytes = try FileIO.readAll(fd: fd, context: "seccomp export")
        return SeccompProgram(instructions: bytes, flags: try flags(seccomp.flags, field: "\(field).flags"))
    }

    /// The libseccomp action value for an OCI action name.
    public static func action(_ name: String, errnoRet: UInt32?, field: String) throws -> UInt32 {
        switch name {
        case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD": return 0x0000_0000
        case "SCMP_ACT_KILL_PROCESS": return 0x8000_0000
        case "SCMP_ACT_TRAP": return 0x0003_0000
        case "SCMP_ACT_ERRNO": return swr_scmp_act_errno(UInt16(truncatingIfNeeded: errnoRet ?? UInt32(EPERM)))
        case "SCMP_ACT_TRACE": return swr_scmp_act_trace(UInt16(truncatingIfNeeded: errnoRet ?? UInt32(EPERM)))
        case "SCMP_ACT_LOG": return 0x7ffc_0000
        case "SCMP_ACT_ALLOW": return 0x7fff_0000
        case "SCMP_ACT_NOTIFY":
            throw RuntimeError.invalidConfig(field: field, reason: "SCMP_ACT_NOTIFY needs seccomp user notification, which this runtime does not support")
        default:
            throw RuntimeError.invalidConfig(field: field, reason: "unknown seccomp action \"\(name)\"")
        }
    }

    static func architecture(_ name: String, field: String) throws -> UInt32 {
        guard name.hasPrefix("SCMP_ARCH_") else {
            throw RuntimeError.invalidConfig(field: field, reason: "\"\(name)\" is not a seccomp architecture (expected SCMP_ARCH_X86_64 and the like)")
        }
        let short = name.dropFirst("SCMP_ARCH_".count).lowercased()
        let arch = seccomp_arch_resolve_name(short)
        guard arch != 0 else {
            throw RuntimeError.invalidConfig(field: field, reason: "unknown seccomp architecture \"\(name)\"")
        }
        return arch
    }

    static func condition(_ arg: Spec.SyscallArg, field: String) throws -> scmp_arg_cmp {
        guard arg.index < 6 else {
            throw RuntimeError.invalidConfig(field: "\(field).index", reason: "\(arg.index) must be between 0 and 5")
        }
        let op: scmp_compare
        switch arg.op {
        case "SCMP_CMP_NE": op = SCMP_CMP_NE
        case "SCMP_CMP_LT": op = SCMP_CMP_LT
        case "SCMP_CMP_LE": op = SCMP_CMP_LE
        case "SCMP_CMP_EQ": op = SCMP_CMP_EQ
        case "SCMP_CMP_GE": op = SCMP_CMP_GE
        case "SCMP_CMP_GT": op = SCMP_CMP_GT
        case "SCMP_CMP_MASKED_EQ": op = SCMP_CMP_MASKED_EQ
        default:
            throw RuntimeError.invalidConfig(field: "\(field).op", reason: "unknown comparison \"\(arg.op)\"")
        }
        return scmp_arg_cmp(arg: arg.index, op: op, datum_a: arg.value, datum_b: arg.valueTwo ?? 0)
    }

    static func flags(_ names: [String]?, field: String) throws -> UInt32 {
        var flags: UInt32 = 0
        for (i, name) in (names ?? []).enumerated() {
            switch name {
            case "SECCOMP_FILTER_FLAG_TSYNC": flags |= 1
            case "SECCOMP_FILTER_FLAG_LOG": flags |= 2
            case "SECCOMP_FILTER_FLAG_SPEC_ALLOW": flags |= 4
            case "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": flags |= 32
            default:
                throw RuntimeError.invalidConfig(field: "\(field)[\(i)]", reason: "unknown seccomp flag \"\(name)\"")
            }
        }
        return flags
    }

    /// Loads a compiled program into the calling process.
    static func load(_ program: SeccompProgram) throws {
        _ = try program.instructions.withUnsafeBytes { buf in
            try sys("seccomp(SECCOMP_SET_MODE_FILTER)", "\(program.count) instructions") {
                swr_seccomp_load_filter(program.flags, buf.baseAddress, program.count)
            }
        }
    }
}
