/// The EDNS0 pseudo-record (OPT, RFC 6891) of a message: the UDP payload
/// size the sender can receive, the extended response code bits, the
/// version and the DO bit. Options are kept as raw bytes.
public struct EDNS: Sendable, Hashable {
    /// The largest UDP payload the sender accepts (values under 512 mean 512).
    public var udpPayloadSize: UInt16
    /// The upper 8 bits of a 12-bit response code.
    public var extendedResponseCode: UInt8 = 0
    public var version: UInt8 = 0
    /// DO: the sender wants DNSSEC records.
    public var dnssecOK = false
    /// The options' bytes (code, length, data …), unparsed.
    public var options: [UInt8] = []

    public init(udpPayloadSize: UInt16) { self.udpPayloadSize = udpPayloadSize }

    /// The TTL field: extended rcode, version, DO and zero bits.
    var ttlField: UInt32 {
        UInt32(extendedResponseCode) << 24 | UInt32(version) << 16 | (dnssecOK ? 0x8000 : 0)
    }
}
