/// Writes DNS wire format, compressing names against the suffixes already
/// written (pointers reach the first 16 KiB of the message).
struct DNSWriter {
    var bytes: [UInt8] = []
    /// Lower-case suffix → its offset in `bytes`.
    var suffixes: [String: Int] = [:]

    init() { bytes.reserveCapacity(512) }

    mutating func u8(_ v: UInt8) { bytes.append(v) }
    mutating func u16(_ v: UInt16) { bytes.append(UInt8(v >> 8)); bytes.append(UInt8(v & 0xFF)) }
    mutating func u32(_ v: UInt32) { u16(UInt16(v >> 16)); u16(UInt16(v & 0xFFFF)) }
    mutating func append(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    /// Writes `name`, ending in a pointer to an earlier copy of its longest
    /// known suffix when `compress` is true. Every suffix written is
    /// remembered either way.
    mutating func name(_ name: DNSName, compress: Bool = true) {
        let lower = name.lowercasedLabels
        for i in lower.indices {
            let suffix = lower[i...].joined(separator: ".")
            if compress, let at = suffixes[suffix] {
                u16(0xC000 | UInt16(at))
                return
            }
            if bytes.count < 0x4000, suffixes[suffix] == nil { suffixes[suffix] = bytes.count }
            let label = Array(name.labels[i].utf8)
            u8(UInt8(label.count))
            append(label)
        }
        u8(0)
    }

    /// Writes a 16-bit length, then what `body` writes, then fills in the length.
    mutating func lengthPrefixed(_ body: (inout DNSWriter) -> Void) {
        let at = bytes.count
        u16(0)
        body(&self)
        let n = bytes.count - at - 2
        bytes[at] = UInt8(n >> 8)
        bytes[at + 1] = UInt8(n & 0xFF)
    }
}
