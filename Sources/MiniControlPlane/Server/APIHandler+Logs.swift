import AsyncHTTPClient
import ClusterLogs
import Foundation
import HTTPServing
import KubeAPI
import NIOCore
import NIOHTTP1
import Streaming

extension APIHandler {
    /// Loki's HTTP API on the API server (`/loki/api/v1/…`), over the cluster's log store:
    ///
    /// - `POST push` (JSON): nodes ship their containers' lines here; a node's
    ///   lines carry its own name as `node`, whatever it sends. Others need
    ///   RBAC's `post` on the non-resource URL `/loki/api/v1/push`.
    /// - `GET query_range`, `query`: as `kubectl logs`, reading needs `get` on
    ///   `pods/log`, in the namespace the selector names (`namespace="x"`),
    ///   or in every namespace for a selector that names none.
    /// - `GET tail` (websocket): the lines of `query_range` from `start` (an
    ///   hour ago by default, at most `limit` of them), then new lines as they
    ///   are stored, as Loki's tail sends them; `pods/log` as for a query.
    /// - `GET labels`, `label/NAME/values`: `get` on `pods/log` in every namespace.
    ///
    /// Refusals are `Status` objects (kubectl and Kubernetes clients show their message) with Loki's wording.
    func lokiRequest(_ req: HTTPRequest, segs: [String], user: UserInfo) async -> HTTPResponse {
        guard let logs else {
            return .text("the cluster log store is off: start the control plane with --log-store true (or --log-forward-url URL for an external Loki)\n", status: .notFound)
        }
        guard segs.count >= 4, segs[1] == "api", segs[2] == "v1" else { return Self.status(APIErrors.notFoundPath(req.path)) }
        let endpoint = segs[3...].joined(separator: "/")
        if endpoint == "push" {
            guard req.method == .POST else { return Self.status(APIErrors.methodNotAllowed()) }
            if user.nodeName == nil, let refused = forbiddenPath(req, user: user) { return refused }
            return await lokiPush(req, user: user, logs: logs)
        }
        guard req.method == .GET || req.method == .POST else { return Self.status(APIErrors.methodNotAllowed()) }
        guard let store = logs.store else {
            return .text("logs are forwarded to \(logs.forwardURL ?? "another server"); query them there\n", status: .notFound)
        }
        let q = req.query.mapValues { $0.last ?? "" }
        do {
            switch endpoint {
            case "query_range", "query":
                let query = try LogQuery(parsing: q["query"] ?? "")
                let namespace = query.equalities["namespace"]
                if let refused = forbiddenLogs(user, namespace: namespace) { return refused }
                let now = LokiAPI.clamp(Date().timeIntervalSince1970)
                let end = try LokiAPI.time(q["end"] ?? q["time"], name: "end") ?? now
                // `since` is the default range (an hour), an explicit `start` wins.
                var lookback = 3600.0
                if let since = q["since"] {
                    guard let seconds = LokiAPI.duration(since) else { return Self.status(APIErrors.badRequest("invalid since '\(since)': want a duration such as 1h")) }
                    lookback = seconds
                }
                var start = try LokiAPI.time(q["start"], name: "start") ?? max(0, end - LokiAPI.clamp(lookback))
                // Loki's max_query_length: 721 hours.
                start = max(start, end - LokiAPI.clamp(721 * 3600))
                guard start <= end else { return Self.status(APIErrors.badRequest("the query time range exceeds the limit (start is after end)")) }
                let limit = Int(q["limit"] ?? "") ?? 100
                guard (1...5000).contains(limit) else { return Self.status(APIErrors.badRequest("limit must be 1 to 5000, not \(q["limit"] ?? "")")) }
                guard let direction = LogStore.Direction(rawValue: q["direction"] ?? "backward") else {
                    return Self.status(APIErrors.badRequest("invalid direction '\(q["direction"] ?? "")': want forward or backward"))
                }
                let streams = try await store.query(query, start: start, end: end, limit: limit, direction: direction)
                return .jsonBytes(LokiAPI.streamsResult(streams))
            case "tail":
                let query = try LogQuery(parsing: q["query"] ?? "")
                if let refused = forbiddenLogs(user, namespace: query.equalities["namespace"]) { return refused }
                let now = LokiAPI.clamp(Date().timeIntervalSince1970)
                let start = try LokiAPI.time(q["start"], name: "start") ?? now - LokiAPI.clamp(3600)
                let limit = Int(q["limit"] ?? "") ?? 100
                guard (1...5000).contains(limit) else { return Self.status(APIErrors.badRequest("limit must be 1 to 5000, not \(q["limit"] ?? "")")) }
                return tail(req, query: query, start: start, limit: limit, store: store)
            case "labels":
                if let refused = forbiddenLogs(user, namespace: nil) { return refused }
                return .jsonBytes(LokiAPI.stringsResult(store.labelNames()))
            default:
                if segs.count == 6, segs[3] == "label", segs[5] == "values" {
                    if let refused = forbiddenLogs(user, namespace: nil) { return refused }
                    return .jsonBytes(LokiAPI.stringsResult(store.labelValues(segs[4])))
                }
                return Self.status(APIErrors.notFoundPath(req.path))
            }
        } catch let error as LogQuery.ParseError {
            return Self.status(APIErrors.badRequest(error.description))
        } catch let error as LogRefusal {
            return Self.status(APIErrors.badRequest(error.description))
        } catch {
            logger.warning("log query \(req.uri): \(error)")
            return .text("log store: \(error)\n", status: .internalServerError)
        }
    }

