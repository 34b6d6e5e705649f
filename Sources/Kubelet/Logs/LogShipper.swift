#if canImport(Glibc)
import Glibc
#endif
public import ClusterLogs
import Foundation
import KubeAPI
public import Logging
import LinuxSystem
import HTTPServing

/// Ships every container's log lines to the cluster's log store (Loki's
/// push API on the API server), as promtail does on a Kubernetes node: it
/// follows the CRI files under the pod log directory
/// (`NS_POD_UID/CONTAINER/N.log`), joins partial records, and labels each
/// line with namespace, pod, container, node, stream and the pod's labels
/// (names sanitized as Prometheus' labelmap does).
///
/// It only reads files the containers' monitors write, so it never slows a
/// container; when the store cannot take lines as fast as they come, it
/// keeps at most ``maxBuffered`` bytes and drops the oldest beyond that,
/// counting them (`swiftkube_log_shipper_dropped_lines_total`), as it does
/// a batch the store refuses. Lines over 256 KiB are cut there (counted
/// too). When the cluster keeps no logs (the store answers 404) it pauses
/// for five minutes. Positions are kept in `ROOT/log-positions.json`, saved
/// once what was read is pushed, so a restarted kubelet goes on where it was.
public actor LogShipper {
    /// Reads the labels of the pod with this UID (nil: not known yet).
    public typealias PodLabels = @Sendable (String) async -> [String: String]?
    /// Sends one push body; throws when the store did not take it.
    public typealias Push = @Sendable ([UInt8]) async throws -> Void

    struct Position: Codable, Equatable {
        var inode: UInt64
        var offset: Int64
    }

    /// How a push failed, when it is not worth retrying as it is (any other error is retried).
    public enum PushFailure: Error, Sendable {
        /// The store refused this batch (400, 403, 413, 422): it is dropped, counted, and shipping goes on.
        case rejected(String)
        /// The cluster keeps no logs (404: `--log-store false`): shipping pauses for ``storeOffPause``.
        case storeOff(String)
    }

    /// How long shipping pauses when the cluster keeps no logs (files are not read meanwhile: nothing is lost on the node).
    static let storeOffPause: Duration = .seconds(300)

    /// Counters, for the kubelet's `/metrics`.
    public struct Counters: Sendable, Equatable {
        public var shippedLines = 0
        public var droppedLines = 0
        public var truncatedLines = 0
        public var failedPushes = 0
        /// Bytes of files skipped because the shipper was more than ``maxLag`` behind their writer.
        public var skippedBytes = 0
    }

    let directory: String
    let nodeName: String
    let positionsPath: String
    let podLabels: PodLabels
    let push: Push
    let logger: Logger
    /// The kubelet's own log lines, shipped as `{namespace="kube-system", component="kubelet", node=…}`.
    let componentLogs: ComponentLogTap?
    /// The most bytes waiting to be pushed.
    let maxBuffered: Int
    /// How far behind a file's writer the shipper may fall before it skips
    /// ahead (a writer faster than it can read, about 8 MB/s).
    let maxLag: Int64
    /// The most bytes read from one file per pass (a file written faster is caught up over passes).
    static let readChunk = 4 << 20
    /// The largest push body.
    static let batchBytes = 1 << 20

    var positions: [String: Position] = [:]
    /// Partial records by file and stream, waiting for their final part.
    var partials: [String: (stamp: Int64, text: String)] = [:]
    var pending: [(labels: [String: String], entry: LogEntry, bytes: Int)] = []
    var pendingBytes = 0
    public private(set) var counters = Counters()
    var positionsDirty = false

    public init(directory: String, nodeName: String, positionsPath: String, maxBuffered: Int = 8 << 20, maxLag: Int64 = 32 << 20,
                podLabels: @escaping PodLabels, push: @escaping Push, componentLogs: ComponentLogTap? = nil, logger: Logger) {
        self.componentLogs = componentLogs
        componentLogs?.enable()
        self.directory = directory
        self.nodeName = nodeName
        self.positionsPath = positionsPath
        self.maxBuffered = maxBuffered
        self.maxLag = maxLag
        self.podLabels = podLabels
        self.push = push
        self.logger = logger
        if let data = FileManager.default.contents(atPath: positionsPath),
           let saved = try? JSONDecoder().decode([String: Position].self, from: data) {
            positions = saved
        }
    }

    /// Reads and ships every `interval` until cancelled; pushes what is left
    /// first. Positions are saved only when every line read was pushed, so a
    /// restart ships again rather than loses what was in memory.
    public func run(interval: Duration = .milliseconds(500)) async {
        var backoff = Duration.zero
        while !Task.isCancelled {
            await scan()
            switch await flush() {
            case .done:
                backoff = .zero
                savePositions()
            case .failed:
                backoff = min(max(backoff * 2, .seconds(1)), .seconds(30))
            case .storeOff:
                backoff = Self.storeOffPause
            }
            try? await Task.sleep(for: interval + backoff)
        }
        if await flush() == .done { savePositions() }
    }

    /// One pass over the log directory: new lines of every file, queued.
    public func scan() async {
        let pods = (try? FileIO.listDirectory(directory)) ?? []
        var seen: Set<String> = []
        for podDir in pods {
            // NAMESPACE_NAME_UID, as the kubelet names them.
            let parts = podDir.split(separator: "_", maxSplits: 2).map(String.init)
            guard parts.count == 3 else { continue }
            let labels = await podLabels(parts[2]) ?? [:]
            for container in (try? FileIO.listDirectory(directory + "/" + podDir)) ?? [] {
                let dir = directory + "/" + podDir + "/" + container
                for file in ((try? FileIO.listDirectory(dir)) ?? []).filter({ $0.hasSuffix(".log") }).sorted() {
                    let path = dir + "/" + file
                    seen.insert(path)
                    var streamLabels = Self.labels(pod: labels)
                    streamLabels["namespace"] = parts[0]
                    streamLabels["pod"] = parts[1]
                    streamLabels["container"] = container
                    streamLabels["node"] = nodeName
                    read(path, labels: streamLabels)
                }
            }
        }
        // Files gone with their pods: forget them.
        for path in positions.keys where !seen.contains(path) {
            positions.removeValue(forKey: path)
            positionsDirty = true
        }
        partials = partials.filter { key, _ in seen.contains(where: { key.hasPrefix($0 + "|") }) }
        if let componentLogs {
            let (lines, dropped) = componentLogs.drain()
            let labels = ComponentLogTap.labels(component: "kubelet", node: nodeName)
            for entry in lines { enqueue(labels, entry) }
            counters.droppedLines += dropped
        }
    }

    /// A pod's labels as stream labels: sanitized names, the node's own labels kept, at most what the store takes.
    static func labels(pod: [String: String]) -> [String: String] {
        var out: [String: String] = [:]
        for key in pod.keys.sorted() {
            guard out.count < LogStream.maxLabels - 5, let value = pod[key], value.utf8.count <= LogStream.maxLabelValueBytes else { continue }
            var name = PrometheusExposition.sanitizeLabelName(key)
            if let first = name.unicodeScalars.first, ("0"..."9").contains(first) { name = "_" + name }
            guard !["namespace", "pod", "container", "node", "stream"].contains(name), out[name] == nil else { continue }
            out[name] = value
        }
        return out
    }

    func read(_ path: String, labels: [String: String]) {
        var st = stat()
        guard stat(path, &st) == 0 else { return }
        let inode = UInt64(st.st_ino)
        var position = positions[path] ?? Position(inode: inode, offset: 0)
        // Replaced or truncated: from the start.
        if position.inode != inode || position.offset > Int64(st.st_size) { position = Position(inode: inode, offset: 0) }
        guard Int64(st.st_size) > position.offset else {
            positions[path] = position
            return
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { close(fd) }
        // A writer faster than the shipper reads: rather than fall ever
        // further behind, skip to the first whole record of the last
        // `maxBuffered` bytes, counted (the queue would drop the rest anyway).
        if Int64(st.st_size) - position.offset > maxLag {
            let target = Int64(st.st_size) - Int64(maxBuffered)
            var window = [UInt8](repeating: 0, count: 1 << 20)
            let n = window.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(target)) }
            let next = n > 0 ? window[0..<n].firstIndex(of: UInt8(ascii: "\n")).map { target + Int64($0) + 1 } : nil
            let skipTo = next ?? target
            counters.skippedBytes += Int(skipTo - position.offset)
            position.offset = skipTo
            partials = partials.filter { !$0.key.hasPrefix(path + "|") }
        }
        let want = min(Int(Int64(st.st_size) - position.offset), Self.readChunk)
        var buffer = [UInt8](repeating: 0, count: want)
        let got = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(position.offset)) }
        guard got > 0 else { return }
        // Whole records only: the rest is read when its newline is there (or when a chunk holds no newline at all).
        var end = got
        if let last = buffer[0..<got].lastIndex(of: UInt8(ascii: "\n")) {
            end = last + 1
        } else if got < Self.readChunk {
            return
        }
        position.offset += Int64(end)
        positions[path] = position
        positionsDirty = true
        var start = 0
        while start < end {
            let newline = buffer[start..<end].firstIndex(of: UInt8(ascii: "\n")) ?? end
            record(buffer[start..<newline], file: path, labels: labels)
            start = newline + 1
        }
    }

    /// One CRI record: `TIMESTAMP STREAM P|F TEXT`.
    func record(_ bytes: ArraySlice<UInt8>, file: String, labels: [String: String]) {
        var fields: [ArraySlice<UInt8>] = []
        var rest = bytes
        for _ in 0..<3 {
            guard let space = rest.firstIndex(of: UInt8(ascii: " ")) else { break }
            fields.append(rest[rest.startIndex..<space])
            rest = rest[(space + 1)...]
        }
        guard fields.count == 3 else { return }
        let stamp = Self.nanoseconds(String(decoding: fields[0], as: UTF8.self)) ?? Int64(Date().timeIntervalSince1970 * 1e9)
        let stream = String(decoding: fields[1], as: UTF8.self)
        let key = file + "|" + stream
        let text = String(decoding: rest, as: UTF8.self)
        if fields[2].elementsEqual("P".utf8) {
            var partial = partials[key] ?? (stamp, "")
            if partial.text.utf8.count < LogStream.maxLineBytes { partial.text += text }
            partials[key] = partial
            return
        }
        let joined = partials.removeValue(forKey: key).map { ($0.stamp, $0.text + text) } ?? (stamp, text)
        var line = joined.1
        if line.utf8.count > LogStream.maxLineBytes {
            line = Self.truncated(line, to: LogStream.maxLineBytes)
            counters.truncatedLines += 1
        }
        var streamLabels = labels
        streamLabels["stream"] = stream
        enqueue(streamLabels, LogEntry(timestamp: joined.0, line: line))
    }

    func enqueue(_ labels: [String: String], _ entry: LogEntry) {
        let bytes = entry.line.utf8.count + 64
        pending.append((labels, entry, bytes))
        pendingBytes += bytes
        // Over the budget: the oldest lines go (the newest stays), counted.
        var dropped = 0
        while pendingBytes > maxBuffered, dropped < pending.count - 1 {
            pendingBytes -= pending[dropped].bytes
            dropped += 1
        }
        if dropped > 0 {
            pending.removeFirst(dropped)
            counters.droppedLines += dropped
        }
    }

    /// What a flush came to.
    public enum FlushOutcome: Sendable, Equatable {
        case done
        /// A push failed; the lines wait for the next try.
        case failed
        /// The cluster keeps no logs; the lines read are dropped (counted) and shipping pauses.
        case storeOff
    }

    /// The most bytes of one push body (the API server reads 3 MiB; JSON escapes can make a line six times longer).
    static let maxBodyBytes = 2 << 20

    /// Pushes what is queued in batches of at most ``batchBytes`` of lines and ``maxBodyBytes`` encoded.
    public func flush() async -> FlushOutcome {
        while !pending.isEmpty {
            var size = 0
            var count = 0
            while count < pending.count, size < Self.batchBytes || count == 0 {
                size += pending[count].bytes
                count += 1
            }
            var body = Self.body(pending[0..<count])
            while body.count > Self.maxBodyBytes, count > 1 {
                count /= 2
                body = Self.body(pending[0..<count])
            }
            do {
                try await push(body)
            } catch let failure as PushFailure {
                counters.failedPushes += 1
                switch failure {
                case .rejected(let why):
                    logger.warning("log shipper: the store refused \(count) lines, dropped: \(why)")
                    drop(count)
                    continue
                case .storeOff(let why):
                    if counters.failedPushes == 1 || counters.failedPushes % 100 == 0 {
                        logger.info("log shipper: the cluster keeps no logs (\(why)); trying again in \(Self.storeOffPause)")
                    }
                    drop(pending.count)
                    return .storeOff
                }
            } catch {
                counters.failedPushes += 1
                if counters.failedPushes == 1 || counters.failedPushes % 100 == 0 {
                    logger.warning("log shipper: pushing \(count) lines failed (\(counters.failedPushes) failures so far; \(pending.count) lines wait): \(error)")
                }
                return .failed
            }
            pending.removeFirst(min(count, pending.count))
            pendingBytes = pending.reduce(0) { $0 + $1.bytes }
            counters.shippedLines += count
        }
        return .done
    }

    /// Forgets the first `count` queued lines, counted as dropped.
    func drop(_ count: Int) {
        pending.removeFirst(min(count, pending.count))
        pendingBytes = pending.reduce(0) { $0 + $1.bytes }
        counters.droppedLines += count
    }

    static func body(_ items: ArraySlice<(labels: [String: String], entry: LogEntry, bytes: Int)>) -> [UInt8] {
        var streams: [[String: String]: [LogEntry]] = [:]
        for item in items { streams[item.labels, default: []].append(item.entry) }
        return LokiAPI.pushBody(streams.map { LogStream(labels: $0.key, entries: $0.value) })
    }

    func savePositions() {
        guard positionsDirty, let data = try? JSONEncoder().encode(positions) else { return }
        positionsDirty = false
        try? FileIO.writeAtomically(positionsPath, Array(data))
    }

    /// A CRI timestamp (RFC 3339 with nanoseconds) in nanoseconds since the epoch.
    static func nanoseconds(_ stamp: String) -> Int64? {
        // 2026-12-07T19:00:00.123456789Z or with an offset: seconds by Foundation, the fraction by hand.
        guard let dot = stamp.firstIndex(of: ".") else {
            return (try? Date(stamp, strategy: .iso8601)).map { Int64($0.timeIntervalSince1970) * 1_000_000_000 }
        }
        let digits = stamp[stamp.index(after: dot)...].prefix { $0.isNumber }
        let zone = stamp[stamp.index(after: dot)...].dropFirst(digits.count)
        guard let date = try? Date(String(stamp[..<dot]) + zone, strategy: .iso8601) else { return nil }
        let fraction = Int64(String((digits + "000000000").prefix(9))) ?? 0
        return Int64(date.timeIntervalSince1970) * 1_000_000_000 + fraction
    }

    /// At most `bytes` bytes of `line`, cut at a character boundary.
    static func truncated(_ line: String, to bytes: Int) -> String {
        var out = ""
        var used = 0
        for c in line.unicodeScalars {
            let n = String(c).utf8.count
            if used + n > bytes { break }
            out.unicodeScalars.append(c)
            used += n
        }
        return out
    }
}

/// The shipper's counters in the kubelet's `/metrics`.
enum LogShipperMetrics {
    static func render(_ c: LogShipper.Counters) -> String {
        var out = PrometheusExposition()
        out.family("swiftkube_log_shipper_shipped_lines_total", .counter, "Log lines this node shipped to the cluster's log store.",
                   [.init([], Double(c.shippedLines))])
        out.family("swiftkube_log_shipper_dropped_lines_total", .counter,
                   "Log lines dropped because the log store did not take them as fast as containers wrote them.", [.init([], Double(c.droppedLines))])
        out.family("swiftkube_log_shipper_truncated_lines_total", .counter, "Log lines cut at the store's limit of 256 KiB.",
                   [.init([], Double(c.truncatedLines))])
        out.family("swiftkube_log_shipper_failed_pushes_total", .counter, "Pushes the log store refused or did not answer.",
                   [.init([], Double(c.failedPushes))])
        out.family("swiftkube_log_shipper_skipped_bytes_total", .counter,
                   "Bytes of container logs not read because their writer was more than the shipper's buffer ahead of it.",
                   [.init([], Double(c.skippedBytes))])
        return out.text
    }
}
