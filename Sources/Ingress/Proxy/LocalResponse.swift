import NIOCore
import NIOHTTP1

/// The responses the proxy makes itself, worded as nginx's error pages.
enum LocalResponse {
    static func page(_ status: HTTPResponseStatus) -> String {
        let title = "\(status.code) \(status.reasonPhrase)"
        return "<html>\r\n<head><title>\(title)</title></head>\r\n<body>\r\n<center><h1>\(title)</h1></center>\r\n<hr><center>swiftkube-ingress</center>\r\n</body>\r\n</html>\r\n"
    }

    /// nginx's reason phrases for the statuses the proxy makes.
    static func status(_ code: Int) -> HTTPResponseStatus {
        switch code {
        case 502: return .custom(code: 502, reasonPhrase: "Bad Gateway")
        case 503: return .custom(code: 503, reasonPhrase: "Service Temporarily Unavailable")
        case 504: return .custom(code: 504, reasonPhrase: "Gateway Time-out")
        default: return HTTPResponseStatus(statusCode: code)
        }
    }
}
