import AsyncHTTPClient
import Foundation
import KubeAPI
import NIOCore
import NIOHTTP1

/// The etcd v3 backend, spoken through etcd's JSON gateway on the client port
/// (`POST /v3/kv/range|txn|deleterange|compaction`, streaming `/v3/watch`),
/// with base64 keys and values. No protobuf code is needed.
public final class EtcdStore: Store {
    private let endpoints: [String]
    /// Key-value requests.
    private let client: HTTPClient
    /// Watches: each holds one HTTP/1.1 connection for its lifetime, so they
    /// get their own pool and can never starve key-value requests.
    private let watchClient: HTTPClient
    /// One upstream watch shared by all API watches on recent revisions.
    let hub = EtcdWatchHub()

    /// Connects to etcd at `endpoints` (e.g. `http://127.0.0.1:2379`).
    public init(endpoints: [String]) {
        self.endpoints = endpoints
        var config = HTTPClient.Configuration()
        config.timeout = .init(connect: .seconds(5), read: nil)
        config.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        // With several members, a refused connection moves on to the next at
        // once instead of being retried until the connect timeout.
        config.connectionPool.retryConnectionEstablishment = endpoints.count < 2
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
        var watchConfig = config
        watchConfig.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 100_000)
        watchConfig.connectionPool.retryConnectionEstablishment = endpoints.count < 2
        self.watchClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: watchConfig)
    }

    /// Parses `etcd://host:2379[,host:2379]` into endpoint URLs.
    public static func endpoints(fromDatastore url: String) -> [String]? {
        guard url.hasPrefix("etcd://") || url.hasPrefix("http://") else { return nil }
        let rest = url.hasPrefix("etcd://") ? String(url.dropFirst("etcd://".count)) : String(url.dropFirst("http://".count))
        let hosts = rest.split(separator: ",").map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: "/")) }
        guard !hosts.isEmpty, hosts.allSatisfy({ !$0.isEmpty }) else { return nil }
        return hosts.map { "http://\($0)" }
    }

    private static func b64(_ s: String) -> JSONValue { .string(Data(s.utf8).base64EncodedString()) }
    private static func b64(_ b: [UInt8]) -> JSONValue { .string(Data(b).base64EncodedString()) }
    private static func unb64(_ v: JSONValue?) -> [UInt8] {
        guard let s = v?.stringValue, let d = Data(base64Encoded: s) else { return [] }
        return [UInt8](d)
    }
    private static func int(_ v: JSONValue?) -> Int64 {
        switch v {
        case .string(let s)?: return Int64(s) ?? 0
        case .int(let i)?: return i
        default: return 0
        }
    }

    /// POSTs a JSON body to each endpoint in turn until one answers.
    private func call(_ path: String, _ body: JSONValue) async throws(StoreError) -> JSONValue {
        var lastError = "no endpoints"
        for endpoint in endpoints {
            do {
                var req = HTTPClientRequest(url: endpoint + path)
                req.method = .POST
                req.headers.add(name: "Content-Type", value: "application/json")
                req.body = .bytes(ByteBuffer(bytes: JSONWriter.bytes(body)))
                let resp = try await client.execute(req, timeout: .seconds(30))
                let bytes = try await resp.body.collect(upTo: 512 * 1024 * 1024)
                let v = try JSONParser.parse(Array(bytes.readableBytesView))
                if let err = v["error"]?.stringValue ?? v["message"]?.stringValue {
                    throw Self.mapError(err)
                }
                return v
            } catch let e as StoreError {
                throw e
            } catch {
                lastError = "\(endpoint): \(error)"
            }
        }
        throw .unavailable("etcd: \(lastError)")
    }

    private static func mapError(_ message: String) -> StoreError {
        if message.contains("compacted") { return .compacted(requested: 0, compactRevision: 0) }
        if message.contains("future revision") { return .futureRevision(requested: 0, current: 0) }
        return .unavailable("etcd: \(message)")
    }

    private static func kv(_ v: JSONValue) -> StoredValue {
        StoredValue(key: String(decoding: unb64(v["key"]), as: UTF8.self), value: unb64(v["value"]),
                    modRevision: int(v["mod_revision"]), createRevision: int(v["create_revision"]))
    }

    public func create(key: String, value: [UInt8]) async throws(StoreError) -> Int64 {
        let r = try await call("/v3/kv/txn", [
            "compare": [["key": Self.b64(key), "result": "EQUAL", "target": "CREATE", "create_revision": "0"]],
            "success": [["request_put": ["key": Self.b64(key), "value": Self.b64(value)]]],
        ])
        guard r["succeeded"]?.boolValue == true else { throw .alreadyExists(key: key) }
        return Self.int(r[path: ["header", "revision"]])
    }

    public func update(key: String, value: [UInt8], expectedRevision: Int64) async throws(StoreError) -> Int64 {
        let r = try await call("/v3/kv/txn", [
            "compare": [["key": Self.b64(key), "result": "EQUAL", "target": "MOD", "mod_revision": .string(String(expectedRevision))]],
            "success": [["request_put": ["key": Self.b64(key), "value": Self.b64(value)]]],
            "failure": [["request_range": ["key": Self.b64(key)]]],
        ])
        if r["succeeded"]?.boolValue == true { return Self.int(r[path: ["header", "revision"]]) }
        throw failure(r, key: key)
    }

    private func failure(_ r: JSONValue, key: String) -> StoreError {
        let kvs = r["responses"]?.arrayValue?.first?[path: ["response_range", "kvs"]]?.arrayValue ?? []
        guard let cur = kvs.first else { return .notFound(key: key) }
        return .conflict(key: key, currentRevision: Self.int(cur["mod_revision"]))
    }

    public func delete(key: String, expectedRevision: Int64?) async throws(StoreError) -> (revision: Int64, last: StoredValue) {
        var compare: [JSONValue] = [["key": Self.b64(key), "result": "GREATER", "target": "CREATE", "create_revision": "0"]]
        if let expectedRevision {
            compare = [["key": Self.b64(key), "result": "EQUAL", "target": "MOD", "mod_revision": .string(String(expectedRevision))]]
        }
        let r = try await call("/v3/kv/txn", [
            "compare": .array(compare),
            "success": [["request_delete_range": ["key": Self.b64(key), "prev_kv": true]]],
            "failure": [["request_range": ["key": Self.b64(key)]]],
        ])
        guard r["succeeded"]?.boolValue == true else { throw failure(r, key: key) }
        let prev = r["responses"]?.arrayValue?.first?[path: ["response_delete_range", "prev_kvs"]]?.arrayValue?.first
        guard let prev else { throw .notFound(key: key) }
        return (Self.int(r[path: ["header", "revision"]]), Self.kv(prev))
    }

    public func get(key: String) async throws(StoreError) -> StoredValue? {
        let r = try await call("/v3/kv/range", ["key": Self.b64(key)])
        return r["kvs"]?.arrayValue?.first.map(Self.kv)
    }

    public func list(prefix: String, startAfter: String?, limit: Int, revision: Int64) async throws(StoreError) -> StoreListResult {
        var body: JSONValue = [
            "key": Self.b64(startAfter.map { $0 + "\u{0}" } ?? prefix),
            "range_end": Self.b64(prefixEnd(prefix)),
        ]
        if limit > 0 { body["limit"] = .string(String(limit)) }
        if revision > 0 { body["revision"] = .string(String(revision)) }
        let r: JSONValue
        do {
            r = try await call("/v3/kv/range", body)
        } catch .compacted {
            throw .compacted(requested: revision, compactRevision: 0)
        } catch .futureRevision {
            throw .futureRevision(requested: revision, current: 0)
        }
        let items = (r["kvs"]?.arrayValue ?? []).map(Self.kv)
        let rev = revision > 0 ? revision : Self.int(r[path: ["header", "revision"]])
        return StoreListResult(items: items, revision: rev, more: r["more"]?.boolValue ?? false)
    }

    public func currentRevision() async throws(StoreError) -> Int64 {
        let r = try await call("/v3/kv/range", ["key": Self.b64("/meta/revision-probe")])
        return Self.int(r[path: ["header", "revision"]])
    }

    public func compact(revision: Int64) async throws(StoreError) {
        do {
            _ = try await call("/v3/kv/compaction", ["revision": .string(String(revision))])
        } catch .compacted {
            return
        }
    }

    /// Watches through the shared upstream watch when its recent history
    /// covers `afterRevision`, otherwise with a watch of its own.
    public func watch(prefix: String, afterRevision: Int64) async throws(StoreError) -> AsyncThrowingStream<StoreEvent, any Error> {
        try await checkNotCompacted(prefix: prefix, revision: afterRevision)
        if prefix.hasPrefix(EtcdWatchHub.prefix), let s = try await hub.subscribe(prefix: prefix, after: afterRevision, store: self) {
            return s
        }
        return try await directWatch(prefix: prefix, afterRevision: afterRevision, checked: true)
    }

    /// Fails with `.compacted` when `revision` is no longer readable.
    func checkNotCompacted(prefix: String, revision: Int64) async throws(StoreError) {
        guard revision > 0 else { return }
        do {
            _ = try await call("/v3/kv/range", ["key": Self.b64(prefix), "revision": .string(String(revision)),
                                                "limit": "1", "keys_only": true])
        } catch .compacted {
            throw .compacted(requested: revision, compactRevision: 0)
        } catch .futureRevision {
            // Watching from a future revision simply waits for it.
        }
    }

    /// A watch with its own etcd stream.
    func directWatch(prefix: String, afterRevision: Int64, checked: Bool = false) async throws(StoreError) -> AsyncThrowingStream<StoreEvent, any Error> {
        // Surfaces "compacted" before the stream starts, as the SQLite store does.
        if !checked { try await checkNotCompacted(prefix: prefix, revision: afterRevision) }
        let (stream, continuation) = AsyncThrowingStream<StoreEvent, any Error>.makeStream()
        let client = self.watchClient
        let endpoints = self.endpoints
        let request: JSONValue = ["create_request": [
            "key": Self.b64(prefix), "range_end": Self.b64(prefixEnd(prefix)),
            "start_revision": .string(String(afterRevision + 1)), "prev_kv": true,
        ]]
        let task = Task {
            do {
                // The first endpoint that accepts the watch serves it.
                var response: HTTPClientResponse?
                var lastError: (any Error)?
                for endpoint in endpoints {
                    var req = HTTPClientRequest(url: endpoint + "/v3/watch")
                    req.method = .POST
                    req.headers.add(name: "Content-Type", value: "application/json")
                    req.body = .bytes(ByteBuffer(bytes: JSONWriter.bytes(request)))
                    do {
                        response = try await client.execute(req, timeout: .hours(24 * 365))
                        break
                    } catch {
                        lastError = error
                    }
                }
                guard let resp = response else {
                    throw StoreError.unavailable("etcd watch: \(lastError.map { "\($0)" } ?? "no endpoints")")
                }
                var splitter = JSONStreamSplitter()
                for try await chunk in resp.body {
                    for message in splitter.feed(Array(chunk.readableBytesView)) {
                        let v = try JSONParser.parse(message)
                        guard let result = v["result"] else {
                            throw StoreError.unavailable("etcd watch: \(v["error"].map(JSONWriter.string) ?? "bad message")")
                        }
                        if Self.int(result["compact_revision"]) > 0 {
                            throw StoreError.compacted(requested: afterRevision, compactRevision: Self.int(result["compact_revision"]))
                        }
                        if result["canceled"]?.boolValue == true {
                            throw StoreError.unavailable("etcd watch canceled: \(result["cancel_reason"]?.stringValue ?? "")")
                        }
                        for e in result["events"]?.arrayValue ?? [] {
                            let kv = Self.kv(e["kv"] ?? .emptyObject)
                            let prev = e["prev_kv"].map(Self.kv)
                            let isDelete = e["type"]?.stringValue == "DELETE"
                            continuation.yield(StoreEvent(
                                kind: isDelete ? .delete : .put, key: kv.key,
                                value: isDelete ? (prev?.value ?? []) : kv.value, previousValue: prev?.value,
                                revision: kv.modRevision, created: !isDelete && kv.createRevision == kv.modRevision))
                        }
                    }
                }
                continuation.finish(throwing: StoreError.unavailable("etcd watch stream ended"))
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    public func close() async {
        hub.stop()
        try? await client.shutdown()
        try? await watchClient.shutdown()
    }
}

/// Splits a byte stream of concatenated JSON objects into whole objects.
struct JSONStreamSplitter {
    private var buffer: [UInt8] = []
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var start = 0
    private var scanned = 0

    mutating func feed(_ bytes: [UInt8]) -> [[UInt8]] {
        buffer.append(contentsOf: bytes)
        var out: [[UInt8]] = []
        var i = scanned
        while i < buffer.count {
            let b = buffer[i]
            if inString {
                if escaped { escaped = false } else if b == 0x5C { escaped = true } else if b == 0x22 { inString = false }
            } else if b == 0x22 {
                inString = true
            } else if b == 0x7B {
                if depth == 0 { start = i }
                depth += 1
            } else if b == 0x7D {
                depth -= 1
                if depth == 0 { out.append(Array(buffer[start...i])) }
            }
            i += 1
        }
        if depth == 0 {
            buffer.removeAll(keepingCapacity: true)
            scanned = 0
            start = 0
        } else {
            buffer.removeFirst(start)
            scanned = buffer.count
            start = 0
        }
        return out
    }
}
