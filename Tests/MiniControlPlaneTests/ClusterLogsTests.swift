import ClusterLogs
import Logging
import Foundation
import Testing
import TestSupport
@testable import MiniControlPlane

/// LogQL's selectors and line filters, and the SQLite log store under them.
@Suite struct ClusterLogsTests {
    @Test func logQueriesParseAsLokiParsesThem() throws {
        let q = try LogQuery(parsing: #"{namespace="shop", app=~"web|api", container!="sidecar"} |= "error" != "timeout" |~ `code=5\d\d`"#)
        #expect(q.matchers.map { "\($0.name)\($0.op.rawValue)\($0.value)" } == ["namespace=shop", "app=~web|api", "container!=sidecar"])
        #expect(q.filters.map(\.op) == [.contains, .notContains, .matches])
        #expect(q.selects(["namespace": "shop", "app": "web", "container": "main"]))
        #expect(!q.selects(["namespace": "shop", "app": "webby", "container": "main"]), "regex matchers are anchored")
        #expect(!q.selects(["namespace": "shop", "app": "api", "container": "sidecar"]))
        #expect(q.keeps("GET / error code=503"))
        #expect(!q.keeps("GET / error timeout code=503"))
        #expect(!q.keeps("GET / error code=200"))
        #expect(q.equalities == ["namespace": "shop"])
        #expect(q.requiredSubstrings == ["error"])

        func refusal(_ text: String) -> String {
            do { _ = try LogQuery(parsing: text); return "" } catch { return error.description }
        }
        #expect(refusal(#"{app=~".*"}"#).contains("queries require at least one regexp or equality matcher that does not have an empty-compatible value"))
        #expect(refusal(#"{app="web"} | json"#).contains("only line filters"))
        #expect(refusal(#"{app="web""#).hasPrefix("parse error at line 1, col"))
        #expect(refusal(#"{app="web"} |= "\d""#).contains("invalid escape"))
        #expect(refusal(#"{app=~"("}"#).contains("invalid regular expression"))
        #expect(refusal("sum(rate({app=\"web\"}[1m]))").contains("stream selector"))
        #expect(refusal(#"{a="b"} |= ""# + String(repeating: "x", count: LogQuery.maxLength)).contains("longer than"))
    }

    @Test func theStoreFindsLinesByLabelsTimeAndText() async throws {
        let dir = TestPaths.temporaryDirectory("logstore")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try LogStore(path: dir + "/logs.db")
        let web = ["namespace": "shop", "pod": "web-1", "container": "app", "node": "node-1"]
        let db = ["namespace": "shop", "pod": "db-0", "container": "postgres", "node": "node-2"]
        let base: Int64 = 1_796_600_000_000_000_000
        try await store.append([
            LogStream(labels: web, entries: (0..<10).map { LogEntry(timestamp: base + Int64($0) * 1_000_000_000, line: "GET /item/\($0) \($0 % 3 == 0 ? "500 error" : "200 ok")") }),
            LogStream(labels: db, entries: [LogEntry(timestamp: base, line: "checkpoint starting: time"), LogEntry(timestamp: base + 5, line: "ERROR: deadlock detected")]),
        ])
        #expect(try await store.count() == 12)
        // By label and text (the trigram index, case-sensitive), newest first, limited.
        let errors = try await store.query(LogQuery(parsing: #"{namespace="shop", pod=~"web-.*"} |= "error""#), start: base, end: base + 100_000_000_000, limit: 3)
        #expect(errors.count == 1 && errors[0].labels == web)
        #expect(errors[0].entries.map(\.line) == ["GET /item/9 500 error", "GET /item/6 500 error", "GET /item/3 500 error"])
        let forward = try await store.query(LogQuery(parsing: #"{namespace="shop"} |= "error""#), start: base, end: base + 100_000_000_000, limit: 10, direction: .forward)
        #expect(forward.flatMap(\.entries).map(\.line) == ["GET /item/0 500 error", "GET /item/3 500 error", "GET /item/6 500 error", "GET /item/9 500 error"])
        #expect(try await store.query(LogQuery(parsing: #"{node="node-2"} |~ "(?i)deadlock""#), start: base, end: base + 10, limit: 10).flatMap(\.entries).count == 1)
        // Short substrings (under a trigram) are filtered without the index.
        #expect(try await store.query(LogQuery(parsing: #"{pod="web-1"} |= "/7""#), start: base, end: base + 100_000_000_000, limit: 10).flatMap(\.entries).map(\.line) == ["GET /item/7 200 ok"])
        // The time range bounds what is found.
        #expect(try await store.query(LogQuery(parsing: #"{pod="web-1"}"#), start: base + 8_000_000_000, end: base + 100_000_000_000, limit: 100).flatMap(\.entries).count == 2)
        #expect(store.labelNames() == ["container", "namespace", "node", "pod"])
        #expect(store.labelValues("pod") == ["db-0", "web-1"])
        // Reopened, the streams are known again.
        let reopened = try LogStore(path: dir + "/logs.db")
        #expect(reopened.labelValues("node") == ["node-1", "node-2"])

        // A bad push stores nothing.
        await #expect(throws: LogRefusal.self) {
            try await store.append([LogStream(labels: web, entries: [LogEntry(timestamp: base, line: "fine")]),
                              LogStream(labels: ["bad-name": "x"], entries: [LogEntry(timestamp: base, line: "x")])])
        }
        await #expect(throws: LogRefusal.self) {
            try await store.append([LogStream(labels: web, entries: [LogEntry(timestamp: base, line: String(repeating: "x", count: LogStream.maxLineBytes + 1))])])
        }
        // Lines dated far ahead, or older than retention keeps, are refused.
        await #expect(throws: LogRefusal.self) {
            try await store.append([LogStream(labels: web, entries: [LogEntry(timestamp: LokiAPI.maxTime, line: "future")])])
        }
        await #expect(throws: LogRefusal.self) {
            try await store.append([LogStream(labels: web, entries: [LogEntry(timestamp: base, line: "old")])], oldest: base + 1)
        }
        #expect(try await store.count() == 12)

        // Retention: by age, then by size; empty streams are forgotten.
        let now = Date(timeIntervalSince1970: Double(base) / 1e9 + 7)
        #expect(try await store.enforceRetention(maxAge: 3, maxBytes: 1 << 40, now: now) == 6)
        #expect(store.labelValues("pod") == ["web-1"])
        try await store.append([LogStream(labels: db, entries: (0..<2000).map { LogEntry(timestamp: base + 10_000_000_000 + Int64($0), line: String(repeating: "filler \($0) ", count: 20)) })])
        let before = try await store.size()
        _ = try await store.enforceRetention(maxAge: 1e9, maxBytes: before / 2, now: now)
        #expect(try await store.size() <= before / 2)
        #expect(try await store.count() < 2006)
    }

    @Test func lokisPushAndTimeFormats() throws {
        let streams = try LokiAPI.parsePush(Array(#"{"streams":[{"stream":{"app":"web"},"values":[["1796600000000000000","hello"],["1796600000000000001","again",{"trace_id":"x"}]]}]}"#.utf8))
        #expect(streams == [LogStream(labels: ["app": "web"], entries: [LogEntry(timestamp: 1_796_600_000_000_000_000, line: "hello"),
                                                                         LogEntry(timestamp: 1_796_600_000_000_000_001, line: "again")])])
        #expect(throws: LogRefusal.self) { try LokiAPI.parsePush(Array(#"{"streams":[{"stream":{"app":"web"},"values":[[1,"x"]]}]}"#.utf8)) }
        #expect(throws: LogRefusal.self) { try LokiAPI.parsePush(Array("not json".utf8)) }
        #expect(try LokiAPI.parsePush(LokiAPI.pushBody(streams)) == streams)
        #expect(try LokiAPI.time("1796600000", name: "t") == 1_796_600_000_000_000_000)
        #expect(try LokiAPI.time("1796600000000000000", name: "t") == 1_796_600_000_000_000_000)
        // Loki's rule (10 digits or fewer: seconds), and times that would overflow clamp instead of trapping.
        #expect(try LokiAPI.time("9999999999", name: "t") == LokiAPI.maxTime)
        #expect(try LokiAPI.time("1000000000", name: "t") == 1_000_000_000_000_000_000)
        #expect(try LokiAPI.time("99999999999999999999", name: "t") == LokiAPI.maxTime)
        #expect(try LokiAPI.time("1e19", name: "t") == LokiAPI.maxTime)
        #expect(try LokiAPI.time("-5", name: "t") == 0)
        #expect(try LokiAPI.time("9999-12-31T23:59:59Z", name: "t") == LokiAPI.maxTime)
        #expect(LokiAPI.duration("99999999999h") == nil)
        #expect(try LokiAPI.time("1796600000.5", name: "t") == 1_796_600_000_500_000_000)
        #expect(try LokiAPI.time("2026-12-07T00:00:00Z", name: "t") == 1_796_601_600_000_000_000)
        #expect(throws: LogRefusal.self) { try LokiAPI.time("yesterday", name: "start") }
        #expect(LokiAPI.duration("1h30m") == 5400)
        #expect(LokiAPI.duration("soon") == nil)
    }
}

