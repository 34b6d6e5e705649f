public import Foundation

/// Why a kubeconfig or client setting is unusable.
public struct KubeConfigError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// Where and how to reach the API server.
public struct KubeConfig: Sendable {
    /// `https://host:port`.
    public var server: String
    /// Further API servers of the same cluster, tried in turn when `server`
    /// cannot be reached (an HA control plane without a load balancer).
    public var fallbackServers: [String] = []
    /// `server` then `fallbackServers`.
    public var servers: [String] { [server] + fallbackServers }
    /// Bearer token.
    public var token: String?
    /// PEM of the client certificate (x509 authentication: CN user, O groups).
    public var clientCertificatePEM: String?
    /// PEM of the client certificate's private key (may be the same PEM
    /// file as the certificate, as the kubelet's `kubelet-client-current.pem`).
    public var clientKeyPEM: String?
    /// PEM of the CA that signed the server certificate; nil uses the system roots.
    public var caPEM: String?
    /// Skips certificate verification (never for production).
    public var insecureSkipTLSVerify = false
    /// Namespace used when a call names none.
    public var namespace = "default"
    /// Sent as `Impersonate-User` (`kubectl --as`).
    public var impersonateUser: String?
    /// Sent as `Impersonate-Group`, one header each (kubeconfig `as-groups`, `kubectl --as-group`).
    public var impersonateGroups: [String] = []
    /// Sent as `User-Agent`.
    public var userAgent = "swiftkube-client/0.1"

    /// `server` may list several URLs separated by commas
    /// (`https://a:6443,https://b:6443`): the first is used, the others are
    /// fallbacks.
    public init(server: String, token: String? = nil, caPEM: String? = nil) {
        let urls = server.split(separator: ",").map { url in
            let u = url.trimmingCharacters(in: .whitespaces)
            return u.hasSuffix("/") ? String(u.dropLast()) : u
        }
        self.server = urls.first ?? ""
        self.fallbackServers = Array(urls.dropFirst())
        self.token = token
        self.caPEM = caPEM
    }

    /// A configuration from a server URL and token and CA files, as the
    /// kubelet's `--apiserver --token-file --ca-file` give them.
    public init(server: String, tokenFile: String, caFile: String?) throws(KubeConfigError) {
        self.init(server: server)
        do {
            token = try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            if let caFile { caPEM = try String(contentsOfFile: caFile, encoding: .utf8) }
        } catch {
            throw KubeConfigError(description: "cannot read credentials: \(error)")
        }
    }

    /// Loads the current context of a kubeconfig file (token, tokenFile or
    /// client-certificate(-data)/client-key(-data) users;
    /// certificate-authority-data or certificate-authority).
    public static func load(path: String, context: String? = nil) throws(KubeConfigError) -> KubeConfig {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw KubeConfigError(description: "cannot read kubeconfig \(path): \(error)")
        }
        return try parse(text, relativeTo: URL(fileURLWithPath: path).deletingLastPathComponent(), context: context)
    }

    /// Parses kubeconfig YAML.
    public static func parse(_ text: String, relativeTo dir: URL? = nil, context: String? = nil) throws(KubeConfigError) -> KubeConfig {
        let root: JSONValue
        do {
            guard let r = try YAMLDecoding.decode(text), r.objectValue != nil else { throw KubeConfigError(description: "kubeconfig is not a map") }
            root = r
        } catch let e as KubeConfigError {
            throw e
        } catch {
            throw KubeConfigError(description: "invalid kubeconfig YAML: \(error)")
        }
        func named(_ list: String, _ name: String, _ inner: String) -> JSONValue? {
            root[list]?.arrayValue?.first { $0["name"]?.stringValue == name }?[inner].flatMap { $0.objectValue == nil ? nil : $0 }
        }
        guard let ctxName = context ?? root["current-context"]?.stringValue, let ctx = named("contexts", ctxName, "context") else {
            throw KubeConfigError(description: "kubeconfig has no usable current-context")
        }
        guard let clusterName = ctx["cluster"]?.stringValue, let cluster = named("clusters", clusterName, "cluster"),
              let server = cluster["server"]?.stringValue else {
            throw KubeConfigError(description: "kubeconfig context \(ctxName) names no cluster with a server")
        }
        var cfg = KubeConfig(server: server)
        func resolve(_ p: String) -> String { p.hasPrefix("/") || dir == nil ? p : dir!.appendingPathComponent(p).path }
        if let data = cluster["certificate-authority-data"]?.stringValue {
            guard let d = Data(base64Encoded: data), let pem = String(data: d, encoding: .utf8) else {
                throw KubeConfigError(description: "certificate-authority-data is not base64 PEM")
            }
            cfg.caPEM = pem
        } else if let file = cluster["certificate-authority"]?.stringValue {
            do { cfg.caPEM = try String(contentsOfFile: resolve(file), encoding: .utf8) } catch {
                throw KubeConfigError(description: "cannot read certificate-authority \(file): \(error)")
            }
        }
        /// `NAME-data` (base64 PEM) or the file `NAME`.
        func pem(_ user: JSONValue, _ name: String) throws(KubeConfigError) -> String? {
            if let data = user["\(name)-data"]?.stringValue {
                guard let d = Data(base64Encoded: data), let text = String(data: d, encoding: .utf8) else {
                    throw KubeConfigError(description: "\(name)-data is not base64 PEM")
                }
                return text
            }
            guard let file = user[name]?.stringValue else { return nil }
            do { return try String(contentsOfFile: resolve(file), encoding: .utf8) } catch {
                throw KubeConfigError(description: "cannot read \(name) \(file): \(error)")
            }
        }
        cfg.insecureSkipTLSVerify = cluster["insecure-skip-tls-verify"]?.boolValue ?? false
        if let userName = ctx["user"]?.stringValue, let user = named("users", userName, "user") {
            if let t = user["token"]?.stringValue {
                cfg.token = t
            } else if let f = user["tokenFile"]?.stringValue {
                do { cfg.token = try String(contentsOfFile: resolve(f), encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) } catch {
                    throw KubeConfigError(description: "cannot read tokenFile \(f): \(error)")
                }
            }
            cfg.clientCertificatePEM = try pem(user, "client-certificate")
            cfg.clientKeyPEM = try pem(user, "client-key")
            if (cfg.clientCertificatePEM == nil) != (cfg.clientKeyPEM == nil) {
                throw KubeConfigError(description: "kubeconfig user \(userName) has a client certificate without its key (or a key without its certificate)")
            }
            if let imp = user["as"]?.stringValue { cfg.impersonateUser = imp }
            cfg.impersonateGroups = (user["as-groups"]?.arrayValue ?? []).compactMap(\.stringValue)
        }
        if let ns = ctx["namespace"]?.stringValue, !ns.isEmpty { cfg.namespace = ns }
        return cfg
    }
}
