/// One eBPF instruction (struct bpf_insn).
public struct BPFInstruction: Equatable, Sendable {
    public var code: UInt8
    public var dst: UInt8
    public var src: UInt8
    public var offset: Int16
    public var imm: Int32

    public init(_ code: UInt8, dst: UInt8 = 0, src: UInt8 = 0, offset: Int16 = 0, imm: Int32 = 0) {
        self.code = code
        self.dst = dst
        self.src = src
        self.offset = offset
        self.imm = imm
    }

    /// The 8 bytes the kernel reads (little-endian host).
    public var bytes: [UInt8] {
        let off = UInt16(bitPattern: offset)
        let im = UInt32(bitPattern: imm)
        return [code, (src << 4) | (dst & 0x0f), UInt8(off & 0xff), UInt8(off >> 8),
                UInt8(im & 0xff), UInt8((im >> 8) & 0xff), UInt8((im >> 16) & 0xff), UInt8(im >> 24)]
    }
}

/// Compiles device rules into a BPF_PROG_TYPE_CGROUP_DEVICE program, the
/// cgroup v2 replacement for devices.allow/deny.
///
/// The program reads (type, access, major, minor) from the context and tests
/// the rules from last to first; the first that matches decides, so later
/// rules override earlier ones exactly as with the v1 files.
public enum DeviceFilterProgram {
    // Opcodes (linux/bpf.h, linux/bpf_common.h).
    static let ldxMemW: UInt8 = 0x61      // BPF_LDX | BPF_MEM | BPF_W
    static let alu32AndK: UInt8 = 0x54    // BPF_ALU | BPF_AND | BPF_K
    static let alu32RshK: UInt8 = 0x74    // BPF_ALU | BPF_RSH | BPF_K
    static let mov64X: UInt8 = 0xbf       // BPF_ALU64 | BPF_MOV | BPF_X
    static let mov64K: UInt8 = 0xb7       // BPF_ALU64 | BPF_MOV | BPF_K
    static let jneK: UInt8 = 0x55         // BPF_JMP | BPF_JNE | BPF_K
    static let jneX: UInt8 = 0x5d         // BPF_JMP | BPF_JNE | BPF_X
    static let exit: UInt8 = 0x95         // BPF_JMP | BPF_EXIT

    // bpf_cgroup_dev_ctx encodings.
    static func devType(_ t: String) -> Int32? {
        switch t {
        case "b": return 1 // BPF_DEVCG_DEV_BLOCK
        case "c": return 2 // BPF_DEVCG_DEV_CHAR
        default: return nil
        }
    }

    static func access(_ a: String) -> Int32 {
        var v: Int32 = 0
        if a.contains("m") { v |= 1 } // BPF_DEVCG_ACC_MKNOD
        if a.contains("r") { v |= 2 } // BPF_DEVCG_ACC_READ
        if a.contains("w") { v |= 4 } // BPF_DEVCG_ACC_WRITE
        return v
    }

    /// The program for `rules`; a request no rule matches is denied.
    public static func compile(_ rules: [Spec.DeviceRule]) -> [BPFInstruction] {
        var prog: [BPFInstruction] = [
            // r2 = type, r3 = access, r4 = major, r5 = minor
            BPFInstruction(ldxMemW, dst: 2, src: 1, offset: 0),
            BPFInstruction(alu32AndK, dst: 2, imm: 0xffff),
            BPFInstruction(ldxMemW, dst: 3, src: 1, offset: 0),
            BPFInstruction(alu32RshK, dst: 3, imm: 16),
            BPFInstruction(ldxMemW, dst: 4, src: 1, offset: 4),
            BPFInstruction(ldxMemW, dst: 5, src: 1, offset: 8),
        ]
        for rule in rules.reversed() {
            var block: [BPFInstruction] = []
            if let t = rule.type.flatMap(devType) {
                block.append(BPFInstruction(jneK, dst: 2, imm: t))
            }
            let acc = access(rule.access ?? "rwm")
            if acc != 7 {
                // Every requested access bit must be granted by the rule.
                block.append(BPFInstruction(mov64X, dst: 1, src: 3))
                block.append(BPFInstruction(alu32AndK, dst: 1, imm: acc))
                block.append(BPFInstruction(jneX, dst: 1, src: 3))
            }
            if rule.type != "a" {
                if let major = rule.major, major >= 0 {
                    block.append(BPFInstruction(jneK, dst: 4, imm: Int32(truncatingIfNeeded: major)))
                }
                if let minor = rule.minor, minor >= 0 {
                    block.append(BPFInstruction(jneK, dst: 5, imm: Int32(truncatingIfNeeded: minor)))
                }
            }
            block.append(BPFInstruction(mov64K, dst: 0, imm: rule.allow ? 1 : 0))
            block.append(BPFInstruction(exit))
            // Point every conditional jump at the first instruction after this block.
            for i in block.indices where block[i].code == jneK || block[i].code == jneX {
                block[i].offset = Int16(block.count - 1 - i)
            }
            prog += block
            // A rule without conditions decides everything: the verifier
            // rejects unreachable instructions after it.
            if block.count == 2 { return prog }
        }
        prog.append(BPFInstruction(mov64K, dst: 0, imm: 0))
        prog.append(BPFInstruction(exit))
        return prog
    }
}
