/// A `WWW-Authenticate` challenge from a registry (RFC 7235):
/// `Bearer realm="https://auth.example/token",service="registry.example",scope="repository:team/app:pull"`
/// or `Basic realm="Registry"`.
public struct AuthChallenge: Sendable, Equatable {
    /// `bearer` or `basic`, lowercased.
    public var scheme: String
    /// The auth-params, keys lowercased (`realm`, `service`, `scope`, `error`).
    public var parameters: [String: String]

    public init(scheme: String, parameters: [String: String]) {
        self.scheme = scheme
        self.parameters = parameters
    }

    public var realm: String? { parameters["realm"] }
    public var service: String? { parameters["service"] }
    public var scope: String? { parameters["scope"] }

    /// Parses one header value; nil when it names no scheme.
    public init?(parsing header: String) {
        var text = Substring(header).drop { $0 == " " }
        let scheme = text.prefix { $0 != " " && $0 != "," }
        guard !scheme.isEmpty, !scheme.contains("=") else { return nil }
        text = text.dropFirst(scheme.count)
        var parameters: [String: String] = [:]
        while true {
            text = text.drop { $0 == " " || $0 == "," }
            guard !text.isEmpty, let eq = text.firstIndex(of: "=") else { break }
            let key = String(text[..<eq]).trimmingCharacters(in: " ").lowercased()
            text = text[text.index(after: eq)...].drop { $0 == " " }
            var value = ""
            if text.first == "\"" {
                text = text.dropFirst()
                var escaped = false
                while let c = text.first {
                    text = text.dropFirst()
                    if escaped { value.append(c); escaped = false; continue }
                    if c == "\\" { escaped = true; continue }
                    if c == "\"" { break }
                    value.append(c)
                }
            } else {
                let raw = text.prefix { $0 != "," }
                value = String(raw).trimmingCharacters(in: " ")
                text = text.dropFirst(raw.count)
            }
            parameters[key] = value
        }
        self.init(scheme: scheme.lowercased(), parameters: parameters)
    }
}
