/// Why a DNS message could not be decoded or encoded. Every case names the
/// byte offset (or the name) where the problem is, so a malformed packet in a
/// log says what is wrong with it.
public enum DNSWireError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The message ended while reading `what` at `offset` (it needed `needed` more bytes).
    case truncated(what: String, offset: Int, needed: Int)
    /// A label length byte above 63 (the values 64…191 are reserved label types).
    case labelTooLong(length: Int, offset: Int)
    /// A name longer than 255 bytes on the wire.
    case nameTooLong(offset: Int)
    /// A compression pointer that does not point strictly backwards (a loop or a forward reference).
    case pointerLoop(offset: Int, target: Int)
    /// A record's data does not fit its type.
    case badRecordData(type: RecordType, offset: Int, reason: String)
    /// More than one OPT record, or an OPT record outside the additional section.
    case badOPT(offset: Int, reason: String)
    /// A name given as text is not valid (empty label, label over 63 bytes, over 255 bytes).
    case invalidName(String, reason: String)

    public var description: String {
        switch self {
        case .truncated(let what, let offset, let needed):
            return offset == 0 && what == "header"
                ? "truncated DNS message: the header needs 12 bytes, the message has \(12 - needed)"
                : "truncated DNS message: \(what) at offset \(offset) needs \(needed) more bytes"
        case .labelTooLong(let length, let offset):
            return "label length \(length) at offset \(offset) exceeds 63 (64…191 are reserved label types)"
        case .nameTooLong(let offset):
            return "name starting at offset \(offset) is longer than 255 bytes"
        case .pointerLoop(let offset, let target):
            return "compression pointer at offset \(offset) points to \(target), not strictly backwards: a pointer loop"
        case .badRecordData(let type, let offset, let reason):
            return "bad \(type) record data at offset \(offset): \(reason)"
        case .badOPT(let offset, let reason):
            return "bad OPT record at offset \(offset): \(reason)"
        case .invalidName(let name, let reason):
            return "invalid DNS name \"\(name)\": \(reason)"
        }
    }
}
