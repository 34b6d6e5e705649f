#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import LinuxSystem

/// The five capability sets of a process as bit masks, parsed from OCI names.
public struct CapabilitySets: Codable, Sendable, Equatable {
    public var bounding: UInt64 = 0
    public var effective: UInt64 = 0
    public var inheritable: UInt64 = 0
    public var permitted: UInt64 = 0
    public var ambient: UInt64 = 0

    public init() {}

    /// Every capability the running kernel knows.
    public static var allKnown: UInt64 {
        let last = lastCapability
        return last >= 63 ? UInt64.max : (UInt64(1) << UInt64(last + 1)) - 1
    }

    /// The highest capability number of the running kernel.
    public static var lastCapability: Int {
        if let text = try? FileIO.readTrimmed("/proc/sys/kernel/cap_last_cap"), let n = Int(text) { return n }
        return Int(CAP_LAST_CAP)
    }

    /// Parses `process.capabilities`; unknown names are an error naming the
    /// set, names the running kernel does not have are dropped (as runc does).
    public init(_ caps: Spec.Capabilities?, field: String = "process.capabilities") throws {
        guard let caps else { return }
        bounding = try CapabilitySets.mask(caps.bounding, field: "\(field).bounding")
        effective = try CapabilitySets.mask(caps.effective, field: "\(field).effective")
        inheritable = try CapabilitySets.mask(caps.inheritable, field: "\(field).inheritable")
        permitted = try CapabilitySets.mask(caps.permitted, field: "\(field).permitted")
        ambient = try CapabilitySets.mask(caps.ambient, field: "\(field).ambient")
        // The kernel only keeps ambient capabilities that are permitted and inheritable.
        ambient &= permitted & inheritable
    }

    static func mask(_ names: [String]?, field: String) throws -> UInt64 {
        var mask: UInt64 = 0
        let known = allKnown
        for (i, name) in (names ?? []).enumerated() {
            guard let n = CapabilitySets.number(of: name) else {
                throw RuntimeError.invalidConfig(field: "\(field)[\(i)]", reason: "unknown capability \"\(name)\"")
            }
            let bit = UInt64(1) << UInt64(n)
            if bit & known != 0 { mask |= bit }
        }
        return mask
    }

    /// The number of a capability name (`CAP_SYS_ADMIN`, case-insensitive, with or without `CAP_`).
    public static func number(of name: String) -> Int? {
        var lower = name.lowercased()
        if !lower.hasPrefix("cap_") { lower = "cap_" + lower }
        var value: cap_value_t = 0
        guard cap_from_name(lower, &value) == 0, value >= 0, value < 64 else { return nil }
        return Int(value)
    }

    /// The names of the capabilities in `mask`, as `CAP_…`.
    public static func names(_ mask: UInt64) -> [String] {
        (0..<64).compactMap { n -> String? in
            guard mask & (UInt64(1) << UInt64(n)) != 0, let cstr = cap_to_name(cap_value_t(n)) else { return nil }
            defer { cap_free(cstr) }
            return String(cString: cstr).uppercased()
        }
    }

    /// The capabilities Docker, containerd and runc's `spec` grant by default.
    public static let defaultNames = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
        "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
        "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE",
    ]
}

/// Applies capability sets to the calling (single-threaded) process with libcap.
enum CapabilityApplier {
    /// Drops everything not in `bounding` from the bounding set. Needs CAP_SETPCAP,
    /// so it runs before the user change.
    static func dropBounding(keeping bounding: UInt64) throws {
        let last = CapabilitySets.lastCapability
        for n in 0...last where bounding & (UInt64(1) << UInt64(n)) == 0 {
            if cap_drop_bound(cap_value_t(n)) != 0 {
                let code = errno
                if code == EINVAL { continue }
                throw SystemError(call: "cap_drop_bound", errno: code, context: CapabilitySets.names(UInt64(1) << UInt64(n)).first ?? "\(n)")
            }
        }
    }

    /// Sets effective, permitted and inheritable, then the ambient set.
    static func apply(_ sets: CapabilitySets) throws {
        guard let caps = cap_init() else { throw SystemError(call: "cap_init", errno: errno) }
        defer { cap_free(UnsafeMutableRawPointer(caps)) }
        for (flag, mask) in [(CAP_EFFECTIVE, sets.effective), (CAP_PERMITTED, sets.permitted), (CAP_INHERITABLE, sets.inheritable)] {
            var values = (0..<64).filter { mask & (UInt64(1) << UInt64($0)) != 0 }.map { cap_value_t($0) }
            if values.isEmpty { continue }
            try sys("cap_set_flag", "\(flag)") { cap_set_flag(caps, flag, Int32(values.count), &values, CAP_SET) }
        }
        try sys("cap_set_proc", "effective \(CapabilitySets.names(sets.effective)), permitted \(CapabilitySets.names(sets.permitted))") { cap_set_proc(caps) }
        _ = cap_reset_ambient()
        for n in 0..<64 where sets.ambient & (UInt64(1) << UInt64(n)) != 0 {
            try sys("cap_set_ambient", CapabilitySets.names(UInt64(1) << UInt64(n)).first ?? "\(n)") { cap_set_ambient(cap_value_t(n), CAP_SET) }
        }
    }
}
