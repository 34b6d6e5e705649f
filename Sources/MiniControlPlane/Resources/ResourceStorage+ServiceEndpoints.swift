import KubeAPI

extension ResourceStorage {
    /// The ready addresses of a Service's port (`portName` as the Endpoints name it: ""
    /// for a sole unnamed port), from its Endpoints; empty when it has none. The
    /// services proxy and admission webhooks reach Services this way, at an endpoint
    /// rather than the cluster IP (as kube-apiserver with `--enable-aggregator-routing`).
    func serviceEndpoints(_ ns: String?, _ name: String, portName: String) async throws(Status) -> [(ip: String, port: Int)] {
        let endpoints: JSONValue
        do {
            endpoints = try await get(ResourceCatalog.info(for: Endpoints.self), ns, name)
        } catch where error.code == 404 {
            return []
        }
        var out: [(ip: String, port: Int)] = []
        for subset in endpoints["subsets"]?.arrayValue ?? [] {
            guard let p = (subset["ports"]?.arrayValue ?? []).first(where: { ($0["name"]?.stringValue ?? "") == portName }),
                  let number = p["port"]?.intValue else { continue }
            for a in subset["addresses"]?.arrayValue ?? [] {
                if let ip = a["ip"]?.stringValue { out.append((ip, Int(number))) }
            }
        }
        return out
    }
}
