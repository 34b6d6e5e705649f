/// An image reference as users write it (`busybox`, `nginx:1.27`,
/// `registry.example:5000/team/app@sha256:…`), normalized the way Docker and
/// Kubernetes do: `docker.io` is the default registry and `library/` the
/// default namespace on it; `latest` is the default tag.
public struct ImageReference: Hashable, Sendable, CustomStringConvertible {
    public var registry: String
    public var repository: String
    public var tag: String?
    public var digest: Digest?

    public init(registry: String, repository: String, tag: String?, digest: Digest?) {
        self.registry = registry
        self.repository = repository
        self.tag = tag
        self.digest = digest
    }

    public init(parsing text: String) throws {
        var rest = Substring(text)
        var digest: Digest?
        if let at = rest.lastIndex(of: "@") {
            guard let d = Digest(String(rest[rest.index(after: at)...])) else {
                throw ImageError.invalidReference(text, "the part after @ is not a sha256 digest")
            }
            digest = d
            rest = rest[..<at]
        }
        var tag: String?
        if let colon = rest.lastIndex(of: ":"), !rest[colon...].contains("/") {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
            guard let t = tag, !t.isEmpty, t.count <= 128, t.first != "." && t.first != "-",
                  t.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "_.-".contains($0)) }) else {
                throw ImageError.invalidReference(text, "invalid tag")
            }
        }
        var parts = rest.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        var registry = "docker.io"
        if parts.count > 1, parts[0].contains(".") || parts[0].contains(":") || parts[0] == "localhost" {
            registry = parts.removeFirst()
        }
        if registry == "index.docker.io" { registry = "docker.io" }
        if registry == "docker.io" && parts.count == 1 { parts.insert("library", at: 0) }
        let repository = parts.joined(separator: "/")
        guard !repository.isEmpty, parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy { c in c.isASCII && (c.isLowercase || c.isNumber || "._-".contains(c)) } }) else {
            throw ImageError.invalidReference(text, "repository names use lowercase letters, digits and . _ - separated by /")
        }
        if tag == nil && digest == nil { tag = "latest" }
        self.init(registry: registry, repository: repository, tag: tag, digest: digest)
    }

    /// `docker.io/library/busybox:1.35` (with `@sha256:…` when pinned).
    public var description: String {
        "\(registry)/\(repository)" + (tag.map { ":" + $0 } ?? "") + (digest.map { "@" + $0.description } ?? "")
    }

    /// The short form users know: `busybox:1.35` for Docker Hub library images.
    public var familiar: String {
        var name = registry == "docker.io" ? repository : "\(registry)/\(repository)"
        if registry == "docker.io", name.hasPrefix("library/") { name.removeFirst(8) }
        return name + (tag.map { ":" + $0 } ?? "") + (digest.map { "@" + $0.description } ?? "")
    }
}
