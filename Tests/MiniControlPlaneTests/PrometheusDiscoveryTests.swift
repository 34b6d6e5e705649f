import KubeAPI
import Testing
@testable import MiniControlPlane

/// The targets and `__meta_kubernetes_*` labels of Prometheus' Kubernetes discovery, served for `http_sd_configs`.
@Suite struct PrometheusDiscoveryTests {
    static func json(_ text: String) throws -> JSONValue { try JSONParser.parse(Array(text.utf8)) }

    @Test func nodesAreTheirKubeletsWithAddressAndLabelMetadata() throws {
        let groups = PrometheusDiscovery.nodes([try Self.json("""
            {"metadata":{"name":"node-1","labels":{"kubernetes.io/os":"linux"}},
             "status":{"addresses":[{"type":"Hostname","address":"node-1"},{"type":"InternalIP","address":"10.99.0.11"}],
                       "daemonEndpoints":{"kubeletEndpoint":{"Port":10250}}}}
            """), try Self.json("""
            {"metadata":{"name":"v6"},"status":{"addresses":[{"type":"InternalIP","address":"fd00::5"}]}}
            """), try Self.json(#"{"metadata":{"name":"no-address"}}"#)])
        #expect(groups.map(\.target) == ["10.99.0.11:10250", "[fd00::5]:10250"])
        let labels = groups[0].labels
        #expect(labels["__meta_kubernetes_node_name"] == "node-1")
        #expect(labels["__meta_kubernetes_node_address_InternalIP"] == "10.99.0.11")
        #expect(labels["__meta_kubernetes_node_address_Hostname"] == "node-1")
        #expect(labels["__meta_kubernetes_node_label_kubernetes_io_os"] == "linux")
        #expect(labels["__meta_kubernetes_node_labelpresent_kubernetes_io_os"] == "true")
        #expect(labels["instance"] == "node-1")
    }

    @Test func endpointSlicesGiveATargetPerAddressAndPort() throws {
        let slice = try Self.json("""
            {"metadata":{"name":"web-abc","namespace":"shop","labels":{"kubernetes.io/service-name":"web"}},"addressType":"IPv4",
             "ports":[{"name":"http","port":8080,"protocol":"TCP"},{"name":"metrics","port":9100}],
             "endpoints":[{"addresses":["10.244.1.5"],"conditions":{"ready":false},"nodeName":"node-1","targetRef":{"kind":"Pod","name":"web-1"}}]}
            """)
        let service = try Self.json(#"{"metadata":{"name":"web","namespace":"shop","labels":{"app":"web"}}}"#)
        let slices = PrometheusDiscovery.endpoints([slice], services: [service], role: .endpointslice)
        #expect(slices.map(\.target) == ["10.244.1.5:8080", "10.244.1.5:9100"])
        #expect(slices[1].labels["__meta_kubernetes_endpointslice_port_name"] == "metrics")
        #expect(slices[1].labels["__meta_kubernetes_endpointslice_port_protocol"] == "TCP")
        #expect(slices[0].labels["__meta_kubernetes_endpointslice_endpoint_conditions_ready"] == "false")
        #expect(slices[0].labels["__meta_kubernetes_endpointslice_name"] == "web-abc")
        #expect(slices[0].labels["__meta_kubernetes_service_name"] == "web")
        #expect(slices[0].labels["__meta_kubernetes_service_label_app"] == "web")
        #expect(slices[0].labels["__meta_kubernetes_pod_name"] == "web-1")
        #expect(slices[0].labels["__meta_kubernetes_endpointslice_address_target_kind"] == "Pod")
        #expect(slices[0].labels["__meta_kubernetes_endpointslice_address_target_name"] == "web-1")
        let endpoints = PrometheusDiscovery.endpoints([slice], services: [service], role: .endpoints)
        #expect(endpoints[0].labels["__meta_kubernetes_endpoints_name"] == "web")
        #expect(endpoints[0].labels["__meta_kubernetes_endpoint_port_name"] == "http")
        #expect(endpoints[0].labels["__meta_kubernetes_endpoint_ready"] == "false")
        #expect(endpoints[0].labels["__meta_kubernetes_endpoint_node_name"] == "node-1")
    }
}
