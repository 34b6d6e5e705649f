import Foundation
import NIOCore
import NIOHTTP1

/// One event of a watch.
public enum WatchEvent<T: KubeObject>: Sendable {
    case added(T)
    case modified(T)
    case deleted(T)
    /// A progress marker: no object changed, but resuming from here is safe.
    case bookmark(resourceVersion: String)

    /// The object, for added, modified and deleted events.
    public var object: T? {
        switch self {
        case .added(let o), .modified(let o), .deleted(let o): return o
        case .bookmark: return nil
        }
    }

    /// The resourceVersion to resume from after this event.
    public var resourceVersion: String? {
        switch self {
        case .added(let o), .modified(let o), .deleted(let o): return o.metadata.resourceVersion
        case .bookmark(let rv): return rv
        }
    }
}

extension KubeClient {
    /// Watches a collection. The stream ends when the server closes the watch
    /// (timeout); it fails with a `.status` error on an ERROR event, e.g. 410
    /// Gone when `resourceVersion` is too old (list again, then watch from the
    /// list's resourceVersion).
    ///
    /// `keepUnknownFields: false` skips remembering fields the model does not
    /// know (a second pass over every object): for callers that never write
    /// the objects back whole, as the kubelet's pod watch (it patches status).
    /// `resource`, when given, is watched instead of `T`'s own (see ``list(_:namespace:options:keepUnknownFields:resource:)``).
    public func watch<T: KubeObject>(_ type: T.Type, namespace: String? = nil, options: ListOptions = ListOptions(),
                                     keepUnknownFields: Bool = true, resource: ResourceInfo? = nil) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        let (stream, continuation) = AsyncThrowingStream<WatchEvent<T>, any Error>.makeStream()
        let ns = namespace == "" ? nil : namespaceFor(T.self, namespace, resource)
        let u = url(apiVersion: resource?.apiVersion ?? T.apiVersion, resource: resource?.plural ?? T.resource, namespace: ns,
                    query: Self.query(options, watch: true))
        let task = Task {
            do {
                let resp = try await send(.GET, u, body: nil, contentType: "application/json", timeout: .hours(24))
                if !(200..<300).contains(Int(resp.status.code)) {
                    let b = try await resp.body.collect(upTo: 1024 * 1024)
                    throw Self.statusError(Array(b.readableBytesView), code: Int(resp.status.code))
                }
                var buffer: [UInt8] = []
                for try await chunk in resp.body {
                    buffer.append(contentsOf: chunk.readableBytesView)
                    while let nl = buffer.firstIndex(of: 0x0A) {
                        let line = Array(buffer[..<nl])
                        buffer.removeSubrange(...nl)
                        if line.isEmpty { continue }
                        if let e = try Self.decodeWatchLine(T.self, line, keepUnknownFields: keepUnknownFields) { continuation.yield(e) }
                    }
                }
                if !buffer.isEmpty, let e = try Self.decodeWatchLine(T.self, buffer, keepUnknownFields: keepUnknownFields) { continuation.yield(e) }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    static func decodeWatchLine<T: KubeObject>(_ t: T.Type, _ line: [UInt8], keepUnknownFields: Bool = true) throws(KubeClientError) -> WatchEvent<T>? {
        let v: JSONValue
        do { v = try JSONParser.parse(line) } catch { throw .decoding("watch event: \(error.description)") }
        guard let type = v["type"]?.stringValue, let obj = v["object"] else { throw .decoding("watch event without type or object") }
        switch type {
        case "ERROR":
            let s = (try? KubeCodec.decode(Status.self, from: obj)) ?? Status(message: "watch error", reason: "Unknown", code: 500)
            throw .status(s)
        case "BOOKMARK":
            return .bookmark(resourceVersion: obj[path: ["metadata", "resourceVersion"]]?.stringValue ?? "")
        default:
            let o: T
            do {
                o = keepUnknownFields ? try KubeCodec.decodeObject(T.self, from: obj) : try KubeCodec.decode(T.self, from: obj)
            } catch {
                throw .decoding(error.message)
            }
            switch type {
            case "ADDED": return .added(o)
            case "MODIFIED": return .modified(o)
            case "DELETED": return .deleted(o)
            default: return nil
            }
        }
    }

    /// A watch that survives server-side timeouts and dropped connections by
    /// re-watching from the last resourceVersion it saw. It fails with a
    /// `.status` error whose `isGone` is true when that resourceVersion has
    /// been compacted; the caller then lists again.
    public func watchResuming<T: KubeObject>(_ type: T.Type, namespace: String? = nil, from resourceVersion: String,
                                             options: ListOptions = ListOptions(), keepUnknownFields: Bool = true,
                                             resource: ResourceInfo? = nil) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        let (stream, continuation) = AsyncThrowingStream<WatchEvent<T>, any Error>.makeStream()
        let task = Task {
            var rv = resourceVersion
            var failures = 0
            while !Task.isCancelled {
                var o = options
                o.resourceVersion = rv
                o.allowWatchBookmarks = true
                do {
                    for try await e in self.watch(T.self, namespace: namespace, options: o, keepUnknownFields: keepUnknownFields, resource: resource) {
                        failures = 0
                        if let r = e.resourceVersion, !r.isEmpty { rv = r }
                        continuation.yield(e)
                    }
                } catch let e as KubeClientError where e.code != nil {
                    continuation.finish(throwing: e)
                    return
                } catch {
                    failures += 1
                    // Back off on transport errors: 0.2 s doubling to 10 s.
                    let delay = min(10.0, 0.2 * pow(2.0, Double(min(failures, 6))))
                    try? await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
                }
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }
}
