import FoundationEssentials

/// A user name and password (or identity token) for one registry.
public struct RegistryCredentials: Sendable, Equatable {
    public var username: String
    public var password: String

    public init(username: String, password: String) {
        self.username = username
        self.password = password
    }

    /// `Basic base64(user:password)`.
    public var basicAuthorization: String {
        "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
    }
}

/// Credentials by registry host, as a `kubernetes.io/dockerconfigjson`
/// secret (`{"auths":{"HOST":{"auth":"base64(user:pass)"}}}`), a legacy
/// `kubernetes.io/dockercfg` one (the same map without `auths`) or
/// `~/.docker/config.json` hold them.
public struct DockerConfig: Sendable, Equatable {
    /// Normalized host (`docker.io`, `registry.example:5000`) → credentials.
    public var auths: [String: RegistryCredentials]

    public init(auths: [String: RegistryCredentials] = [:]) {
        self.auths = auths
    }

    struct Entry: Decodable {
        var auth: String?
        var username: String?
        var password: String?
        var identitytoken: String?
    }

    struct File: Decodable {
        var auths: [String: Entry]?
    }

    /// Parses the JSON of a dockerconfigjson or dockercfg secret.
    public init(json bytes: [UInt8]) throws {
        let entries: [String: Entry]
        do {
            if let auths = try JSONDecoder().decode(File.self, from: Data(bytes)).auths {
                entries = auths
            } else {
                entries = try JSONDecoder().decode([String: Entry].self, from: Data(bytes))
            }
        } catch {
            throw ImageError.io("docker config JSON is not valid: \(error)")
        }
        var auths: [String: RegistryCredentials] = [:]
        for (key, entry) in entries {
            var user = entry.username
            var password = entry.password
            if let encoded = entry.auth, !encoded.isEmpty {
                guard let data = Data(base64Encoded: encoded), let text = String(data: data, encoding: .utf8),
                      let colon = text.firstIndex(of: ":") else {
                    throw ImageError.io("docker config: the auth of \(key) is not base64 of user:password")
                }
                user = String(text[..<colon])
                password = String(text[text.index(after: colon)...])
            }
            if let token = entry.identitytoken, !token.isEmpty, user == nil {
                user = "<token>"
                password = token
            }
            guard let user, let password else { continue }
            auths[Self.normalize(host: key)] = RegistryCredentials(username: user, password: password)
        }
        self.init(auths: auths)
    }

    /// The credentials for `registry` (a reference's registry, `docker.io` for Docker Hub).
    public func credentials(for registry: String) -> RegistryCredentials? {
        auths[Self.normalize(host: registry)]
    }

    /// Merges `other` in; its entries win.
    public func merging(_ other: DockerConfig) -> DockerConfig {
        DockerConfig(auths: auths.merging(other.auths) { $1 })
    }

    /// `https://index.docker.io/v1/` → `docker.io`; `http://r:5000/v2` → `r:5000`.
    static func normalize(host key: String) -> String {
        var host = Substring(key)
        for scheme in ["https://", "http://"] where host.hasPrefix(scheme) { host = host.dropFirst(scheme.count) }
        if let slash = host.firstIndex(of: "/") { host = host[..<slash] }
        let lower = host.lowercased()
        if ["index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"].contains(lower) { return "docker.io" }
        return lower
    }
}
