/// The fixed 12-byte header of a DNS message, without the section counts
/// (those follow from the sections when encoding).
public struct DNSHeader: Sendable, Hashable {
    public var id: UInt16
    /// QR: a response rather than a query.
    public var isResponse = false
    /// The 4-bit opcode; 0 is a standard query.
    public var opcode: UInt8 = 0
    /// AA: the answer comes from the authority for the name.
    public var authoritative = false
    /// TC: the message was cut to fit; retry over TCP.
    public var truncated = false
    /// RD: the client wants recursion.
    public var recursionDesired = false
    /// RA: the server offers recursion.
    public var recursionAvailable = false
    /// AD and CD (DNSSEC), kept as received.
    public var authenticData = false
    public var checkingDisabled = false
    public var responseCode = ResponseCode.noError

    public init(id: UInt16) { self.id = id }

    /// The flags word.
    var flags: UInt16 {
        var f = UInt16(opcode & 0x0F) << 11 | UInt16(responseCode.rawValue)
        if isResponse { f |= 0x8000 }
        if authoritative { f |= 0x0400 }
        if truncated { f |= 0x0200 }
        if recursionDesired { f |= 0x0100 }
        if recursionAvailable { f |= 0x0080 }
        if authenticData { f |= 0x0020 }
        if checkingDisabled { f |= 0x0010 }
        return f
    }

    init(id: UInt16, flags f: UInt16) {
        self.id = id
        isResponse = f & 0x8000 != 0
        opcode = UInt8((f >> 11) & 0x0F)
        authoritative = f & 0x0400 != 0
        truncated = f & 0x0200 != 0
        recursionDesired = f & 0x0100 != 0
        recursionAvailable = f & 0x0080 != 0
        authenticData = f & 0x0020 != 0
        checkingDisabled = f & 0x0010 != 0
        responseCode = ResponseCode(rawValue: UInt8(f & 0x0F))
    }
}
