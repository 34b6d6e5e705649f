/// What can go wrong on a streaming connection (exec, attach, port-forward).
public enum StreamingError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The peer broke the framing or stream rules of the protocol.
    case protocolViolation(String)
    /// zlib failed on a SPDY header block.
    case compression(String)
    /// The client asked for something this server does not speak.
    case unsupported(String)
    /// The client did not open the streams it announced in time.
    case timeout(String)
    /// The connection ended before the exchange was complete.
    case closed(String)

    public var description: String {
        switch self {
        case .protocolViolation(let m): return "protocol error: \(m)"
        case .compression(let m): return "SPDY header compression: \(m)"
        case .unsupported(let m): return m
        case .timeout(let m): return "timed out: \(m)"
        case .closed(let m): return "connection closed: \(m)"
        }
    }
}
