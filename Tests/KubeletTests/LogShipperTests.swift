import ClusterLogs
import Foundation
import LinuxSystem
import Runtime
import Logging
import Synchronization
import TestSupport
import Testing
@testable import Kubelet

/// The node's log shipper over real CRI files, with a fake store.
@Suite struct LogShipperTests {
    final class Store: Sendable {
        let streams = Mutex<[LogStream]>([])
        let failing = Mutex(false)
        func push(_ body: [UInt8]) throws {
            if failing.withLock({ $0 }) { throw LogRefusal("store down") }
            let parsed = try LokiAPI.parsePush(body)
            streams.withLock { $0 += parsed }
        }
        var lines: [String] { streams.withLock { $0.flatMap { $0.entries.map(\.line) } } }
    }

    static func shipper(_ dir: String, _ store: Store, maxBuffered: Int = 8 << 20, maxLag: Int64 = 32 << 20) -> LogShipper {
        LogShipper(directory: dir + "/pods", nodeName: "node-1", positionsPath: dir + "/positions.json", maxBuffered: maxBuffered, maxLag: maxLag,
                   podLabels: { uid in uid == "u1" ? ["app.kubernetes.io/name": "web", "tier": "front"] : nil },
                   push: { try store.push($0) }, logger: Logger(label: "test"))
    }

