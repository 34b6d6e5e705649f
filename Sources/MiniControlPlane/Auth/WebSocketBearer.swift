import Foundation
import HTTPServing

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
