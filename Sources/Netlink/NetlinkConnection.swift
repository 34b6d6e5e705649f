/// A netlink socket that sends requests and returns the kernel's replies,
/// behind a protocol so every request can be checked byte for byte by tests
/// with ``RecordingNetlinkConnection``.
public protocol NetlinkConnection: AnyObject {
    /// Sends `messages` in one write and collects replies until every message
    /// flagged ``NetlinkFlags/ack`` is acknowledged and every dump is done.
    /// The first error reply throws a ``NetlinkError`` naming that message.
    func execute(_ messages: [NetlinkMessage]) throws -> [NetlinkReply]
}

extension NetlinkConnection {
    /// Sends one message.
    @discardableResult
    public func execute(_ message: NetlinkMessage) throws -> [NetlinkReply] {
        try execute([message])
    }
}

/// A fake connection: records what was sent (as bytes, with sequence numbers
/// from 1) and answers with replies a test scripts, or plain acks.
public final class RecordingNetlinkConnection: NetlinkConnection {
    public private(set) var sent: [[NetlinkMessage]] = []
    /// Replies to return for each successive `execute` call; acks when empty.
    public var scriptedReplies: [[NetlinkReply]] = []
    /// If set, the next `execute` throws it.
    public var nextError: NetlinkError?

    public init() {}

    public func execute(_ messages: [NetlinkMessage]) throws -> [NetlinkReply] {
        sent.append(messages)
        if let error = nextError {
            nextError = nil
            throw error
        }
        return scriptedReplies.isEmpty ? [] : scriptedReplies.removeFirst()
    }

    /// All messages sent, flattened, serialized with sequence numbers 1, 2, …
    public var sentBytes: [[UInt8]] {
        sent.flatMap { $0 }.enumerated().map { $1.serialized(sequence: UInt32($0 + 1)) }
    }
}
