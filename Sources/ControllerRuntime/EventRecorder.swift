import Foundation
public import KubeAPI
public import Logging
import Synchronization

/// Records core/v1 Events about objects, as client-go's event recorder: the
/// same event (object, type, reason, message) seen again bumps `count` and
/// `lastTimestamp` of the existing Event instead of creating another. Events
/// are written in the background from a bounded buffer so a controller never
/// waits for them; when the buffer is full new events are dropped (and
/// counted), as client-go does.
public final class EventRecorder: Sendable {
    /// `Normal` or `Warning`.
    public enum EventType: String, Sendable {
        case normal = "Normal"
        case warning = "Warning"
    }

    struct Pending: Sendable {
        var involved: ObjectReference
        var type: EventType
        var reason: String
        var message: String
        var time: Date
    }

    struct Written: Sendable {
        var name: String
        var namespace: String
        var count: Int
    }

    private struct State {
        var buffer: [Pending] = []
        var dropped = 0
        var written: [String: Written] = [:]
    }

    private let state = Mutex(State())
    private let bell = Doorbell()
    let client: any ClusterClient
    /// `source.component` and `reportingComponent`, e.g. `default-scheduler`.
    public let component: String
    let instance: String
    let logger: Logger
    let capacity: Int

    public init(client: any ClusterClient, component: String, instance: String, logger: Logger, capacity: Int = 4096) {
        self.client = client
        self.component = component
        self.instance = instance
        self.logger = logger
        self.capacity = capacity
    }

    /// A reference to an object for `involvedObject`.
    public static func reference<T: KubeObject>(_ o: T) -> ObjectReference {
        var r = ObjectReference(kind: T.kind, namespace: o.metadata.namespace, name: o.metadata.name, uid: o.metadata.uid)
        r.apiVersion = T.apiVersion
        r.resourceVersion = o.metadata.resourceVersion
        return r
    }

    /// Records an event about `object`.
    public func record<T: KubeObject>(_ object: T, _ type: EventType, reason: String, message: String) {
        record(reference: Self.reference(object), type, reason: reason, message: message)
    }

    /// Records an event about the referenced object.
    public func record(reference: ObjectReference, _ type: EventType, reason: String, message: String) {
        let added = state.withLock { s -> Bool in
            if s.buffer.count >= capacity {
                s.dropped += 1
                return false
            }
            s.buffer.append(Pending(involved: reference, type: type, reason: reason, message: message, time: Date()))
            return true
        }
        if added { bell.ring() }
    }

    /// Events dropped because the buffer was full.
    public var droppedCount: Int { state.withLock { $0.dropped } }

    /// Writes buffered events until cancelled.
    public func run() async {
        while !Task.isCancelled {
            let batch = state.withLock { s -> [Pending] in
                let b = s.buffer
                s.buffer = []
                return b
            }
            if batch.isEmpty {
                guard await bell.wait() else { return }
                continue
            }
            for p in batch {
                if Task.isCancelled { return }
                await write(p)
            }
        }
    }

    static func aggregationKey(_ p: Pending) -> String {
        "\(p.involved.uid ?? "")|\(p.involved.kind ?? "")|\(p.involved.namespace ?? "")|\(p.involved.name ?? "")|\(p.type.rawValue)|\(p.reason)|\(p.message)"
    }

    func write(_ p: Pending) async {
        let key = Self.aggregationKey(p)
        let stamp = Timestamp(p.time)
        if let w = state.withLock({ $0.written[key] }) {
            let count = w.count + 1
            let patch: JSONValue = ["count": .int(Int64(count)), "lastTimestamp": .string(stamp.description)]
            do {
                _ = try await client.patch(Event.self, namespace: w.namespace, name: w.name, patchType: .merge, body: patch)
                state.withLock { $0.written[key]?.count = count }
                return
            } catch {
                if !error.isNotFound {
                    logger.debug("event patch failed: \(error)")
                    return
                }
                // Expired meanwhile: create a fresh one.
            }
        }
        var ns = p.involved.namespace ?? ""
        if ns.isEmpty { ns = "default" }
        let name = "\(p.involved.name ?? "object").\(String(UInt64(p.time.timeIntervalSince1970 * 1e9), radix: 16))\(String(UInt32.random(in: 0...0xfff), radix: 16))"
        var e = Event(metadata: ObjectMeta(name: name, namespace: ns), involvedObject: p.involved, reason: p.reason,
                      message: p.message, type: p.type.rawValue)
        e.source = EventSource(component: component)
        e.firstTimestamp = stamp
        e.lastTimestamp = stamp
        e.count = 1
        e.reportingComponent = component
        e.reportingInstance = instance
        do {
            _ = try await client.create(e)
            state.withLock { s in
                if s.written.count > 10_000 { s.written.removeAll(keepingCapacity: true) }
                s.written[key] = Written(name: name, namespace: ns, count: 1)
            }
        } catch {
            logger.debug("event create failed: \(error)")
        }
    }
}