    /// 403 unless the user may read pods' logs in `namespace` (every namespace when nil).
    func forbiddenLogs(_ user: UserInfo, namespace: String?) -> HTTPResponse? {
        let attrs = RequestAttributes(verb: "get", group: "", resource: "pods", subresource: "log", namespace: namespace)
        return authorizer.allows(user, attrs) ? nil : Self.status(Authorizer.forbidden(user, attrs))
    }

    /// 403 when a stream names a pod that is bound to a node other than
    /// `node`. Pods that are gone pass: their last lines may come after them,
    /// and they carry the pushing node's name.
    func foreignPodStream(_ streams: [LogStream], node: String) async -> HTTPResponse? {
        var checked: Set<String> = []
        for stream in streams {
            guard let pod = stream.labels["pod"], let namespace = stream.labels["namespace"],
                  checked.insert(namespace + "/" + pod).inserted else { continue }
            guard let object = try? await registry.get(ResourceCatalog.info(for: Pod.self), namespace, pod),
                  let boundTo = object[path: ["spec", "nodeName"]]?.stringValue, boundTo != node else { continue }
            return Self.status(Status(message: "node \"\(node)\" cannot push log lines of pod \(namespace)/\(pod), which is bound to node \"\(boundTo)\"",
                                      reason: "Forbidden", code: 403))
        }
        return nil
    }

    func lokiPush(_ req: HTTPRequest, user: UserInfo, logs: ClusterLogService) async -> HTTPResponse {
        var streams: [LogStream]
        do { streams = try LokiAPI.parsePush(req.body) } catch {
            return Self.status(APIErrors.badRequest(error.description))
        }
        // A node speaks for itself only: its name on every line, and no lines
        // of pods bound to another node (NodeRestriction's rule for pods).
        if let node = user.nodeName {
            for i in streams.indices { streams[i].labels["node"] = node }
            if let refused = await foreignPodStream(streams, node: node) { return refused }
        }
        do {
            try await logs.ingest(streams)
        } catch let refusal as LogRefusal {
            return Self.status(APIErrors.badRequest(refusal.description))
        } catch let failed as LogForwardError {
            return .text(failed.description + "\n", status: .badGateway)
        } catch {
            logger.warning("log store: push failed: \(error)")
            return .text("log store: \(error)\n", status: .internalServerError)
        }
        return HTTPResponse(status: .noContent, body: .bytes([]))
    }
}

extension APIHandler {
    /// How often a tail looks for new lines.
    static let tailInterval: Duration = .seconds(1)

    /// Loki's tail websocket over the store: the lines from `start`, then
    /// each second the lines stored since, until the client goes. Lines of
    /// the same nanosecond as the last one sent are told apart by their text,
    /// so none is sent twice or skipped.
    func tail(_ req: HTTPRequest, query: LogQuery, start: Int64, limit: Int, store: LogStore) -> HTTPResponse {
        guard WebSocketHandshake.isUpgrade(upgrade: req.headers.first(name: "upgrade"), connection: req.headers.first(name: "connection")),
              let key = req.headers.first(name: "sec-websocket-key") else {
            return Self.status(APIErrors.badRequest("tail is a websocket: send Connection: Upgrade and Upgrade: websocket"))
        }
        var headers = HTTPHeaders([("Upgrade", "websocket"), ("Connection", "Upgrade"),
                                   ("Sec-WebSocket-Accept", WebSocketHandshake.acceptValue(forKey: key))])
        // Browsers that offered subprotocols (one carried their token) need one back.
        if let offered = req.headers.first(name: "sec-websocket-protocol")?.split(separator: ",").first {
            headers.add(name: "Sec-WebSocket-Protocol", value: String(offered).trimmingSpaces)
        }
        let logger = self.logger
        return .upgrade(headers: headers) { connection in
            let socket = WebSocketConnection(transport: ByteTransport(read: { try await connection.read() },
                                                                      write: { try await connection.write($0) }))
            await withTaskGroup(of: Void.self) { group in
                // The client's frames: pings are answered; its close (or a dropped connection) ends the tail.
                group.addTask { while (try? await socket.nextMessage()) != nil {} }
                group.addTask {
                    var from = start
                    var sentAtLast: Set<String> = []
                    var first = true
                    while !Task.isCancelled {
                        do {
                            let end = LokiAPI.clamp(Date().timeIntervalSince1970) + 1
                            var streams = try await store.query(query, start: from, end: end, limit: first ? limit : 5000, direction: .forward)
                            first = false
                            var latest = from
                            for i in streams.indices {
                                streams[i].entries.removeAll { $0.timestamp == from && sentAtLast.contains($0.line) }
                                latest = max(latest, streams[i].entries.map(\.timestamp).max() ?? latest)
                            }
                            streams.removeAll { $0.entries.isEmpty }
                            if !streams.isEmpty {
                                try await socket.sendText(LokiAPI.tailMessage(streams))
                                if latest != from { sentAtLast = [] }
                                sentAtLast.formUnion(streams.flatMap { $0.entries.filter { $0.timestamp == latest }.map(\.line) })
                                from = latest
                            }
                        } catch {
                            logger.debug("log tail ended: \(error)")
                            break
                        }
                        try? await Task.sleep(for: Self.tailInterval)
                    }
                }
                _ = await group.next()
                group.cancelAll()
            }
            await socket.close()
        }
    }
}
