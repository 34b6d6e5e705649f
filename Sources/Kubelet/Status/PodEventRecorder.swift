import Foundation
public import KubeAPI
public import Logging

/// Posts the events users read in `kubectl describe pod`: Pulled, Created,
/// Started, Killing, Unhealthy, BackOff, Failed… Sends happen in order on
/// one background task and never block a pod's sync. They are rate-limited
/// like the upstream kubelet's (`--event-qps` 50, `--event-burst` 100), so a
/// burst of pod starts does not spend the CPU its status updates need on
/// three POSTs per pod at once; up to 1,000 waiting events are kept.
public final class PodEventRecorder: Sendable {
    let continuation: AsyncStream<Event>.Continuation
    let stream: AsyncStream<Event>
    let client: KubeClient
    let node: String
    let limit: TokenBucket
    let logger: Logger

    public init(client: KubeClient, node: String, qps: Double = 50, burst: Int = 100, logger: Logger = Logger(label: "kubelet.events")) {
        (stream, continuation) = AsyncStream.makeStream(of: Event.self, bufferingPolicy: .bufferingNewest(1000))
        self.client = client
        self.node = node
        self.limit = TokenBucket(rate: qps, burst: burst)
        self.logger = logger
    }

    /// Records an event about a pod (and, with `container`, one of its containers).
    public func record(_ pod: Pod, container: String? = nil, type: String = "Normal", reason: String, _ message: String) {
        var object = ObjectReference(kind: "Pod", namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid)
        object.apiVersion = "v1"
        if let container {
            object.fieldPath = "\(pod.spec?.listName(ofContainer: container) ?? "spec.containers"){\(container)}"
        }
        record(object: object, type: type, reason: reason, message)
    }

    /// Records an event about any object (a PersistentVolume: cluster-scoped
    /// objects' events go to `default`, as upstream's recorder puts them).
    public func record(object: ObjectReference, type: String = "Normal", reason: String, _ message: String) {
        let now = Timestamp()
        var suffix = String(UInt64(Date().timeIntervalSince1970 * 1_000_000_000), radix: 16)
        suffix += String(UInt16.random(in: 0...UInt16.max), radix: 16)
        var event = Event(metadata: ObjectMeta(name: "\(object.name ?? "object").\(suffix)", namespace: object.namespace ?? "default"),
                          involvedObject: object, reason: reason, message: message, type: type)
        event.source = EventSource(component: "kubelet", host: node)
        event.firstTimestamp = now
        event.lastTimestamp = now
        event.count = 1
        event.reportingComponent = "kubelet"
        event.reportingInstance = node
        continuation.yield(event)
    }

    /// Sends events until cancelled.
    public func run() async {
        var bucket = limit
        let clock = ContinuousClock()
        let start = clock.now
        for await event in stream {
            let wait = bucket.take(now: (clock.now - start) / .seconds(1))
            if wait > 0 { try? await Task.sleep(for: .seconds(wait)) }
            do {
                try await client.createDiscardingResult(event, namespace: event.metadata.namespace)
            } catch {
                logger.debug("event \(event.reason ?? ""): \(error)")
            }
        }
    }

    public func stop() { continuation.finish() }
}
