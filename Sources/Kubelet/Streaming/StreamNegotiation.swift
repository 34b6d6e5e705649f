import Foundation
import HTTPServing
import NIOHTTP1
import Streaming

/// Which upgrade a streaming request asks for and what we answer: a
/// websocket with a subprotocol, or SPDY/3.1 with an
/// `X-Stream-Protocol-Version`, among the protocols a route accepts.
enum StreamNegotiation: Equatable {
    case websocket(protocolName: String, accept: String)
    case spdy(protocolName: String)

    /// The negotiated upgrade, or the error response for the client.
    static func negotiate(_ headers: HTTPHeaders, websocket: [String], spdy: [String]) -> Result<StreamNegotiation, StreamRequestError> {
        let upgrade = headers.first(name: "upgrade")
        if WebSocketHandshake.isUpgrade(upgrade: upgrade, connection: headers.first(name: "connection")) {
            guard let key = headers.first(name: "sec-websocket-key") else {
                return .failure(.badRequest("websocket upgrade without Sec-WebSocket-Key"))
            }
            let offered = headers["sec-websocket-protocol"]
            guard let chosen = WebSocketHandshake.chooseProtocol(offered: offered, supported: websocket) else {
                return .failure(.forbidden("unable to upgrade: unable to negotiate protocol: client supports \(offered), server supports \(websocket)"))
            }
            return .success(.websocket(protocolName: chosen, accept: WebSocketHandshake.acceptValue(forKey: key)))
        }
        if let upgrade, upgrade.lowercased().hasPrefix("spdy/3") {
            let offered = headers["x-stream-protocol-version"].flatMap { $0.split(separator: ",") }
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard let chosen = spdy.first(where: { offered.contains($0) }) else {
                return .failure(.forbidden("unable to upgrade: unable to negotiate protocol: client supports \(offered), server supports \(spdy)"))
            }
            return .success(.spdy(protocolName: chosen))
        }
        return .failure(.badRequest("Upgrade request required"))
    }

    /// The headers of our 101 answer.
    var responseHeaders: HTTPHeaders {
        switch self {
        case .websocket(let name, let accept):
            return ["Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Accept": accept, "Sec-WebSocket-Protocol": name]
        case .spdy(let name):
            return ["Upgrade": StreamProtocol.spdy, "Connection": "Upgrade", "X-Stream-Protocol-Version": name]
        }
    }
}

/// Why a streaming request is refused before the upgrade, with the HTTP
/// status the API server passes on to kubectl.
struct StreamRequestError: Error, Equatable, CustomStringConvertible {
    var code: Int
    var reason: String
    var message: String

    var description: String { message }

    static func badRequest(_ m: String) -> StreamRequestError { StreamRequestError(code: 400, reason: "BadRequest", message: m) }
    static func notFound(_ m: String) -> StreamRequestError { StreamRequestError(code: 404, reason: "NotFound", message: m) }
    static func forbidden(_ m: String) -> StreamRequestError { StreamRequestError(code: 403, reason: "Forbidden", message: m) }
    static func internalError(_ m: String) -> StreamRequestError { StreamRequestError(code: 500, reason: "InternalError", message: m) }
}
