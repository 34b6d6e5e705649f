import AsyncHTTPClient
import Foundation
import KubeAPI
import NIOCore
import NIOHTTP1
import HTTPServing

/// `pods/NAME/proxy`, `services/NAME/proxy` and `nodes/NAME/proxy`, as
/// `kubectl proxy` users, dashboards and Prometheus reach in-cluster HTTP:
/// the name may carry a scheme and a port (`https:web:8443`, `web:http`),
/// the rest of the URL after `proxy` is the path on the target, the query
/// passes through, and the answer streams back. Pods are reached at their
/// IP, services at a ready endpoint of the named (or numbered) port, nodes
/// at their kubelet with the API server's kubelet client certificate.
/// Upgrades (websockets) are spliced through; links in HTML answers and
/// redirects are rewritten to lead back through the proxy.
extension APIHandler {
    /// Where a proxied request goes.
    struct ProxyTarget {
        var scheme: String
        var host: String
        var port: Int
        /// Whether the API server's kubelet client certificate is presented.
        var kubelet: Bool
    }

    /// `[scheme:]name[:port]`, as kube-apiserver splits proxy names.
    static func splitProxyName(_ id: String) throws(Status) -> (scheme: String, name: String, port: String) {
        let parts = id.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch parts.count {
        case 1: return ("", parts[0], "")
        case 2: return ("", parts[0], parts[1])
        case 3 where parts[0] == "http" || parts[0] == "https": return (parts[0], parts[1], parts[2])
        default: throw APIErrors.badRequest("invalid request \"\(id)\"")
        }
    }

    func proxy(_ req: HTTPRequest, _ path: APIPath) async throws(Status) -> HTTPResponse {
        let (scheme, name, port) = try Self.splitProxyName(path.name ?? "")
        let target: ProxyTarget
        switch path.info.kind {
        case "Pod": target = try await podTarget(path.namespace, name, scheme: scheme, port: port)
        case "Service": target = try await serviceTarget(path.namespace, name, scheme: scheme, port: port)
        case "Node": target = try await nodeTarget(name, scheme: scheme, port: port)
        default: throw APIErrors.methodNotAllowed()
        }
        let location = Self.proxiedLocation(req, segment: path.name ?? "")
        guard let kubelets else {
            throw APIErrors.unavailable("proxy is not available: this API server was started without a kubelet client certificate (its data directory's apiserver-kubelet-client.crt)")
        }
        if req.headers.first(name: "upgrade") != nil {
            return try await kubelets.proxyUpgrade(req, to: target, location: location)
        }
        let host = target.host.contains(":") ? "[\(target.host)]" : target.host
        let links = ProxyLinkRewriter(prefix: Self.proxyPrefix(req, segment: path.name ?? ""), scheme: target.scheme,
                                      authority: "\(host):\(target.port)")
        return try await kubelets.proxyRequest(req, to: target, location: location, links: links)
    }

    /// The request's path up to `NAME/proxy`: the prefix links are rewritten under.
    static func proxyPrefix(_ req: HTTPRequest, segment: String) -> String {
        let pathPart = req.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? req.uri
        guard let range = pathPart.range(of: "/" + segment + "/proxy") else { return pathPart }
        return String(pathPart[..<range.upperBound])
    }

    /// The target path and query: what follows `NAME/proxy` in the URL (`/` when nothing does).
    static func proxiedLocation(_ req: HTTPRequest, segment: String) -> String {
        let raw = req.uri
        let pathPart = raw.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? raw
        let query = raw.contains("?") ? "?" + raw.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[1] : ""
        guard let range = pathPart.range(of: "/" + segment + "/proxy") else { return "/" + query }
        let rest = String(pathPart[range.upperBound...])
        return (rest.isEmpty ? "/" : rest) + query
    }

    func podTarget(_ ns: String?, _ name: String, scheme: String, port: String) async throws(Status) -> ProxyTarget {
        let pod = try await registry.get(ResourceCatalog.info(for: Pod.self), ns, name)
        guard let ip = pod[path: ["status", "podIP"]]?.stringValue, !ip.isEmpty else {
            throw APIErrors.unavailable("address not allowed: pod \(name) has no IP yet")
        }
        var number = 80
        if !port.isEmpty {
            if let n = Int(port) {
                number = n
            } else {
                // A named container port.
                let ports = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).flatMap { $0["ports"]?.arrayValue ?? [] }
                guard let p = ports.first(where: { $0["name"]?.stringValue == port })?["containerPort"]?.intValue else {
                    throw APIErrors.badRequest("no container port named \"\(port)\" in pod \(name)")
                }
                number = Int(p)
            }
        }
        guard (1...65535).contains(number) else { throw APIErrors.badRequest("invalid port \(number) for pod \(name)") }
        return ProxyTarget(scheme: scheme.isEmpty ? "http" : scheme, host: ip, port: number, kubelet: false)
    }

    /// A ready endpoint of the service's port, chosen at random as kube-apiserver does.
    func serviceTarget(_ ns: String?, _ name: String, scheme: String, port: String) async throws(Status) -> ProxyTarget {
        let svc = try await registry.get(ResourceCatalog.info(for: Service.self), ns, name)
        let servicePorts = svc[path: ["spec", "ports"]]?.arrayValue ?? []
        // The endpoints' port name: the service port named (or numbered) so; empty for a sole unnamed port.
        var portName = port
        if let n = Int(port) {
            guard let sp = servicePorts.first(where: { $0["port"]?.intValue == Int64(n) }) else {
                throw APIErrors.unavailable("no service port \(n) found for service \"\(name)\"")
            }
            portName = sp["name"]?.stringValue ?? ""
        } else if !port.isEmpty, !servicePorts.contains(where: { $0["name"]?.stringValue == port }) {
            throw APIErrors.unavailable("no service port \"\(port)\" found for service \"\(name)\"")
        }
        guard let (ip, number) = try await registry.serviceEndpoints(ns, name, portName: portName).randomElement() else {
            throw APIErrors.unavailable("no endpoints available for service \"\(name)\"")
        }
        return ProxyTarget(scheme: scheme.isEmpty ? "http" : scheme, host: ip, port: number, kubelet: false)
    }

    func nodeTarget(_ name: String, scheme: String, port: String) async throws(Status) -> ProxyTarget {
        let node = try await registry.get(ResourceCatalog.info(for: Node.self), nil, name)
        guard let (host, kubeletPort) = KubeletProxy.kubeletEndpoint(node: node) else {
            throw APIErrors.internalError("node \(name) has no address to reach its kubelet")
        }
        let number = port.isEmpty ? kubeletPort : (Int(port) ?? kubeletPort)
        let s = scheme.isEmpty ? "https" : scheme
        return ProxyTarget(scheme: s, host: host, port: number, kubelet: s == "https" && number == kubeletPort)
    }
}

