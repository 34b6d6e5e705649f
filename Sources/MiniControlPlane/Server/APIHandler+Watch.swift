import Foundation
import KubeAPI
import NIOHTTP1
import Synchronization
import HTTPServing

extension APIHandler {

    /// A streaming watch: newline-separated `{"type":…,"object":…}` events.
    func watch(_ req: HTTPRequest, _ path: APIPath, _ q: ListQuery, _ form: OutputForm) async throws(Status) -> HTTPResponse {
        let timeout: Duration
        if let t = req.param("timeoutSeconds"), let n = Int64(t), n > 0 {
            timeout = .seconds(min(n, 3600))
        } else {
            timeout = .seconds(Int64.random(in: 1800...3600))
        }
        let bookmarks = req.flag("allowWatchBookmarks")
        let info = path.info
        let opened: (initial: [APIWatchEvent], events: AsyncThrowingStream<StoreEvent, any Error>, startRevision: Int64)
        do {
            opened = try await registry.watch(info, path.namespace, q, resourceVersion: req.param("resourceVersion"))
        } catch where error.code == 410 {
            // Like Kubernetes: 200, then one ERROR event carrying the 410 Status.
            let event = JSONWriter.bytes(["type": "ERROR", "object": KubeCodec.encode(error)]) + [0x0A]
            return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: .stream({ w in try await w.write(event) }))
        }
        let metrics = self.metrics
        let bookmarkInterval = self.bookmarkInterval
        let encoder = WatchEncoder(info: info, form: form)
        return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: .stream({ writer in
            metrics.watchStarted()
            defer { metrics.watchEnded() }
            for e in opened.initial { try await writer.write(encoder.encode(e)) }
            let last = RevisionBox(max(opened.startRevision, opened.initial.map(\.revision).max() ?? 0))
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await Task.sleep(for: timeout) }
                if bookmarks {
                    group.addTask {
                        while !Task.isCancelled {
                            try await Task.sleep(for: bookmarkInterval)
                            try await writer.write(encoder.bookmark(last.value))
                        }
                    }
                }
                group.addTask {
                    for try await se in opened.events {
                        if let e = ResourceStorage.classify(se, q) { try await writer.write(encoder.encode(e)) }
                        last.raise(to: se.revision)
                    }
                }
                _ = try await group.next()
                group.cancelAll()
            }
        }))
    }
}

/// Encodes watch events as plain objects or Table rows.
struct WatchEncoder: Sendable {
    let info: ResourceInfo
    let form: APIHandler.OutputForm

    func encode(_ e: APIWatchEvent) -> [UInt8] {
        var out: [UInt8] = Array(#"{"object":"#.utf8)
        switch form {
        case .plain:
            out.append(contentsOf: StoredObject.inject(e.bytes, revision: e.revision))
        case .table(let include):
            let obj = (try? StoredObject.decode(e.bytes, revision: e.revision)) ?? .emptyObject
            JSONWriter.write(TablePrinter.table(kind: info.kind, objects: [obj], resourceVersion: String(e.revision), continueToken: nil,
                                                includeObject: include), into: &out)
        case .partialMetadata:
            let obj = (try? StoredObject.decode(e.bytes, revision: e.revision)) ?? .emptyObject
            JSONWriter.write(["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"] ?? .emptyObject],
                             into: &out)
        }
        out.append(contentsOf: Array(#","type":""#.utf8) + Array(e.type.utf8) + Array("\"}\n".utf8))
        return out
    }

    func bookmark(_ revision: Int64) -> [UInt8] {
        let obj: JSONValue = ["kind": .string(info.kind), "apiVersion": .string(info.apiVersion),
                              "metadata": ["resourceVersion": .string(String(revision))]]
        return JSONWriter.bytes(["type": "BOOKMARK", "object": obj]) + [0x0A]
    }
}

extension APIHandler.OutputForm: @unchecked Sendable {}

/// The highest revision a watch has passed, shared with its bookmark task.
final class RevisionBox: Sendable {
    private let m: Mutex<Int64>
    init(_ v: Int64) { m = Mutex(v) }
    var value: Int64 { m.withLock { $0 } }
    func raise(to v: Int64) { m.withLock { $0 = max($0, v) } }
}
