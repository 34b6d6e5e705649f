import Foundation
import KubeAPI

/// Resolves an ingress backend to endpoints through the snapshot's Services
/// and EndpointSlices: the Service port by number or name, then the slices'
/// port of the same name, then each endpoint that is ready and not terminating.
struct BackendResolver {
    var services: [String: Service] = [:]
    var slices: [String: [EndpointSlice]] = [:]
    var secrets: [String: Secret] = [:]
    var reported = Set<String>()

    init(_ s: IngressSnapshot) {
        for svc in s.services { services["\(svc.namespace)/\(svc.name)"] = svc }
        for slice in s.endpointSlices {
            guard let svc = slice.metadata.labels?["kubernetes.io/service-name"] else { continue }
            slices["\(slice.namespace)/\(svc)", default: []].append(slice)
        }
        for secret in s.secrets { secrets["\(secret.namespace)/\(secret.name)"] = secret }
    }

    mutating func report(_ p: IngressProblem, into problems: inout [IngressProblem]) {
        if reported.insert("\(p.ingress)|\(p.reason)|\(p.message)").inserted { problems.append(p) }
    }

    mutating func resolve(_ b: IngressBackend, namespace: String, ingress: String, problems: inout [IngressProblem]) -> Backend {
        guard let ref = b.service else {
            let name = "\(namespace)/\(b.resource?.kind ?? "")/\(b.resource?.name ?? "")"
            report(IngressProblem(ingress: ingress, reason: "UnsupportedBackend", message: "resource backend \(name) is not supported; only Services"), into: &problems)
            return Backend(name: name, endpoints: [], unavailableReason: "resource backends are not supported")
        }
        let portText = ref.port?.name.flatMap { $0.isEmpty ? nil : $0 } ?? ref.port?.number.map { String($0) } ?? ""
        let name = "\(namespace)/\(ref.name):\(portText)"
        guard let svc = services["\(namespace)/\(ref.name)"] else {
            let msg = "service \"\(namespace)/\(ref.name)\" not found"
            report(IngressProblem(ingress: ingress, reason: "ServiceNotFound", message: msg), into: &problems)
            return Backend(name: name, endpoints: [], unavailableReason: msg)
        }
        let ports = svc.spec?.ports ?? []
        let port: ServicePort? = if let n = ref.port?.name, !n.isEmpty {
            ports.first { $0.name == n }
        } else {
            ports.first { $0.port == Int(ref.port?.number ?? 0) }
        }
        guard let port else {
            let msg = "service \"\(namespace)/\(ref.name)\" has no port \(portText)"
            report(IngressProblem(ingress: ingress, reason: "PortNotFound", message: msg), into: &problems)
            return Backend(name: name, endpoints: [], unavailableReason: msg)
        }
        var endpoints: [Backend.Endpoint] = []
        var seen = Set<Backend.Endpoint>()
        for slice in slices["\(namespace)/\(ref.name)"] ?? [] {
            guard let slicePort = (slice.ports ?? []).first(where: { ($0.name ?? "") == (port.name ?? "") }), let target = slicePort.port else { continue }
            for ep in slice.endpoints ?? [] {
                let ready = ep.conditions?.ready ?? true
                let terminating = ep.conditions?.terminating ?? false
                guard ready, !terminating else { continue }
                for addr in ep.addresses {
                    let e = Backend.Endpoint(host: addr, port: target)
                    if seen.insert(e).inserted { endpoints.append(e) }
                }
            }
        }
        return Backend(name: name, endpoints: endpoints,
                       unavailableReason: endpoints.isEmpty ? "service \"\(namespace)/\(ref.name)\" has no ready endpoints" : nil)
    }

    mutating func keyPair(namespace: String, name: String, ingress: String, problems: inout [IngressProblem]) -> (cert: String, key: String)? {
        guard let secret = secrets["\(namespace)/\(name)"] else {
            report(IngressProblem(ingress: ingress, reason: "SecretNotFound",
                                  message: "secret \"\(namespace)/\(name)\" not found; serving the default certificate"), into: &problems)
            return nil
        }
        func field(_ k: String) -> String? {
            secret.data?[k].flatMap { Data(base64Encoded: $0) }.flatMap { String(data: $0, encoding: .utf8) }
        }
        guard let cert = field("tls.crt"), let key = field("tls.key") else {
            report(IngressProblem(ingress: ingress, reason: "InvalidSecret",
                                  message: "secret \"\(namespace)/\(name)\" has no tls.crt and tls.key; serving the default certificate"), into: &problems)
            return nil
        }
        return (cert, key)
    }
}
