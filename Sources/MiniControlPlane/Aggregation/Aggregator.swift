import AsyncHTTPClient
import Foundation
import KubeAPI
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL
import HTTPServing
import Synchronization

/// API aggregation, as kube-aggregator in front of kube-apiserver: requests
/// for a group-version an APIService sends to a Service are proxied to a
/// ready endpoint of that Service over TLS (verified against the
/// APIService's `caBundle` for `NAME.NAMESPACE.svc`, or not at all under
/// `insecureSkipTLSVerify`), with the front-proxy client certificate and
/// the requesting user in `X-Remote-User` and `X-Remote-Group`. The
/// backend's discovery documents, read by ``APIServiceController``, are
/// kept here for the merged `/apis`.
final class Aggregator: Sendable {
    let registry: ResourceStorage
    let logger: Logger
    private let clientChain: [NIOSSLCertificateSource]
    private let clientKey: NIOSSLPrivateKeySource
    /// HTTP clients by `NAME.NAMESPACE.svc@ADDRESS`: each dials one address for one name.
    private let clients = Mutex<[String: HTTPClient]>([:])
    /// The APIServices last decoded, by the names and resource versions they were decoded from.
    private let decoded = Mutex<(fingerprint: String, services: [APIService])>(("", []))
    /// Parsed `caBundle`s: every proxied request needs its APIService's roots.
    private let roots = Mutex<[String: [NIOSSLCertificate]]>([:])
    /// The resource lists of remote group-versions by APIService name (nil: the last fetch failed).
    private let resourceLists = Mutex<[String: JSONValue?]>([:])

    /// The user the availability checks are made as (upstream's).
    static let checkUser = "system:kube-aggregator"

