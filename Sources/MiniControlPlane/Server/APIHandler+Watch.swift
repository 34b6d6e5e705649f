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
        let sendInitialEvents = try Self.watchListMode(req, bookmarks: bookmarks)
        let info = path.info
        let requestedRevision = req.param("resourceVersion")
        var watching: (initial: [APIWatchEvent], events: AsyncThrowingStream<StoreEvent, any Error>, startRevision: Int64)
        do throws(Status) {
            // sendInitialEvents=true: the state now (not older than the
            // requested revision), then a bookmark marking its end.
            watching = try await registry.watch(info, path.namespace, q, resourceVersion: sendInitialEvents == true ? nil : requestedRevision)
            if sendInitialEvents == true, let rv = requestedRevision.flatMap(Int64.init), rv > watching.startRevision {
                throw APIErrors.timeout("Too large resource version: \(rv), current: \(watching.startRevision)")
            }
            if sendInitialEvents == false { watching.initial = [] }
        } catch where error.code == 410 {
            // Like Kubernetes: 200, then one ERROR event carrying the 410 Status.
            let event = JSONWriter.bytes(["type": "ERROR", "object": KubeCodec.encode(error)]) + [0x0A]
            return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: .stream({ w in try await w.write(event) }))
        }
        let opened = watching
        let metrics = self.metrics
        let bookmarkInterval = self.bookmarkInterval
        let encoder = WatchEncoder(info: info, form: form, registry: registry)
        // The stream's producer is a task of its own: back to large stacks (see `JSONParser.maxDepth`).
        return HTTPResponse(status: .ok, headers: ["Content-Type": "application/json"], body: .stream({ writer in
            try await withTaskExecutorPreference(LargeStackExecutor.shared) {
                metrics.watchStarted()
                defer { metrics.watchEnded() }
                for e in opened.initial { try await writer.write(await encoder.encodeConverting(e)) }
                let last = RevisionBox(max(opened.startRevision, opened.initial.map(\.revision).max() ?? 0))
                if sendInitialEvents == true { try await writer.write(encoder.bookmark(last.value, initialEventsEnd: true)) }
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
                            if let e = ResourceStorage.classify(se, q) { try await writer.write(await encoder.encodeConverting(e)) }
                            last.raise(to: se.revision)
                        }
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
            }
        }))
    }
}

extension APIHandler {
    /// The streaming-list options of a watch (`sendInitialEvents`, nil when
    /// absent), validated as kube-apiserver validates ListOptions.
    static func watchListMode(_ req: HTTPRequest, bookmarks: Bool) throws(Status) -> Bool? {
        var errors: [FieldError] = []
        let match = req.param("resourceVersionMatch")
        var send: Bool?
        if let s = req.param("sendInitialEvents") {
            guard let b = Bool(s) else { throw APIErrors.badRequest("sendInitialEvents must be true or false, not \(s)") }
            send = b
            if match != "NotOlderThan" {
                errors.append(.forbidden("resourceVersionMatch", "sendInitialEvents requires setting resourceVersionMatch to NotOlderThan"))
            }
            if b && !bookmarks {
                errors.append(.required("allowWatchBookmarks", "sendInitialEvents requires setting allowWatchBookmarks to true"))
            }
        }
        if let match, !match.isEmpty {
            if send == nil {
                errors.append(.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided"))
            }
            if match != "NotOlderThan" { errors.append(.notSupported("resourceVersionMatch", match, ["NotOlderThan"])) }
            if req.param("continue") != nil {
                errors.append(.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"))
            }
        }
        if !errors.isEmpty { throw invalidStatus(kind: "ListOptions", group: "meta.k8s.io", name: "", errors: errors) }
        return send
    }

    /// ListOptions checks of a list request (kube-apiserver's ValidateListOptions).
    static func validateListOptions(_ req: HTTPRequest) throws(Status) {
        var errors: [FieldError] = []
        if let match = req.param("resourceVersionMatch"), !match.isEmpty {
            if (req.param("resourceVersion") ?? "").isEmpty {
                errors.append(.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden unless resourceVersion is provided"))
            }
            if req.param("continue") != nil {
                errors.append(.forbidden("resourceVersionMatch", "resourceVersionMatch is forbidden when continue is provided"))
            }
            if match != "Exact" && match != "NotOlderThan" {
                errors.append(.notSupported("resourceVersionMatch", match, ["Exact", "NotOlderThan", ""]))
            }
            if match == "Exact" && req.param("resourceVersion") == "0" {
                errors.append(.forbidden("resourceVersionMatch", "resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\""))
            }
        }
        if req.param("sendInitialEvents") != nil {
            errors.append(.forbidden("sendInitialEvents", "sendInitialEvents is forbidden for list"))
        }
        if !errors.isEmpty { throw invalidStatus(kind: "ListOptions", group: "meta.k8s.io", name: "", errors: errors) }
    }
}

/// Encodes watch events as plain objects or Table rows.
struct WatchEncoder: Sendable {
    let info: ResourceInfo
    let form: APIHandler.OutputForm
    /// Converts custom objects through their definition's webhook.
    var registry: ResourceStorage?

    /// `encode`, after the definition's conversion webhook converted the object
    /// (an ERROR event carrying the failure when it could not).
    func encodeConverting(_ e: APIWatchEvent) async -> [UInt8] {
        guard info.custom?.conversionWebhook != nil, let registry else { return encode(e) }
        do {
            var obj = try await registry.served([try StoredObject.decode(e.bytes, revision: e.revision)], info)[0]
            obj.set(path: ["metadata", "resourceVersion"], to: nil)
            return encode(APIWatchEvent(type: e.type, bytes: JSONWriter.bytes(obj), revision: e.revision))
        } catch {
            let status = (error as? Status) ?? APIErrors.internalError("\(error)")
            return JSONWriter.bytes(["type": "ERROR", "object": KubeCodec.encode(status)]) + [0x0A]
        }
    }

    func encode(_ e: APIWatchEvent) -> [UInt8] {
        var out: [UInt8] = Array(#"{"object":"#.utf8)
        switch form {
        case .plain:
            out.append(contentsOf: StoredObject.inject(e.bytes, revision: e.revision, as: info))
        case .table(let include):
            let obj = info.fromStorage((try? StoredObject.decode(e.bytes, revision: e.revision)) ?? .emptyObject)
            JSONWriter.write(TablePrinter.table(info, objects: [obj], resourceVersion: String(e.revision), continueToken: nil,
                                                includeObject: include), into: &out)
        case .partialMetadata:
            let obj = info.fromStorage((try? StoredObject.decode(e.bytes, revision: e.revision)) ?? .emptyObject)
            JSONWriter.write(["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": obj["metadata"] ?? .emptyObject],
                             into: &out)
        }
        out.append(contentsOf: Array(#","type":""#.utf8) + Array(e.type.utf8) + Array("\"}\n".utf8))
        return out
    }

    /// A BOOKMARK event; the one ending a watch's initial events carries
    /// the `k8s.io/initial-events-end` annotation.
    func bookmark(_ revision: Int64, initialEventsEnd: Bool = false) -> [UInt8] {
        var meta: JSONValue = ["resourceVersion": .string(String(revision))]
        if initialEventsEnd { meta["annotations"] = ["k8s.io/initial-events-end": "true"] }
        let obj: JSONValue = ["kind": .string(info.kind), "apiVersion": .string(info.apiVersion), "metadata": meta]
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
