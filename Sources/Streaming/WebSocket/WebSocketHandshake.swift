import Crypto
import Foundation

/// The server side of the websocket opening handshake (RFC 6455 section 4.2).
public enum WebSocketHandshake {
    static let guid = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

    /// `Sec-WebSocket-Accept` for a client's `Sec-WebSocket-Key`.
    public static func acceptValue(forKey key: String) -> String {
        let digest = Insecure.SHA1.hash(data: Array((key.trimmingCharacters(in: .whitespaces) + guid).utf8))
        return Data(digest).base64EncodedString()
    }

    /// Whether request headers ask for a websocket upgrade.
    public static func isUpgrade(upgrade: String?, connection: String?) -> Bool {
        guard let upgrade, upgrade.lowercased().contains("websocket") else { return false }
        return connection.map { $0.lowercased().contains("upgrade") } ?? false
    }

    /// The first of `supported` (in our order of preference) that the client
    /// offered in its `Sec-WebSocket-Protocol` headers (comma-separated, possibly several).
    public static func chooseProtocol(offered: [String], supported: [String]) -> String? {
        let offers = Set(offered.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) })
        return supported.first { offers.contains($0) }
    }
}
