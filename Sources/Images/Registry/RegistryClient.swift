import AsyncHTTPClient
import FoundationEssentials
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// A client of the OCI distribution API (registry v2): manifests and blobs
/// over HTTPS (TLS verified against the system's CA bundle) or plain HTTP
/// for registries configured as insecure, with the bearer-token flow
/// (`WWW-Authenticate: Bearer realm=…,service=…,scope=…`) and basic auth.
/// One client serves many pulls; call ``shutdown()`` when done.
public final class RegistryClient: Sendable {
    public let configuration: RegistryConfiguration
    let http: HTTPClient
    /// `registry/repository` → the Authorization header that worked last.
    let authorizations = Mutex<[String: String]>([:])

    public init(configuration: RegistryConfiguration = RegistryConfiguration()) {
        self.configuration = configuration
        var c = HTTPClient.Configuration(tlsConfiguration: TLSConfiguration.makeClientConfiguration(),
                                         redirectConfiguration: .follow(max: 5, allowCycles: false))
        c.timeout = .init(connect: .milliseconds(Int64(configuration.requestTimeout * 1000)),
                          read: .milliseconds(Int64(configuration.readTimeout * 1000)))
        c.decompression = .disabled
        // Our own retries (with back-off, and a message per try) replace the
        // pool's, which would wait out the whole timeout on a refused connection.
        c.connectionPool.retryConnectionEstablishment = false
        http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: c)
    }

    /// Closes connections.
    public func shutdown() async {
        try? await http.shutdown()
    }
}

/// One image's conversation with its registry: the reference, credentials
/// and the message prefix errors carry.
struct RegistrySession: Sendable {
    let client: RegistryClient
    let reference: ImageReference
    let credentials: RegistryCredentials?
    var image: String { reference.familiar }
    /// Cached authorizations belong to one repository and one set of
    /// credentials: a pod without imagePullSecrets must not ride on a
    /// token another pod's secret earned.
    var authKey: String { reference.registry + "/" + reference.repository + "|" + (credentials?.basicAuthorization ?? "anonymous") }

    func url(_ kind: String, _ identifier: String) -> String {
        client.configuration.baseURL(for: reference.registry) + "/v2/\(reference.repository)/\(kind)/\(identifier)"
    }

    /// A GET with the cached Authorization; a 401 runs the challenge's flow once.
    func get(_ url: String, accept: [String] = []) async throws -> HTTPClientResponse {
        var authorization = client.authorizations.withLock { $0[authKey] }
        for round in 0..<2 {
            var request = HTTPClientRequest(url: url)
            request.headers.add(name: "User-Agent", value: "swiftkube-kubelet/1.0")
            for type in accept { request.headers.add(name: "Accept", value: type) }
            if let authorization { request.headers.add(name: "Authorization", value: authorization) }
            let response: HTTPClientResponse
            do {
                response = try await client.http.execute(request, timeout: .milliseconds(Int64(client.configuration.requestTimeout * 1000)))
            } catch {
                throw RegistryTransportError(describe(error, url: url))
            }
            guard response.status == .unauthorized, round == 0 else {
                if response.status == .unauthorized || response.status == .forbidden {
                    let body = await errorText(response)
                    throw ImageError.pullFailed(image: image, reason: "\(reference.registry) denied access (\(response.status.code)\(body.isEmpty ? "" : ": " + body)); "
                                                + (credentials == nil ? "the registry needs credentials (imagePullSecrets)" : "check the credentials"))
                }
                return response
            }
            let challenges = response.headers["WWW-Authenticate"].compactMap { AuthChallenge(parsing: $0) }
            _ = await errorText(response)
            authorization = try await authorize(challenges)
            client.authorizations.withLock { $0[authKey] = authorization }
        }
        throw ImageError.pullFailed(image: image, reason: "authentication with \(reference.registry) did not settle")
    }

