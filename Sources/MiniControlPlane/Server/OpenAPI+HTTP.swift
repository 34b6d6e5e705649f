import Foundation
import HTTPServing
import KubeAPI
import NIOHTTP1

extension OpenAPI {
    static let jsonType = "application/json"
    static let v2ProtobufType = "application/com.github.proto-openapi.spec.v2@v1.0+protobuf"
    /// What kube-apiserver answers a request for ``v2ProtobufType`` with (Go's
    /// MIME parser refuses the `@` of the requested name).
    static let v2ProtobufContentType = "application/com.github.proto-openapi.spec.v2.v1.0+protobuf"

    /// Answers `/openapi/v2`, `/openapi/v3` and `/openapi/v3/<group-version>`
    /// (`segs` are the path's segments), or nil for other paths.
    static func respond(_ req: HTTPRequest, segs: [String], documents: Documents = .builtins) -> HTTPResponse? {
        guard segs.count >= 2, segs[0] == "openapi" else { return nil }
        let accept = req.headers.first(name: "accept") ?? ""
        switch segs[1] {
        case "v2" where segs.count == 2:
            switch negotiate(accept, offers: [jsonType, v2ProtobufType]) {
            case jsonType?: return serve(documents.v2JSON, contentType: jsonType, req: req)
            case v2ProtobufType?: return serve(documents.v2Protobuf, contentType: v2ProtobufContentType, req: req)
            default: return notAcceptable(accept)
            }
        case "v3":
            guard negotiate(accept, offers: [jsonType]) != nil else { return notAcceptable(accept) }
            if segs.count == 2 { return serve(documents.v3Index, contentType: jsonType, req: req) }
            guard let doc = documents.v3[segs[2...].joined(separator: "/")] else { return nil }
            if let hash = req.query["hash"]?.first, hash != doc.etag {
                // As kube-openapi: a stale link is redirected to the current document.
                var headers: HTTPHeaders = ["Location": "/openapi/v3/\(segs[2...].joined(separator: "/"))?hash=\(doc.etag)"]
                headers.add(name: "Cache-Control", value: "no-cache, no-store, must-revalidate")
                return HTTPResponse(status: .movedPermanently, headers: headers, body: .bytes([]))
            }
            return serve(doc, contentType: jsonType, req: req, immutable: req.query["hash"]?.first != nil)
        default:
            return nil
        }
    }

    /// The first of `offers` the Accept header allows (`*/*`, `application/*`
    /// and an empty header allow JSON), or nil.
    static func negotiate(_ accept: String, offers: [String]) -> String? {
        let ranges = accept.split(separator: ",").map(HTTPRequest.mediaType).filter { !$0.isEmpty }
        if ranges.isEmpty { return offers.first }
        for range in ranges {
            if let exact = offers.first(where: { $0.lowercased() == range }) { return exact }
            if range == "*/*" || range == "application/*" { return offers.first }
        }
        return nil
    }

    static func serve(_ doc: Document, contentType: String, req: HTTPRequest, immutable: Bool = false) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Type": contentType, "ETag": "\"\(doc.etag)\""]
        if immutable {
            headers.add(name: "Cache-Control", value: "public, immutable")
            headers.add(name: "Expires", value: httpDate(Date().addingTimeInterval(365 * 24 * 3600)))
        } else {
            headers.add(name: "Cache-Control", value: "no-cache, private")
        }
        headers.add(name: "Vary", value: "Accept")
        let tags = (req.headers.first(name: "if-none-match") ?? "").split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "W/", with: "")
                .trimmingCharacters(in: CharacterSet(charactersIn: "\""))
        }
        if tags.contains(doc.etag) || tags.contains("*") {
            headers.remove(name: "Content-Type")
            return HTTPResponse(status: .notModified, headers: headers, body: .bytes([]))
        }
        return HTTPResponse(status: .ok, headers: headers, body: .bytes(doc.bytes))
    }

    static func notAcceptable(_ accept: String) -> HTTPResponse {
        APIHandler.status(Status(message: "only the following media types are accepted: application/json, \(v2ProtobufType) (for /openapi/v2); asked for \(accept)",
                                 reason: "NotAcceptable", code: 406))
    }

    /// An RFC 1123 date in GMT, as HTTP headers write it.
    static func httpDate(_ date: Date) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss 'GMT'"
        return f.string(from: date)
    }
}