    static func append(_ path: String, _ text: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw RuntimeError.other("open \(path)") }
        defer { close(fd) }
        try FileIO.writeAll(fd: fd, Array(text.utf8))
    }

    @Test func shipsLabelledLinesJoinsPartialsAndResumesWhereItWas() async throws {
        let dir = TestPaths.temporaryDirectory("shipper")
        defer { try? FileIO.removeTree(dir) }
        let logDir = dir + "/pods/shop_web-1_u1/app"
        try FileIO.makeDirectories(logDir, mode: 0o755)
        let file = logDir + "/0.log"
        try Self.append(file, "2026-12-07T19:00:00.123456789Z stdout F hello\n2026-12-07T19:00:01Z stderr P part one, \n")
        let store = Store()
        let first = Self.shipper(dir, store)
        await first.scan()
        #expect(await first.flush() == .done)
        #expect(store.lines == ["hello"])
        let stream = try #require(store.streams.withLock { $0.first })
        #expect(stream.labels == ["namespace": "shop", "pod": "web-1", "container": "app", "node": "node-1", "stream": "stdout",
                                  "app_kubernetes_io_name": "web", "tier": "front"])
        #expect(stream.entries[0].timestamp == 1_796_670_000_123_456_789)
        // The rest of the partial record, and a record without its newline yet.
        try Self.append(file, "2026-12-07T19:00:02Z stderr F part two\n2026-12-07T19:00:03Z stdout F not yet")
        await first.scan()
        _ = await first.flush()
        #expect(store.lines == ["hello", "part one, part two"])
        #expect(store.streams.withLock { $0.last?.entries.first?.timestamp } == 1_796_670_001_000_000_000)
        // Stopped (cancelled), it flushes and saves its positions.
        let running = Task { await first.run(interval: .milliseconds(1)) }
        running.cancel()
        await running.value
        // A new shipper (a restarted kubelet) goes on from the saved position.
        try Self.append(file, " complete\n")
        let second = Self.shipper(dir, store)
        await second.scan()
        _ = await second.flush()
        #expect(store.lines == ["hello", "part one, part two", "not yet complete"])
    }

    /// A batch the store refuses is dropped (counted) and shipping goes on; a store that is off pauses shipping.
    @Test func refusedBatchesAreDroppedAndAnAbsentStorePauses() async throws {
        let dir = TestPaths.temporaryDirectory("shipper-refused")
        defer { try? FileIO.removeTree(dir) }
        try FileIO.makeDirectories(dir + "/pods/shop_web-1_u1/app", mode: 0o755)
        try Self.append(dir + "/pods/shop_web-1_u1/app/0.log", "2026-12-07T19:00:00Z stdout F one\n2026-12-07T19:00:00Z stdout F two\n")
        for (failure, outcome) in [(LogShipper.PushFailure.rejected("400"), LogShipper.FlushOutcome.done), (.storeOff("404"), .storeOff)] {
            let shipper = LogShipper(directory: dir + "/pods", nodeName: "node-1", positionsPath: dir + "/positions-\(outcome).json",
                                     podLabels: { _ in nil }, push: { _ in throw failure }, logger: Logger(label: "test"))
            await shipper.scan()
            #expect(await shipper.flush() == outcome)
            #expect(await shipper.counters.droppedLines == 2)
            #expect(await shipper.pending.isEmpty)
        }
    }

    @Test func aSlowStoreCostsBoundedMemoryAndCountedDrops() async throws {
        let dir = TestPaths.temporaryDirectory("shipper-drop")
        defer { try? FileIO.removeTree(dir) }
        let logDir = dir + "/pods/shop_web-1_u2/app"
        try FileIO.makeDirectories(logDir, mode: 0o755)
        let store = Store()
        store.failing.withLock { $0 = true }
        let shipper = Self.shipper(dir, store, maxBuffered: 64 * 1024)
        // 2,000 lines of 100 bytes, and one of 1 MB (binary included) cut at 256 KiB.
        var text = ""
        for i in 0..<2000 { text += "2026-12-07T19:00:00Z stdout F line \(i) " + String(repeating: "x", count: 90) + "\n" }
        try Self.append(logDir + "/0.log", text)
        try Self.append(logDir + "/0.log", "2026-12-07T19:00:01Z stdout F \u{1}\u{7f}" + String(repeating: "y", count: 1 << 20) + "\n")
        await shipper.scan()
        #expect(await shipper.flush() == .failed)
        let counters = await shipper.counters
        #expect(counters.truncatedLines == 1)
        #expect(counters.droppedLines > 1000, "\(counters)")
        #expect(counters.failedPushes == 1)
        #expect(await shipper.pendingBytes <= LogStream.maxLineBytes + 64 + 64 * 1024)
        store.failing.withLock { $0 = false }
        #expect(await shipper.flush() == .done)
        #expect(store.lines.last?.utf8.count == LogStream.maxLineBytes)
        #expect(await shipper.counters.shippedLines + counters.droppedLines == 2001)
    }

    @Test func aWriterFasterThanTheShipperIsSkippedAheadOfAndCounted() async throws {
        let dir = TestPaths.temporaryDirectory("shipper-skip")
        defer { try? FileIO.removeTree(dir) }
        let logDir = dir + "/pods/shop_web-1_u2/app"
        try FileIO.makeDirectories(logDir, mode: 0o755)
        let store = Store()
        let shipper = Self.shipper(dir, store, maxBuffered: 16 * 1024, maxLag: 64 * 1024)
        // 1,000 records of 115 bytes: 115 KB, more than 64 KiB behind.
        var text = ""
        for i in 0..<1000 { text += "2026-12-07T19:00:00Z stdout F line \(String(format: "%04d", i)) " + String(repeating: "x", count: 74) + "\n" }
        try Self.append(logDir + "/0.log", text)
        await shipper.scan()
        #expect(await shipper.flush() == .done)
        let counters = await shipper.counters
        let lines = store.lines
        // The newest 16 KiB are read, from a whole record on, ending with the last; what was skipped is counted.
        #expect(lines.last?.hasPrefix("line 0999") == true && lines.allSatisfy { $0.hasPrefix("line ") && $0.count == 84 }, "\(lines.prefix(3))")
        // The records after the skip are read; the queue's own budget (a line's bytes and 64 more) drops the oldest of them.
        let record = text.utf8.count / 1000, kept = 16 * 1024 / record
        #expect(counters.skippedBytes == text.utf8.count - kept * record, "\(counters)")
        #expect(counters.shippedLines + counters.droppedLines == kept && lines.count == counters.shippedLines, "\(counters) \(lines.count)")
        #expect(LogShipperMetrics.render(counters).contains("swiftkube_log_shipper_skipped_bytes_total \(counters.skippedBytes)"))
    }
}
