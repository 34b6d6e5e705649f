import AsyncHTTPClient
import ClusterLogs
import Foundation
import HTTPServing
import KubeAPI
import NIOCore
import NIOHTTP1

extension APIHandler {
    /// Loki's HTTP API on the API server (`/loki/api/v1/…`), over the cluster's log store:
    ///
    /// - `POST push` (JSON): nodes ship their containers' lines here; a node's
    ///   lines carry its own name as `node`, whatever it sends. Others need
    ///   RBAC's `post` on the non-resource URL `/loki/api/v1/push`.
    /// - `GET query_range`, `query`: as `kubectl logs`, reading needs `get` on
    ///   `pods/log`, in the namespace the selector names (`namespace="x"`),
    ///   or in every namespace for a selector that names none.
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

    func lokiPush(_ req: HTTPRequest, user: UserInfo, logs: ClusterLogService) async -> HTTPResponse {
        var streams: [LogStream]
        do { streams = try LokiAPI.parsePush(req.body) } catch {
            return Self.status(APIErrors.badRequest(error.description))
        }
        // A node speaks for itself only.
        if let node = user.nodeName {
            for i in streams.indices { streams[i].labels["node"] = node }
        }
        if let url = logs.forwardURL {
            guard let http = logs.http else { return .text("no HTTP client to forward logs with\n", status: .serviceUnavailable) }
            var forward = HTTPClientRequest(url: url.hasSuffix("/") ? url + "loki/api/v1/push" : url + "/loki/api/v1/push")
            forward.method = .POST
            forward.headers.add(name: "Content-Type", value: "application/json")
            forward.body = .bytes(LokiAPI.pushBody(streams))
            do {
                let response = try await http.execute(forward, timeout: .seconds(10))
                guard (200..<300).contains(Int(response.status.code)) else {
                    return .text("forwarding to \(url) failed: \(response.status.code)\n", status: .badGateway)
                }
                return HTTPResponse(status: .noContent, body: .bytes([]))
            } catch {
                return .text("forwarding to \(url) failed: \(error)\n", status: .badGateway)
            }
        }
        do {
            try await logs.store?.append(streams, oldest: LokiAPI.clamp(Date().timeIntervalSince1970 - logs.configuration.retention))
        } catch let refusal as LogRefusal {
            return Self.status(APIErrors.badRequest(refusal.description))
        } catch {
            logger.warning("log store: push failed: \(error)")
            return .text("log store: \(error)\n", status: .internalServerError)
        }
        return HTTPResponse(status: .noContent, body: .bytes([]))
    }
}