    init(registry: ResourceStorage, clientCertificatePEM: String, clientKeyPEM: String, logger: Logger) throws {
        self.registry = registry
        self.logger = logger
        clientChain = try NIOSSLCertificate.fromPEMBytes(Array(clientCertificatePEM.utf8)).map { .certificate($0) }
        clientKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(clientKeyPEM.utf8), format: .pem))
    }

    func shutdown() async {
        let all = clients.withLock { c in
            defer { c.removeAll() }
            return Array(c.values)
        }
        for c in all { try? await c.shutdown() }
    }

    // MARK: - Which APIServices are remote

    /// The APIServices (read through the admission cache: at most a second old), decoded
    /// once per change of their resource versions: every request for a group not served
    /// here, and every discovery request, asks.
    func apiServices() async -> [APIService] {
        guard let items = try? await registry.admissionList(ResourceCatalog.info(for: APIService.self), nil) else { return [] }
        let fingerprint = items.map { o in
            (o[path: ["metadata", "name"]]?.stringValue ?? "") + "@" + (o[path: ["metadata", "resourceVersion"]]?.stringValue ?? "")
        }.joined(separator: ",")
        if let cached = decoded.withLock({ $0.fingerprint == fingerprint ? $0.services : nil }) { return cached }
        let services = items.compactMap { try? JSONValueDecoder.decode(APIService.self, from: $0) }
        decoded.withLock { $0 = (fingerprint, services) }
        return services
    }

    /// The APIService that sends `group`/`version` to a Service, if one does.
    func remote(group: String, version: String) async -> APIService? {
        await apiServices().first { $0.metadata.name == "\(version).\(group)" && $0.spec.service != nil }
    }

    /// The remote APIServices of `group`, the preferred version first (upstream's order:
    /// versionPriority, then the kube-like version order).
    func remote(group: String) async -> [APIService] {
        Self.ordered(await apiServices().filter { $0.spec.group == group && $0.spec.service != nil })
    }

    static func ordered(_ services: [APIService]) -> [APIService] {
        services.sorted { a, b in
            if a.spec.versionPriority != b.spec.versionPriority { return a.spec.versionPriority > b.spec.versionPriority }
            return KubeVersion.precedes(a.spec.version ?? "", b.spec.version ?? "")
        }
    }

    // MARK: - Reaching the Service

    /// Why a Service cannot be reached: the Available condition's reason and message.
    struct Unreachable: Error {
        var reason: String
        var message: String
    }

    /// A ready endpoint of the APIService's Service port, as the availability controller words what is missing.
    func endpoint(of s: APIService) async throws(Unreachable) -> (host: String, port: Int) {
        let ref = s.spec.service ?? APIServiceReference(namespace: "", name: "")
        let ns = ref.namespace ?? "", name = ref.name ?? "", port = Int64(ref.port ?? 443)
        let svc: JSONValue
        do {
            svc = try await registry.get(ResourceCatalog.info(for: Service.self), ns, name)
        } catch {
            if error.code == 404 { throw Unreachable(reason: "ServiceNotFound", message: "service/\(name) in \"\(ns)\" is not present") }
            throw Unreachable(reason: "ServiceAccessError", message: "service/\(name) in \"\(ns)\" cannot be checked due to: \(error.message ?? "")")
        }
        guard let servicePort = (svc[path: ["spec", "ports"]]?.arrayValue ?? []).first(where: { $0["port"]?.intValue == port }) else {
            throw Unreachable(reason: "ServicePortError", message: "service/\(name) in \"\(ns)\" is not listening on port \(port)")
        }
        let portName = servicePort["name"]?.stringValue ?? ""
        let ready: [(ip: String, port: Int)]
        do {
            ready = try await registry.serviceEndpoints(ns, name, portName: portName)
        } catch {
            throw Unreachable(reason: "EndpointsAccessError", message: "service/\(name) in \"\(ns)\" cannot be checked due to: \(error.message ?? "")")
        }
        guard let chosen = ready.randomElement() else {
            throw Unreachable(reason: "MissingEndpoints",
                              message: "endpointslices for service/\(name) in \"\(ns)\" have no addresses with port name \"\(portName)\"")
        }
        return (chosen.ip, chosen.port)
    }

    /// `NAME.NAMESPACE.svc`: the name the backend's certificate must carry.
    static func serverName(_ s: APIService) -> String {
        "\(s.spec.service?.name ?? "").\(s.spec.service?.namespace ?? "").svc"
    }

    /// The client that dials `address` for `serverName` (verification and SNI use the name).
    func client(serverName: String, address: String) -> HTTPClient {
        let key = "\(serverName)@\(address)"
        return clients.withLock { c in
            if let existing = c[key] { return existing }
            if c.count >= 64 {
                // Endpoints moved: the old clients go (their connections are idle or finishing).
                let old = Array(c.values)
                c.removeAll()
                Task { for client in old { try? await client.shutdown() } }
            }
            var config = HTTPClient.Configuration(redirectConfiguration: .disallow, decompression: .disabled)
            config.timeout = .init(connect: .seconds(10), read: nil)
            config.dnsOverride = [serverName: address]
            let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: config)
            c[key] = made
            return made
        }
    }

    /// The TLS the APIService asks for, with the front-proxy client certificate.
    func tls(for s: APIService) throws(Unreachable) -> TLSConfiguration {
        var config = TLSConfiguration.makeClientConfiguration()
        config.certificateChain = clientChain
        config.privateKey = clientKey
        if s.spec.insecureSkipTLSVerify == true {
            config.certificateVerification = .none
        } else if let bundle = s.spec.caBundle, !bundle.isEmpty {
            if let known = roots.withLock({ $0[bundle] }) {
                config.trustRoots = .certificates(known)
            } else {
                guard let pem = Data(base64Encoded: bundle), let parsed = try? NIOSSLCertificate.fromPEMBytes(Array(pem)), !parsed.isEmpty else {
                    throw Unreachable(reason: "FailedDiscoveryCheck", message:
                        "spec.caBundle of \(s.metadata.name ?? "") holds no PEM certificate: set it to the base64 of the PEM CA certificate that signed the backend's serving certificate")
                }
                roots.withLock { r in
                    if r.count > 64 { r.removeAll() }
                    r[bundle] = parsed
                }
                config.trustRoots = .certificates(parsed)
            }
        }
        return config
    }

    /// The URL of a path on the backend (its host the Service's name, dialled at `endpoint`).
    static func url(_ s: APIService, endpoint: (host: String, port: Int), path: String) -> String {
        "https://\(serverName(s)):\(endpoint.port)\(path)"
    }

    // MARK: - Proxying

    /// Headers never forwarded: the connection's own, and the client's credentials
    /// and identity claims (the backend learns the user from ours).
    static func forwarded(_ name: String) -> Bool {
        let n = name.lowercased()
        return !KubeletProxy.hopByHop.contains(n) && !n.hasPrefix("impersonate-") && !n.hasPrefix("x-remote-")
    }

    /// A request to `path` on the APIService's backend as `user`, with the client that reaches it.
    func request(to s: APIService, path: String, as user: UserInfo) async throws(Unreachable) -> (HTTPClient, HTTPClientRequest) {
        let endpoint = try await self.endpoint(of: s)
        var req = HTTPClientRequest(url: Self.url(s, endpoint: endpoint, path: path))
        req.tlsConfiguration = try tls(for: s)
        Self.identify(&req.headers, user: user)
        return (client(serverName: Self.serverName(s), address: endpoint.host), req)
    }

    /// Forwards a request for a remote group-version and streams the answer back.
    func proxy(_ req: HTTPRequest, to s: APIService, user: UserInfo) async -> HTTPResponse {
        guard s.available?.status == "True" else { return .text("service unavailable\n", status: .serviceUnavailable) }
        let client: HTTPClient
        var out: HTTPClientRequest
        do {
            (client, out) = try await request(to: s, path: req.uri, as: user)
        } catch {
            logger.info("apiservice \(s.metadata.name ?? ""): \(error.message)")
            return .text("service unavailable\n", status: .serviceUnavailable)
        }
        out.method = req.method
        for (k, v) in req.headers where Self.forwarded(k) { out.headers.add(name: k, value: v) }
        if !req.body.isEmpty { out.body = .bytes(ByteBuffer(bytes: req.body)) }
        let response: HTTPClientResponse
        do {
            response = try await client.execute(out, timeout: .hours(24))
        } catch {
            return .text("Error trying to reach service: '\(error)'\n", status: .serviceUnavailable)
        }
        var headers = HTTPHeaders()
        for (k, v) in response.headers where !KubeletProxy.hopByHop.contains(k.lowercased()) { headers.add(name: k, value: v) }
        return HTTPResponse(status: response.status, headers: headers, body: .stream({ writer in
            for try await chunk in response.body { try await writer.write(Array(chunk.readableBytesView)) }
        }))
    }

    /// `X-Remote-User` and one `X-Remote-Group` per group (upstream's `SetAuthProxyHeaders`).
    static func identify(_ headers: inout HTTPHeaders, user: UserInfo) {
        headers.replaceOrAdd(name: "X-Remote-User", value: user.name)
        for g in user.groups { headers.add(name: "X-Remote-Group", value: g) }
    }

    // MARK: - Availability and discovery

    /// Upstream's remote availability check: GET `/apis/GROUP/VERSION` on the
    /// backend as system:kube-aggregator (system:masters), five seconds at
    /// most; a 2xx is available. The resource list read is kept for discovery.
    func check(_ s: APIService) async -> APIServiceCondition {
        let path = (s.spec.group ?? "").isEmpty ? "/api/\(s.spec.version ?? "")" : "/apis/\(s.spec.group ?? "")/\(s.spec.version ?? "")"
        let client: HTTPClient
        var req: HTTPClientRequest
        do {
            (client, req) = try await request(to: s, path: path, as: UserInfo(name: Self.checkUser, groups: ["system:masters"]))
        } catch {
            forgetResources(of: s)
            return APIServiceCondition(type: "Available", status: "False", reason: error.reason, message: error.message)
        }
        req.headers.add(name: "Accept", value: "application/json")
        let failure: String
        do {
            let response = try await client.execute(req, timeout: .seconds(5))
            let body = try await response.body.collect(upTo: 4 << 20)
            if (200..<300).contains(Int(response.status.code)) {
                let list = try? JSONParser.parse(Array(body.readableBytesView))
                resourceLists.withLock { $0[s.metadata.name ?? ""] = .some(list) }
                return APIServiceCondition(type: "Available", status: "True", reason: "Passed", message: "all checks passed")
            }
            failure = "bad status from \(req.url): \(response.status.code)"
        } catch {
            failure = "\(error)"
        }
        forgetResources(of: s)
        return APIServiceCondition(type: "Available", status: "False", reason: "FailedDiscoveryCheck",
                                   message: "failing or missing response from \(req.url): \(failure)")
    }

    func forgetResources(of s: APIService) {
        resourceLists.withLock { $0[s.metadata.name ?? ""] = .some(nil) }
    }

    /// The resource list last read from the backend of `s` (nil: none read, or the last read failed).
    func resources(of s: APIService) -> JSONValue? {
        resourceLists.withLock { $0[s.metadata.name ?? ""] ?? nil }
    }
}