/// A component's own lines, kept for its log shipper.
@Suite struct ComponentLogTapTests {
    @Test func linesAreKeptOnlyOnceEnabledAndWithinTheBudget() {
        let tap = ComponentLogTap()
        tap.record("before anyone ships")
        #expect(tap.drain().lines.isEmpty)
        tap.enable()
        let line = String(repeating: "x", count: 1000)
        for _ in 0..<(ComponentLogTap.maxBytes / 1000 + 10) { tap.record(line) }
        let (lines, dropped) = tap.drain()
        #expect(lines.count == ComponentLogTap.maxBytes / 1000 && dropped == 10)
        #expect(tap.drain().lines.isEmpty)
    }

    @Test func theHandlerWritesTheLevelLabelMetadataAndMessage() {
        let tap = ComponentLogTap()
        tap.enable()
        var handler = TappedLogHandler(label: "kubelet", inner: StreamLogHandler.standardError(label: "kubelet"), tap: tap)
        handler.logLevel = .critical // what standard error gets; the tap takes every line it is handed
        var logger = Logger(label: "kubelet", factory: { _ in handler })
        logger[metadataKey: "pod"] = "web-1"
        logger.critical("started", metadata: ["container": "app"])
        #expect(tap.drain().lines.map(\.line) == ["critical kubelet: container=app pod=web-1 started"])
        #expect(ComponentLogTap.labels(component: "kubelet", node: "n1") == ["namespace": "kube-system", "component": "kubelet", "node": "n1", "stream": "stderr"])
    }
}

/// The control plane's own lines go to its log store, under kube-system.
@Suite(.requires(.product("controlplane"), .kubectl))
struct ControlPlaneOwnLogsTests {
    @Test func theControlPlanesLinesAreQueryable() async throws {
        try await withCluster(.sqlite, extraArgs: ["--log-level", "info"]) { c in
            let query = #"{namespace="kube-system", component="controlplane"}"#
                .addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let path = "/loki/api/v1/query_range?limit=100&query=\(query)"
            _ = await Harness.waitUntil(attempts: 100) { (try? c.kubectl("get", "--raw", path).stdout.contains("info ")) == true }
            let found = try c.kubectl("get", "--raw", path)
            #expect(found.stdout.contains(#""component":"controlplane""#) && found.stdout.contains("info "), "\(found.output.prefix(2000))")
        }
    }
}
