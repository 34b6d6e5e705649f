import ControllerRuntime
import HTTPServing
import KubeAPI

extension APIHandler {
    /// `GET /metrics/kube-state`: ``KubeStateMetrics`` over every object of
    /// the resources it covers, read from storage at each scrape. A resource
    /// that cannot be read is left out and counted in
    /// `kube_state_metrics_list_total{result="error"}`, so one failure does
    /// not blank the rest. With several control planes only the leader answers.
    func kubeStateMetrics() async -> HTTPResponse {
        let client = LocalClusterClient(registry: registry)
        if let leaderIdentity {
            // Several control planes: the one holding the leader Lease answers, the others say so and give nothing.
            let lease = try? await client.get(Lease.self, namespace: "kube-system", name: LeaderElectionConfiguration(identity: "").name)
            guard lease?.spec?.holderIdentity == leaderIdentity else {
                return .text("# kube-state metrics come from the leading control plane (Lease kube-system/\(LeaderElectionConfiguration(identity: "").name))\n",
                             contentType: PrometheusExposition.contentType)
            }
        }
        var s = KubeStateMetrics.Snapshot()
        var outcomes: [(String, Bool)] = []
        for (group, plural, field) in KubeStateMetrics.Snapshot.sources {
            guard let info = ResourceCatalog.find(group: group, plural: plural) else { continue }
            do {
                s[keyPath: field] = try await client.listRaw(info, namespace: nil)
                outcomes.append((plural, true))
            } catch {
                outcomes.append((plural, false))
            }
        }
        var text = KubeStateMetrics.render(s)
        let totals = kubeStateLists.record(outcomes)
        var health = PrometheusExposition()
        health.family("kube_state_metrics_list_total", .counter, "Number of total resource list in kube-state-metrics",
                      totals.map { .init([("resource", $0.resource), ("result", $0.result)], Double($0.count)) })
        text += health.text
        return .text(text, contentType: PrometheusExposition.contentType)
    }
}

extension APIHandler {
    /// `GET /metrics/sd/ROLE`: ``PrometheusDiscovery`` for Prometheus'
    /// `http_sd_configs`, to a user who may list what the role reads (nodes;
    /// EndpointSlices and Services), as upstream's discovery would need.
    func prometheusDiscovery(role name: String, user: UserInfo) async -> HTTPResponse {
        guard let role = PrometheusDiscovery.Role(rawValue: name) else {
            return Self.status(APIErrors.notFoundPath("/metrics/sd/\(name)"))
        }
        let needed: [(String, String)] = role == .node ? [("", "nodes")] : [("discovery.k8s.io", "endpointslices"), ("", "services")]
        for (group, resource) in needed {
            let attrs = RequestAttributes(verb: "list", group: group, resource: resource)
            if !authorizer.allows(user, attrs) { return Self.status(Authorizer.forbidden(user, attrs)) }
        }
        let client = LocalClusterClient(registry: registry)
        func list(_ group: String, _ plural: String) async throws(KubeClientError) -> [JSONValue] {
            guard let info = ResourceCatalog.find(group: group, plural: plural) else { return [] }
            return try await client.listRaw(info, namespace: nil)
        }
        let groups: [PrometheusDiscovery.Group]
        do {
            switch role {
            case .node: groups = PrometheusDiscovery.nodes(try await list("", "nodes"))
            default:
                groups = PrometheusDiscovery.endpoints(try await list("discovery.k8s.io", "endpointslices"),
                                                       services: try await list("", "services"), role: role)
            }
        } catch {
            return .text("cannot list for discovery: \(error)\n", status: .internalServerError)
        }
        return .jsonBytes(JSONWriter.bytes(.array(groups.map(\.json))))
    }
}
