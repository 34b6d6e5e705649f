import Foundation
import KubeAPI
@testable import Ingress

/// Small builders for the objects the routing table reads.
enum Fixtures {
    static func ingress(_ name: String, namespace: String = "default", created: TimeInterval = 0, className: String? = "swiftkube",
                        rules: [IngressRule] = [], defaultBackend: IngressBackend? = nil, tls: [IngressTLS]? = nil) -> Ingress {
        var meta = ObjectMeta()
        meta.name = name
        meta.namespace = namespace
        meta.uid = "uid-\(namespace)-\(name)"
        meta.creationTimestamp = Timestamp(Date(timeIntervalSince1970: 1_700_000_000 + created))
        return Ingress(metadata: meta, spec: IngressSpec(ingressClassName: className, defaultBackend: defaultBackend, tls: tls, rules: rules))
    }

    static func backend(_ service: String, port: Int32 = 80) -> IngressBackend {
        IngressBackend(service: IngressServiceBackend(name: service, port: ServiceBackendPort(number: port)))
    }

    static func rule(_ host: String?, _ paths: [(String, String, String)]) -> IngressRule {
        IngressRule(host: host, http: HTTPIngressRuleValue(paths: paths.map { p in
            HTTPIngressPath(path: p.0, pathType: p.1, backend: backend(p.2))
        }))
    }

    static func service(_ name: String, namespace: String = "default", port: Int = 80, portName: String? = "http") -> Service {
        var meta = ObjectMeta()
        meta.name = name
        meta.namespace = namespace
        var svc = Service(metadata: meta)
        var p = ServicePort(port: port)
        p.name = portName
        var spec = ServiceSpec()
        spec.ports = [p]
        svc.spec = spec
        return svc
    }

    static func slice(_ service: String, namespace: String = "default", port: Int = 8080, portName: String? = "http",
                      endpoints: [(String, Bool?, Bool?)]) -> EndpointSlice {
        var meta = ObjectMeta()
        meta.name = "\(service)-abc"
        meta.namespace = namespace
        meta.labels = ["kubernetes.io/service-name": service]
        var s = EndpointSlice(metadata: meta, addressType: "IPv4")
        var p = EndpointSlicePort()
        p.name = portName
        p.port = port
        s.ports = [p]
        s.endpoints = endpoints.map { e in
            var ep = Endpoint(addresses: [e.0])
            var c = EndpointConditions()
            c.ready = e.1
            c.terminating = e.2
            ep.conditions = c
            return ep
        }
        return s
    }
}
