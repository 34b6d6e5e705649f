import Foundation
import KubeAPI

/// Selectors and paging of a list or watch request.
struct ListQuery: Sendable {
    var labels = LabelRequirements.everything
    var fields = FieldSelector.everything
    var limit = 0
    var continueToken: String?

    var filters: Bool { !labels.isEmpty || !fields.isEmpty }

    func matches(_ obj: JSONValue) -> Bool {
        if !labels.isEmpty {
            let l = obj[path: ["metadata", "labels"]]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
            if !labels.matches(l) { return false }
        }
        return fields.matches(obj)
    }
}

/// One page of matching objects, still in stored form.
struct ListPage: Sendable {
    var items: [StoredValue]
    var revision: Int64
    var continueToken: String?
}

/// A watch event ready to encode.
struct APIWatchEvent: Sendable {
    var type: String
    /// Stored bytes of the object (resourceVersion not yet injected).
    var bytes: [UInt8]
    var revision: Int64
}

extension ResourceStorage {
    static func encodeContinue(revision: Int64, start: String) -> String {
        ContinueToken(revision: revision, start: start).encoded
    }

    /// Lists objects matching the query, paging through the store.
    func list(_ info: ResourceInfo, _ ns: String?, _ q: ListQuery) async throws(Status) -> ListPage {
        var startAfter: String?
        var revision: Int64 = 0
        if let token = q.continueToken, !token.isEmpty {
            do {
                let c = try ContinueToken(decoding: token, prefix: info.prefix(namespace: ns))
                (revision, startAfter) = (c.revision, c.start)
            } catch {
                throw APIErrors.badRequest(error.message)
            }
        }
        let prefix = info.prefix(namespace: ns)
        var out: [StoredValue] = []
        while true {
            let want = q.limit > 0 ? max(q.limit - out.count, q.filters ? 500 : 0) : 0
            let page: StoreListResult
            do {
                page = try await store.list(prefix: prefix, startAfter: startAfter, limit: want, revision: revision)
            } catch .compacted {
                throw APIErrors.gone("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
            } catch {
                throw Self.status(error, info, "")
            }
            revision = page.revision
            var lastKey = startAfter
            for item in page.items {
                lastKey = item.key
                if q.filters {
                    guard let obj = try? StoredObject.decode(item.value, revision: item.modRevision), q.matches(obj) else { continue }
                }
                out.append(item)
                if q.limit > 0, out.count == q.limit {
                    let more = page.more || item.key != page.items.last?.key
                    return ListPage(items: out, revision: revision,
                                    continueToken: more ? Self.encodeContinue(revision: revision, start: item.key) : nil)
                }
            }
            if !page.more { return ListPage(items: out, revision: revision, continueToken: nil) }
            startAfter = lastKey
        }
    }

    /// Opens a watch. `resourceVersion` empty or "0" starts with synthetic
    /// ADDED events for the current objects.
    func watch(_ info: ResourceInfo, _ ns: String?, _ q: ListQuery, resourceVersion: String?) async throws(Status)
        -> (initial: [APIWatchEvent], events: AsyncThrowingStream<StoreEvent, any Error>, startRevision: Int64)
    {
        var initial: [APIWatchEvent] = []
        var from: Int64
        if let rv = resourceVersion, !rv.isEmpty, rv != "0" {
            do { from = try ListParameters.resourceVersion(rv) } catch { throw APIErrors.badRequest(error.message) }
        } else {
            let page = try await list(info, ns, ListQuery(labels: q.labels, fields: q.fields))
            initial = page.items.map { APIWatchEvent(type: "ADDED", bytes: $0.value, revision: $0.modRevision) }
            from = page.revision
        }
        do {
            let stream = try await store.watch(prefix: info.prefix(namespace: ns), afterRevision: from)
            return (initial, stream, from)
        } catch .compacted(let r, let c) {
            throw APIErrors.gone("too old resource version: \(r) (\(c))")
        } catch {
            throw Self.status(error, info, "")
        }
    }

    /// Turns a store event into an API watch event under the query's filters.
    static func classify(_ e: StoreEvent, _ q: ListQuery) -> APIWatchEvent? {
        if !q.filters {
            switch e.kind {
            case .delete: return APIWatchEvent(type: "DELETED", bytes: e.value, revision: e.revision)
            case .put: return APIWatchEvent(type: e.created ? "ADDED" : "MODIFIED", bytes: e.value, revision: e.revision)
            }
        }
        func match(_ b: [UInt8]?) -> Bool {
            guard let b, let v = try? JSONParser.parse(b) else { return false }
            return q.matches(v)
        }
        switch e.kind {
        case .delete:
            return match(e.previousValue ?? e.value) ? APIWatchEvent(type: "DELETED", bytes: e.value, revision: e.revision) : nil
        case .put:
            let now = match(e.value)
            let before = !e.created && match(e.previousValue)
            switch (before, now) {
            case (false, true): return APIWatchEvent(type: "ADDED", bytes: e.value, revision: e.revision)
            case (true, true): return APIWatchEvent(type: "MODIFIED", bytes: e.value, revision: e.revision)
            case (true, false): return APIWatchEvent(type: "DELETED", bytes: e.value, revision: e.revision)
            case (false, false): return nil
            }
        }
    }
}