    /// The Authorization header answering a 401's challenges.
    func authorize(_ challenges: [AuthChallenge]) async throws -> String {
        if let bearer = challenges.first(where: { $0.scheme == "bearer" }), let realm = bearer.realm {
            return "Bearer " + (try await token(realm: realm, service: bearer.service, scope: bearer.scope ?? "repository:\(reference.repository):pull"))
        }
        if challenges.contains(where: { $0.scheme == "basic" }) {
            guard let credentials else {
                throw ImageError.pullFailed(image: image, reason: "\(reference.registry) requires a user name and password (basic auth) and none is configured (imagePullSecrets)")
            }
            return credentials.basicAuthorization
        }
        throw ImageError.pullFailed(image: image, reason: "\(reference.registry) answered 401 without a usable WWW-Authenticate challenge")
    }

    /// Fetches a bearer token from the realm (anonymously, or with basic auth when credentials exist).
    func token(realm: String, service: String?, scope: String) async throws -> String {
        guard realm.hasPrefix("https://") || realm.hasPrefix("http://") else {
            throw ImageError.pullFailed(image: image, reason: "the token realm \"\(realm)\" is not an http(s) URL")
        }
        var query: [String] = []
        if let service { query.append("service=" + Self.percentEncode(service)) }
        query.append("scope=" + Self.percentEncode(scope))
        var request = HTTPClientRequest(url: realm + (realm.contains("?") ? "&" : "?") + query.joined(separator: "&"))
        if let credentials { request.headers.add(name: "Authorization", value: credentials.basicAuthorization) }
        let response: HTTPClientResponse
        do {
            response = try await client.http.execute(request, timeout: .milliseconds(Int64(client.configuration.requestTimeout * 1000)))
        } catch {
            throw RegistryTransportError(describe(error, url: realm))
        }
        let body: ByteBuffer
        do { body = try await response.body.collect(upTo: 1 << 20) } catch { throw RegistryTransportError("reading the token from \(realm): \(error)") }
        guard response.status == .ok else {
            let text = String(buffer: body).prefix(300)
            throw ImageError.pullFailed(image: image, reason: "the token service \(realm) refused (\(response.status.code)): \(text)")
        }
        struct TokenAnswer: Decodable { var token: String?; var access_token: String? }
        guard let answer = try? JSONDecoder().decode(TokenAnswer.self, from: Data(Array(buffer: body))),
              let token = answer.token ?? answer.access_token, !token.isEmpty else {
            throw ImageError.pullFailed(image: image, reason: "the token service \(realm) answered without a token")
        }
        return token
    }

    /// The registry's error words: `CODE: message` from its JSON errors, or the start of the body.
    func errorText(_ response: HTTPClientResponse) async -> String {
        guard let body = try? await response.body.collect(upTo: 64 << 10) else { return "" }
        struct Errors: Decodable {
            struct Item: Decodable { var code: String?; var message: String? }
            var errors: [Item]?
        }
        if let parsed = try? JSONDecoder().decode(Errors.self, from: Data(Array(buffer: body))), let errors = parsed.errors, !errors.isEmpty {
            return errors.map { [$0.code, $0.message].compactMap { $0 }.joined(separator: ": ") }.joined(separator: "; ")
        }
        return String(String(buffer: body).prefix(200)).trimmingCharacters(in: " \n\r")
    }

    /// A transport failure in words a user can act on.
    func describe(_ error: any Error, url: String) -> String {
        var text = "cannot reach \(reference.registry) (\(url)): \(error)"
        if url.hasPrefix("https://"), "\(error)".contains("SSL") || "\(error)".contains("TLS") || "\(error)".contains("handshake") {
            text += "; if it serves plain HTTP, list it as insecure (--insecure-registry \(reference.registry))"
        }
        return text
    }

    static func percentEncode(_ s: String) -> String {
        var out = ""
        for b in s.utf8 {
            if (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a) || "-._~".utf8.contains(b) {
                out.append(Character(UnicodeScalar(b)))
            } else {
                out += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
            }
        }
        return out
    }
}

/// A failure worth retrying: the network, a 5xx or 429, a body cut short.
struct RegistryTransportError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
