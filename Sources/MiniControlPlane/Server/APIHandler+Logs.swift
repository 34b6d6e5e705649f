import AsyncHTTPClient
import ClusterLogs
import Foundation
import HTTPServing
import KubeAPI
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
                // An hour back by default, at most Loki's max_query_length (721 h).
                let start = max(try LokiAPI.time(q["start"], name: "start") ?? now - LokiAPI.clamp(3600), now - LokiAPI.clamp(721 * 3600))
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

    /// The streams of a node's push it may write: lines of pods bound to it,
    /// or gone (a pod's last lines may come after it; they carry the node's
    /// name), and its kubelet's own (`component="kubelet"`, in kube-system);
    /// the others are left out, each with the reason.
    func nodeStreams(_ streams: [LogStream], node: String) async -> (allowed: [LogStream], refusals: [String]) {
        var allowed: [LogStream] = []
        var refusals: [String] = []
        var boundTo: [String: String?] = [:]
        for var stream in streams {
            guard let pod = stream.labels["pod"], let namespace = stream.labels["namespace"] else {
                if stream.labels["component"] == "kubelet" {
                    stream.labels["namespace"] = "kube-system"
                    allowed.append(stream)
                } else {
                    refusals.append("node \"\(node)\" may push only lines labelled with a namespace and pod bound to it, or its kubelet's (component=\"kubelet\")")
                }
                continue
            }
            let key = namespace + "/" + pod
            if boundTo[key] == nil {
                let object = try? await registry.get(ResourceCatalog.info(for: Pod.self), namespace, pod)
                boundTo[key] = .some(object?[path: ["spec", "nodeName"]]?.stringValue)
            }
            if let other = boundTo[key] ?? nil, other != node {
                refusals.append("node \"\(node)\" cannot push log lines of pod \(key), which is bound to node \"\(other)\"")
            } else {
                allowed.append(stream)
            }
        }
        return (allowed, refusals)
    }

    func lokiPush(_ req: HTTPRequest, user: UserInfo, logs: ClusterLogService) async -> HTTPResponse {
        var streams: [LogStream]
        do { streams = try LokiAPI.parsePush(req.body) } catch {
            return Self.status(APIErrors.badRequest(error.description))
        }
        // A node speaks for itself only: its name on every line, only its
        // pods' lines and its kubelet's (NodeRestriction's rule for pods).
        if let node = user.nodeName {
            for i in streams.indices { streams[i].labels["node"] = node }
            let (allowed, refusals) = await nodeStreams(streams, node: node)
            if allowed.isEmpty, let first = refusals.first {
                return Self.status(Status(message: first, reason: "Forbidden", code: 403))
            }
            if !refusals.isEmpty { logger.debug("log push of node \(node): left out \(refusals.joined(separator: "; "))") }
            streams = allowed
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
