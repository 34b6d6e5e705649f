import Ingress
import NIOCore
import KubeAPI

extension FuzzTarget {
    /// A fixed table with every kind of rule, built once.
    static let ingressTable: IngressRoutingTable = {
        func path(_ p: String, _ type: String) -> HTTPIngressPath {
            HTTPIngressPath(path: p, pathType: type, backend: IngressBackend(service: IngressServiceBackend(name: "web", port: ServiceBackendPort(number: 80))))
        }
        var meta = ObjectMeta()
        meta.name = "web"
        meta.namespace = "default"
        let ing = Ingress(metadata: meta, spec: IngressSpec(
            defaultBackend: IngressBackend(service: IngressServiceBackend(name: "web", port: ServiceBackendPort(number: 80))),
            tls: [IngressTLS(hosts: ["a.example.com", "*.w.example.com"], secretName: "missing")],
            rules: [IngressRule(host: "a.example.com", http: HTTPIngressRuleValue(paths: [path("/", "Prefix"), path("/x", "Exact")])),
                    IngressRule(host: "*.w.example.com", http: HTTPIngressRuleValue(paths: [path("/api/v1", "Prefix")])),
                    IngressRule(http: HTTPIngressRuleValue(paths: [path("/", "ImplementationSpecific")]))]))
        return IngressRoutingTable.build(IngressSnapshot(ingresses: [ing])).table
    }()

    /// A request's Host header (or TLS server name) and target as the ingress
    /// controller routes them: the bytes before the first NUL are the host,
    /// the rest the path.
    static let ingressRoute = FuzzTarget("ingress-route", "Host headers, server names and request targets (ingress-controller)", seeds: [
        Array("a.example.com:8080\0/x?y=1".utf8),
        Array("[::1]:80\0//a/../b".utf8),
        Array("B.W.EXAMPLE.COM.\0/api/v1/".utf8),
    ]) { bytes in
        let parts = bytes.split(separator: 0, maxSplits: 1, omittingEmptySubsequences: false)
        let host = String(decoding: parts.first ?? [], as: UTF8.self)
        let path = parts.count > 1 ? String(decoding: parts[1], as: UTF8.self) : "/"
        _ = ingressTable.route(host: host, path: path)
        _ = ingressTable.certificate(serverName: host)
    }
}

extension FuzzTarget {
    /// HTTP/1.x messages as the ingress controller reads them from clients
    /// (first byte even) or backends (odd): heads, bodies in every framing,
    /// and the heads the proxy writes from them.
    static let http1Messages = FuzzTarget("http1-messages", "HTTP/1.1 requests and responses, framed and rewritten (ingress-controller)", seeds: [
        Array("\0GET /a HTTP/1.1\r\nHost: a\r\nConnection: keep-alive, X-A\r\nX-A: 1\r\n\r\nPOST / HTTP/1.1\r\nContent-Length: 2\r\n\r\nhi".utf8),
        Array("\0PUT / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\nhi\r\n0\r\nT: 1\r\n\r\n".utf8),
        Array("\u{1}HTTP/1.1 103 Early\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n".utf8),
        Array("\u{1}HTTP/1.0 200 OK\r\n\r\nuntil close".utf8),
    ]) { bytes in
        guard let first = bytes.first else { return }
        let kind: HTTP1HeadParser.Kind = first % 2 == 0 ? .request : .response
        var reader = HTTP1MessageReader(kind: kind, maxBytes: 4096)
        reader.append(ByteBuffer(bytes: bytes.dropFirst()))
        let client = ForwardedHeaders.Client(address: "10.0.0.1", scheme: "http", port: 80)
        // Every message in the input, as the proxy reads a connection's bytes, and the heads it writes from them.
        while let part = try reader.next() {
            guard case .head(let head) = part else { continue }
            _ = head.headers
            switch kind {
            case .request:
                _ = HTTP1Writer.backendRequest(head, client: client, upgrade: head.value("upgrade"), host: head.value("host"), allocator: ByteBufferAllocator())
            case .response:
                _ = HTTP1Writer.clientResponse(head, minorVersion: 1, framing: .init(chunked: true, close: false, keepAliveHeader: false),
                                               allocator: ByteBufferAllocator())
            }
        }
        _ = try reader.inputEnded()
    }
}
