import Ingress
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
