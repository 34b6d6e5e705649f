import AsyncHTTPClient
import Foundation
import HTTPServing
import KubeAPI
import NIOCore
import NIOHTTP1

extension APIHandler {
    /// `/dashboard/prometheus/api/v1/{query,query_range,alerts,rules}`: the
    /// dashboard's graphs and alerts, read from `--prometheus-url`. Prometheus
    /// has no notion of users, so this is a non-resource path RBAC decides
    /// (`nonResourceURLs: ["/dashboard/prometheus/*"]`; cluster-admin has it);
    /// without it the dashboard draws from the metrics API instead.
    func dashboardPrometheus(_ req: HTTPRequest, segs: [String]) async -> HTTPResponse {
        guard let dashboard, segs.count == 5, segs[1] == "prometheus", segs[2] == "api", segs[3] == "v1" else {
            return Self.status(APIErrors.notFoundPath(req.path))
        }
        guard let base = dashboard.prometheusURL else {
            return .text("no Prometheus: start the control plane with --prometheus-url URL to draw graphs and alerts from one\n",
                         status: .notFound)
        }
        guard DashboardServer.prometheusCalls.contains(segs[4]) else { return Self.status(APIErrors.notFoundPath(req.path)) }
        guard req.method == .GET else { return Self.status(APIErrors.methodNotAllowed()) }
        let query = req.uri.firstIndex(of: "?").map { String(req.uri[$0...]) } ?? ""
        var out = HTTPClientRequest(url: "\(base)/api/v1/\(segs[4])\(query)")
        out.method = .GET
        do {
            let response = try await HTTPClient.shared.execute(out, timeout: .seconds(30))
            let body = try await response.body.collect(upTo: 32 << 20)
            // Prometheus' own 401 or 403 (it sits behind authentication) is not the user's: a 502.
            let status: HTTPResponseStatus = [401, 403, 407].contains(response.status.code) ? .badGateway : response.status
            var answer = HTTPResponse.jsonBytes(Array(body.readableBytesView), status: status)
            answer.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
            return answer
        } catch {
            return .text("error reaching Prometheus at \(base): \(error)\n", status: .badGateway)
        }
    }
}

extension Authenticator {
    /// The subprotocol prefix kube-apiserver takes a bearer token from on a
    /// websocket (browsers cannot set headers on one):
    /// `base64url.bearer.authorization.k8s.io.` + the token in unpadded base64url.
    static let websocketBearerPrefix = "base64url.bearer.authorization.k8s.io."

    /// A websocket request with its bearer-token subprotocol moved into
    /// `Authorization` (when it has none) and taken out of
    /// `Sec-WebSocket-Protocol`, so it goes no further, as upstream's
    /// websocket protocol authenticator does; other requests as they are.
    static func movingWebSocketBearer(_ req: HTTPRequest) -> HTTPRequest {
        guard req.headers.first(name: "upgrade")?.lowercased() == "websocket",
              let offered = req.headers.first(name: "sec-websocket-protocol") else { return req }
        let protocols = offered.split(separator: ",").map { String($0).trimmingSpaces }
        guard let bearer = protocols.first(where: { $0.hasPrefix(websocketBearerPrefix) }) else { return req }
        var out = req
        let rest = protocols.filter { !$0.hasPrefix(websocketBearerPrefix) }
        out.headers.remove(name: "sec-websocket-protocol")
        if !rest.isEmpty { out.headers.add(name: "Sec-WebSocket-Protocol", value: rest.joined(separator: ", ")) }
        if out.headers.first(name: "authorization") == nil, let token = decodeBase64URL(String(bearer.dropFirst(websocketBearerPrefix.count))) {
            out.headers.add(name: "Authorization", value: "Bearer " + token)
        }
        return out
    }

    static func decodeBase64URL(_ s: String) -> String? {
        var b64 = s.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while b64.count % 4 != 0 { b64 += "=" }
        guard let data = Data(base64Encoded: b64), let token = String(data: data, encoding: .utf8), !token.isEmpty else { return nil }
        return token
    }
}
