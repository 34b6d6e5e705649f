/// Why a store operation failed.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// No live value at the key.
    case notFound(key: String)
    /// `create` found a live value at the key.
    case alreadyExists(key: String)
    /// Compare-and-swap failed: the key's current revision differs (0 when it is gone).
    case conflict(key: String, currentRevision: Int64)
    /// The requested revision has been compacted away.
    case compacted(requested: Int64, compactRevision: Int64)
    /// The requested revision is in the future.
    case futureRevision(requested: Int64, current: Int64)
    /// The backend failed (I/O, network, protocol).
    case unavailable(String)

    public var description: String {
        switch self {
        case .notFound(let k): return "key not found: \(k)"
        case .alreadyExists(let k): return "key exists: \(k)"
        case .conflict(let k, let r): return "revision conflict on \(k) (current revision \(r))"
        case .compacted(let r, let c): return "revision \(r) has been compacted (compacted up to \(c))"
        case .futureRevision(let r, let c): return "revision \(r) is in the future (current \(c))"
        case .unavailable(let m): return "storage unavailable: \(m)"
        }
    }
}

/// A live value with its revisions.
public struct StoredValue: Sendable, Equatable {
    public var key: String
    public var value: [UInt8]
    /// The revision of the last change (Kubernetes' resourceVersion).
    public var modRevision: Int64
    /// The revision that created the key.
    public var createRevision: Int64

    public init(key: String, value: [UInt8], modRevision: Int64, createRevision: Int64) {
        self.key = key
        self.value = value
        self.modRevision = modRevision
        self.createRevision = createRevision
    }
}

/// One change seen by a watch.
public struct StoreEvent: Sendable, Equatable {
    public enum Kind: Sendable, Equatable { case put, delete }
    public var kind: Kind
    public var key: String
    /// The new value (for deletes: the last value before deletion).
    public var value: [UInt8]
    /// The value before this change, when there was one.
    public var previousValue: [UInt8]?
    /// The revision of this change.
    public var revision: Int64
    /// True when the put created the key.
    public var created: Bool

    public init(kind: Kind, key: String, value: [UInt8], previousValue: [UInt8]?, revision: Int64, created: Bool) {
        self.kind = kind
        self.key = key
        self.value = value
        self.previousValue = previousValue
        self.revision = revision
        self.created = created
    }
}

/// One page of a list.
public struct StoreListResult: Sendable {
    /// Live values in key order.
    public var items: [StoredValue]
    /// The revision the list was read at.
    public var revision: Int64
    /// True when more keys follow the last item.
    public var more: Bool
}

/// The narrow revisioned key-value store the API server needs, in the shape
/// of etcd v3 and kine. Revisions are global, start at 1 and only increase.
public protocol Store: Sendable {
    /// Creates a key that must not exist; returns the new revision.
    func create(key: String, value: [UInt8]) async throws(StoreError) -> Int64
    /// Replaces a key whose modRevision must equal `expectedRevision`; returns the new revision.
    func update(key: String, value: [UInt8], expectedRevision: Int64) async throws(StoreError) -> Int64
    /// Deletes a key, if `expectedRevision` is given only at that revision; returns the
    /// deletion's revision and the last value.
    func delete(key: String, expectedRevision: Int64?) async throws(StoreError) -> (revision: Int64, last: StoredValue)
    /// Reads one key.
    func get(key: String) async throws(StoreError) -> StoredValue?
    /// Lists keys with a prefix in key order, starting after `startAfter`,
    /// at `revision` (0: the current one), at most `limit` items (0: all).
    func list(prefix: String, startAfter: String?, limit: Int, revision: Int64) async throws(StoreError) -> StoreListResult
    /// Changes under a prefix after `afterRevision`, in revision order. Fails with
    /// `.compacted` when that history is gone. Ends when the task is cancelled.
    func watch(prefix: String, afterRevision: Int64) async throws(StoreError) -> AsyncThrowingStream<StoreEvent, any Error>
    /// The current revision.
    func currentRevision() async throws(StoreError) -> Int64
    /// Forgets history up to `revision` (values superseded before it).
    func compact(revision: Int64) async throws(StoreError)
    /// Releases the backend.
    func close() async
}

/// The end of a prefix range: the prefix with its last byte incremented.
func prefixEnd(_ prefix: String) -> String {
    var b = Array(prefix.utf8)
    while let last = b.last {
        if last < 0xFF {
            b[b.count - 1] = last + 1
            return String(decoding: b, as: UTF8.self)
        }
        b.removeLast()
    }
    return "\u{0}"
}
