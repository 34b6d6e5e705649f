import AsyncHTTPClient
import KubeAPI
import NIOCore
import NIOHTTP1
import NIOSSL
import HTTPServing

/// Proxies `pods/NAME/log` to the kubelet of the pod's node
/// (`https://NODE-IP:PORT/containerLogs/NS/POD/CONTAINER`), streaming the
/// answer so `kubectl logs -f` follows. The API server authenticates with
/// its kubelet client certificate (CN kube-apiserver-kubelet-client, signed
/// by the cluster CA); like kube-apiserver without
/// `--kubelet-certificate-authority`, it does not verify the kubelet's
/// serving certificate.
final class KubeletProxy: Sendable {
    let client: HTTPClient
    /// Requests to pods and services (`proxy`): no client certificate.
    let podClient: HTTPClient
    /// Upgrades (exec, attach, port-forward) go over their own connections.
    let streams: KubeletStreamDialer

    init(clientCertificatePEM: String, clientKeyPEM: String) throws {
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.certificateVerification = .none
        tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(clientCertificatePEM.utf8)).map { .certificate($0) }
        tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(clientKeyPEM.utf8), format: .pem))
        var c = HTTPClient.Configuration(tlsConfiguration: tls)
        c.timeout = .init(connect: .seconds(10), read: nil)
        c.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 10_000)
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
        var anonymous = TLSConfiguration.makeClientConfiguration()
        anonymous.certificateVerification = .none
        var pc = HTTPClient.Configuration(tlsConfiguration: anonymous, redirectConfiguration: .disallow, decompression: .disabled)
        pc.timeout = .init(connect: .seconds(10), read: nil)
        podClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: pc)
        streams = try KubeletStreamDialer(clientCertificatePEM: clientCertificatePEM, clientKeyPEM: clientKeyPEM)
    }

    func shutdown() async {
        try? await client.shutdown()
        try? await podClient.shutdown()
    }

    static let passThrough = ["follow", "previous", "sinceSeconds", "sinceTime", "timestamps", "tailLines", "limitBytes"]

    /// `https://ADDRESS:PORT` of a node's kubelet: its InternalIP (else
    /// ExternalIP, else Hostname) and the port it registered.
    static func baseURL(node: JSONValue) -> String? {
        let addresses = node[path: ["status", "addresses"]]?.arrayValue ?? []
        let address = ["InternalIP", "ExternalIP", "Hostname"].lazy.compactMap { t in
            addresses.first { $0["type"]?.stringValue == t }?["address"]?.stringValue
        }.first
        guard let address else { return nil }
        let port = node[path: ["status", "daemonEndpoints", "kubeletEndpoint", "Port"]]?.intValue ?? 10250
        let host = address.contains(":") ? "[\(address)]" : address
        return "https://\(host):\(port)"
    }

    /// The kubelet URL for a pod's container log.
    static func logURL(pod: JSONValue, node: JSONValue, container: String, query: [String: [String]]) -> String? {
        guard let base = baseURL(node: node) else { return nil }
        let ns = pod[path: ["metadata", "namespace"]]?.stringValue ?? ""
        let name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
        var url = "\(base)/containerLogs/\(ns)/\(name)/\(container)"
        let params = passThrough.compactMap { k in query[k]?.first.map { "\(k)=\($0.addingPercentEncodingForQuery)" } }
        if !params.isEmpty { url += "?" + params.joined(separator: "&") }
        return url
    }

    /// Chooses the container like kube-apiserver: the named one, or the only one.
    static func container(of pod: JSONValue, requested: String?) throws(Status) -> String {
        let name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
        let spec = pod["spec"] ?? .emptyObject
        let main = (spec["containers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let all = main + (spec["initContainers"]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        if let requested, !requested.isEmpty {
            guard all.contains(requested) else {
                throw APIErrors.badRequest("container \(requested) is not valid for pod \(name)")
            }
            return requested
        }
        guard main.count == 1, let only = main.first else {
            throw APIErrors.badRequest("a container name must be specified for pod \(name), choose one of: [\(all.joined(separator: " "))]")
        }
        return only
    }

    func logs(_ registry: ResourceStorage, namespace: String?, name: String, request: HTTPRequest) async throws(Status) -> HTTPResponse {
        let podInfo = ResourceCatalog.info(for: Pod.self)
        let nodeInfo = ResourceCatalog.info(for: Node.self)
        let pod = try await registry.get(podInfo, namespace, name)
        let container = try Self.container(of: pod, requested: request.param("container"))
        guard let nodeName = pod[path: ["spec", "nodeName"]]?.stringValue, !nodeName.isEmpty else {
            throw APIErrors.badRequest("pod \(name) does not have a host assigned")
        }
        let node = try await registry.get(nodeInfo, nil, nodeName)
        guard let url = Self.logURL(pod: pod, node: node, container: container, query: request.query) else {
            throw APIErrors.internalError("node \(nodeName) has no address to reach its kubelet")
        }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(HTTPClientRequest(url: url), timeout: .hours(24))
        } catch {
            throw APIErrors.internalError("Get \"\(url)\": \(error)")
        }
        guard response.status == .ok else {
            let body = (try? await response.body.collect(upTo: 1 << 20)).map { String(buffer: $0) } ?? ""
            let code = Int(response.status.code)
            throw Status(message: body.isEmpty ? "kubelet answered \(code)" : body.trimmingCharacters(in: .whitespacesAndNewlines),
                         reason: code == 404 ? "NotFound" : code == 400 ? "BadRequest" : "InternalError", code: code >= 400 ? code : 500)
        }
        return HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain"], body: .stream({ writer in
            for try await chunk in response.body { try await writer.write(Array(chunk.readableBytesView)) }
        }))
    }
}

import Foundation

extension String {
    var addingPercentEncodingForQuery: String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~:")
        return addingPercentEncoding(withAllowedCharacters: allowed) ?? self
    }
}
