import Synchronization

/// How far a pull has come: compressed layer bytes and layers, for
/// nodectl's progress bar and the kubelet's events.
public struct PullProgress: Sendable, Equatable {
    /// The image as the user wrote it.
    public var image: String
    public var layers: Int = 0
    public var layersDone: Int = 0
    public var bytes: Int64 = 0
    public var bytesDone: Int64 = 0
    /// Bytes that came over the network (the rest were in the store already).
    public var bytesDownloaded: Int64 = 0

    public init(image: String) { self.image = image }

    /// 0…1.
    public var fraction: Double { bytes > 0 ? min(1, Double(bytesDone) / Double(bytes)) : 0 }
}

/// Collects progress from concurrent downloads and reports it at most
/// every `interval` seconds (and at every finished layer).
final class PullProgressTracker: Sendable {
    let state: Mutex<(progress: PullProgress, lastReport: ContinuousClock.Instant?)>
    let report: (@Sendable (PullProgress) -> Void)?
    let interval: Duration

    init(image: String, report: (@Sendable (PullProgress) -> Void)?, interval: Duration = .milliseconds(100)) {
        state = Mutex((PullProgress(image: image), nil))
        self.report = report
        self.interval = interval
    }

    var progress: PullProgress { state.withLock { $0.progress } }

    func update(force: Bool = false, _ change: (inout PullProgress) -> Void) {
        let now = ContinuousClock.now
        let snapshot: PullProgress? = state.withLock { s in
            change(&s.progress)
            if !force, let last = s.lastReport, now - last < interval { return nil }
            s.lastReport = now
            return s.progress
        }
        if let snapshot { report?(snapshot) }
    }
}