extension KubeletProxy {
    /// Headers that belong to one connection (RFC 9110 §7.6.1) or to the API
    /// server's own authentication, never forwarded.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade", "host",
        "authorization", "proxy-authorization", "content-length",
    ]

    static func url(_ t: APIHandler.ProxyTarget, _ location: String) -> String {
        let host = t.host.contains(":") ? "[\(t.host)]" : t.host
        return "\(t.scheme)://\(host):\(t.port)\(location)"
    }

    /// Forwards a plain request and streams the answer back; links in HTML
    /// (not content-encoded) and in `Location` are rewritten to lead back through the proxy.
    func proxyRequest(_ req: HTTPRequest, to target: APIHandler.ProxyTarget, location: String,
                      links: ProxyLinkRewriter) async throws(Status) -> HTTPResponse {
        let url = Self.url(target, location)
        var out = HTTPClientRequest(url: url)
        out.method = req.method
        for (k, v) in req.headers where !Self.hopByHop.contains(k.lowercased()) && !k.lowercased().hasPrefix("impersonate-") {
            out.headers.add(name: k, value: v)
        }
        if !req.body.isEmpty { out.body = .bytes(ByteBuffer(bytes: req.body)) }
        let response: HTTPClientResponse
        do {
            response = try await (target.kubelet ? client : podClient).execute(out, timeout: .hours(24))
        } catch {
            throw Status(message: "error trying to reach service: \(Self.describe(error, url: url))", reason: "ServiceUnavailable", code: 503)
        }
        var headers = HTTPHeaders()
        for (k, v) in response.headers where !Self.hopByHop.contains(k.lowercased()) {
            headers.add(name: k, value: k.lowercased() == "location" ? links.rewrite(url: v) ?? v : v)
        }
        let encoding = response.headers.first(name: "content-encoding")?.lowercased() ?? "identity"
        let html = HTTPRequest.mediaType(response.headers.first(name: "content-type") ?? "") == "text/html" && encoding == "identity"
        return HTTPResponse(status: response.status, headers: headers, body: .stream({ writer in
            guard html else {
                for try await chunk in response.body { try await writer.write(Array(chunk.readableBytesView)) }
                return
            }
            // HTML is rewritten whole, up to a bound; beyond it, it passes as it is.
            var page: [UInt8] = []
            var chunks = response.body.makeAsyncIterator()
            while let chunk = try await chunks.next() {
                page.append(contentsOf: chunk.readableBytesView)
                if page.count > ProxyLinkRewriter.maxHTMLBytes {
                    try await writer.write(page)
                    while let more = try await chunks.next() { try await writer.write(Array(more.readableBytesView)) }
                    return
                }
            }
            try await writer.write(links.rewriteHTML(page))
        }))
    }

    /// The transport error as kube-apiserver words it: `Get "URL": ...`.
    static func describe(_ error: any Error, url: String) -> String {
        "Get \"\(url)\": \(error)"
    }

    /// Forwards an upgrade (a websocket) and splices the connection through after the target's 101.
    func proxyUpgrade(_ req: HTTPRequest, to target: APIHandler.ProxyTarget, location: String) async throws(Status) -> HTTPResponse {
        // Every header but the client's credentials and the framing.
        let head = Self.requestHead(method: req.method, target: location, host: target.host, port: target.port, headers: req.headers) {
            !["host", "authorization", "proxy-authorization", "content-length"].contains($0) && !$0.hasPrefix("impersonate-")
        }
        let security: KubeletStreamDialer.Security = target.scheme != "https" ? .none : target.kubelet ? .kubelet : .anonymous
        let answer: KubeletStreamDialer.Answer
        let exchange: KubeletStreamExchange
        do {
            (answer, exchange) = try await streams.open(host: target.host, port: target.port, request: head, security: security)
        } catch {
            throw Status(message: "error trying to reach service: \(error)", reason: "ServiceUnavailable", code: 503)
        }
        var headers = HTTPHeaders()
        for (k, v) in answer.headers where !["content-length", "transfer-encoding"].contains(k.lowercased()) { headers.add(name: k, value: v) }
        guard answer.status == 101 else {
            await exchange.abandon()
            return HTTPResponse(status: HTTPResponseStatus(statusCode: answer.status), headers: headers, body: .bytes(answer.body))
        }
        return .upgrade(headers: headers) { connection in
            await exchange.splice(connection)
        }
    }
}
