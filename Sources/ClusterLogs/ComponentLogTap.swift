public import Logging
import Foundation
import Synchronization

/// A component's own log lines (the kubelet's, the control plane's), kept
/// for the cluster's log store as upstream clusters ship the kubelet's
/// journal and the control plane's pod logs. Off until a shipper calls
/// ``enable()``; then at most ``maxBytes`` of lines wait for ``drain()``,
/// the oldest dropped beyond that (and counted), so logging never blocks
/// and never grows without bound.
public final class ComponentLogTap: Sendable {
    /// The process's tap, which ``TappedLogHandler`` writes to.
    public static let shared = ComponentLogTap()

    /// The most bytes of lines kept between drains.
    public static let maxBytes = 1 << 20

    struct State {
        var enabled = false
        var lines: [LogEntry] = []
        var bytes = 0
        var dropped = 0
    }

    private let state = Mutex(State())
    /// Whether lines are kept: checked before a line is even formatted.
    private let on = Atomic<Bool>(false)

    public init() {}

    /// Starts keeping lines (a shipper will drain them).
    public func enable() {
        state.withLock { $0.enabled = true }
        on.store(true, ordering: .releasing)
    }

    /// Whether a shipper enabled the tap (lines handed over before are dropped).
    public var isEnabled: Bool { on.load(ordering: .acquiring) }

    /// Keeps one line, stamped now, when enabled; cut at the store's longest line.
    public func record(_ line: String) {
        guard isEnabled else { return }
        var text = line
        if text.utf8.count > LogStream.maxLineBytes {
            text = String(decoding: text.utf8.prefix(LogStream.maxLineBytes - 4), as: UTF8.self) + " …"
        }
        let entry = LogEntry(timestamp: Int64(Date().timeIntervalSince1970 * 1e9), line: text)
        state.withLock { s in
            guard s.enabled else { return }
            s.lines.append(entry)
            s.bytes += entry.line.utf8.count
            var drop = 0
            while s.bytes > Self.maxBytes, drop < s.lines.count - 1 {
                s.bytes -= s.lines[drop].line.utf8.count
                drop += 1
            }
            if drop > 0 {
                s.lines.removeFirst(drop)
                s.dropped += drop
            }
        }
    }

    /// The lines kept since the last drain, and how many were dropped meanwhile.
    public func drain() -> (lines: [LogEntry], dropped: Int) {
        state.withLock { s in
            defer { s.lines = []; s.bytes = 0; s.dropped = 0 }
            return (s.lines, s.dropped)
        }
    }

    /// The labels of a component's lines: in `kube-system`, where kubeadm
    /// clusters run the control plane's pods, so reading them takes `pods/log`
    /// there; `component` names it (kubelet, controlplane) and `node` the host.
    public static func labels(component: String, node: String) -> [String: String] {
        ["namespace": "kube-system", "component": component, "node": node, "stream": "stderr"]
    }
}

extension ComponentLogTap {
    /// Delivers what the tap keeps every `interval`, as one stream labelled
    /// ``labels(component:node:)``, until cancelled: the control plane into
    /// its store, kube-proxy with Loki's push API. A delivery that fails is
    /// not logged (that line would come back here); the lines stay in the tap
    /// (within its budget) and the next try waits longer, up to a minute.
    public func deliver(component: String, node: String, interval: Duration = .seconds(1),
                        _ send: @Sendable ([LogStream]) async throws -> Void) async {
        enable()
        let labels = Self.labels(component: component, node: node)
        var waiting: [LogEntry] = []
        var backoff = Duration.zero
        while !Task.isCancelled {
            try? await Task.sleep(for: interval + backoff)
            let (lines, _) = drain()
            waiting += lines
            // Within the tap's budget here too: the oldest go first.
            var bytes = waiting.reduce(0) { $0 + $1.line.utf8.count }
            while bytes > Self.maxBytes, !waiting.isEmpty { bytes -= waiting.removeFirst().line.utf8.count }
            guard !waiting.isEmpty else { continue }
            do {
                try await send([LogStream(labels: labels, entries: waiting)])
                waiting = []
                backoff = .zero
            } catch {
                backoff = min(max(backoff * 2, .seconds(1)), .seconds(60))
            }
        }
    }
}

/// A log handler that writes as `inner` does (standard error) and also hands
/// each line, formatted the same way, to a ``ComponentLogTap``.
public struct TappedLogHandler: LogHandler {
    public var inner: StreamLogHandler
    let label: String
    let tap: ComponentLogTap

    public init(label: String, inner: StreamLogHandler, tap: ComponentLogTap = .shared) {
        self.label = label
        self.inner = inner
        self.tap = tap
    }

    public var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    public var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    public func log(event: LogEvent) {
        inner.log(event: event)
        guard tap.isEnabled else { return }
        var merged = inner.metadata
        if let extra = event.metadata { merged.merge(extra) { $1 } }
        let fields = merged.isEmpty ? "" : " " + merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        tap.record("\(event.level) \(label):\(fields) \(event.message)")
    }
}
