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
