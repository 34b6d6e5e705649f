public import KubeAPI
import Foundation

/// Builds a container's environment as the kubelet does: service variables,
/// then `envFrom`, then `env` (later definitions win), with `$(VAR)`
/// references expanded and `$$` escaping a dollar.
public struct EnvResolver: Sendable {
    public var fields: PodFields
    /// ConfigMaps and Secrets the pod references, fetched beforehand (nil value: not found).
    public var configMaps: [String: ConfigMap]
    public var secrets: [String: Secret]
    /// `KUBERNETES_SERVICE_HOST` and friends for the pod's namespace.
    public var serviceVariables: [(String, String)]

    public init(fields: PodFields, configMaps: [String: ConfigMap] = [:], secrets: [String: Secret] = [:],
                serviceVariables: [(String, String)] = []) {
        self.fields = fields
        self.configMaps = configMaps
        self.secrets = secrets
        self.serviceVariables = serviceVariables
    }

    /// `NAME=value` entries in definition order (a redefined name keeps its first position).
    public func environment(for container: Container) throws(EnvError) -> [String] {
        var order: [String] = []
        var values: [String: String] = [:]
        func set(_ name: String, _ value: String) {
            if values[name] == nil { order.append(name) }
            values[name] = value
        }
        if fields.pod.spec?.enableServiceLinks != false {
            for (k, v) in serviceVariables { set(k, v) }
        } else {
            for (k, v) in serviceVariables where k.hasPrefix("KUBERNETES_") { set(k, v) }
        }
        for source in container.envFrom ?? [] {
            let prefix = source.prefix ?? ""
            if let ref = source.configMapRef {
                guard let name = ref.name, let cm = configMaps[name] else {
                    if ref.optional == true { continue }
                    throw EnvError("configmap \"\(ref.name ?? "")\" not found")
                }
                for (k, v) in (cm.data ?? [:]).sorted(by: { $0.key < $1.key }) where EnvResolver.isValidName(prefix + k) {
                    set(prefix + k, v)
                }
            }
            if let ref = source.secretRef {
                guard let name = ref.name, let secret = secrets[name] else {
                    if ref.optional == true { continue }
                    throw EnvError("secret \"\(ref.name ?? "")\" not found")
                }
                for (k, v) in (secret.data ?? [:]).sorted(by: { $0.key < $1.key }) where EnvResolver.isValidName(prefix + k) {
                    set(prefix + k, EnvResolver.decodeBase64(v))
                }
            }
        }
        for variable in container.env ?? [] {
            guard let name = variable.name else { continue }
            if let value = variable.value {
                set(name, EnvResolver.expand(value, values))
            } else if let from = variable.valueFrom {
                if let v = try value(from, container: container) { set(name, v) }
            } else {
                set(name, "")
            }
        }
        return order.map { "\($0)=\(values[$0] ?? "")" }
    }

    func value(_ source: EnvVarSource, container: Container) throws(EnvError) -> String? {
        if let ref = source.fieldRef {
            return try fields.field(ref.fieldPath ?? "")
        }
        if let ref = source.resourceFieldRef {
            return try fields.resource(ref, container: container)
        }
        if let ref = source.configMapKeyRef {
            guard let name = ref.name, let cm = configMaps[name] else {
                if ref.optional == true { return nil }
                throw EnvError("configmap \"\(ref.name ?? "")\" not found")
            }
            guard let key = ref.key, let v = cm.data?[key] else {
                if ref.optional == true { return nil }
                throw EnvError("couldn't find key \(ref.key ?? "") in ConfigMap \(fields.pod.metadata.namespace ?? "")/\(name)")
            }
            return v
        }
        if let ref = source.secretKeyRef {
            guard let name = ref.name, let secret = secrets[name] else {
                if ref.optional == true { return nil }
                throw EnvError("secret \"\(ref.name ?? "")\" not found")
            }
            guard let key = ref.key, let v = secret.data?[key] else {
                if ref.optional == true { return nil }
                throw EnvError("couldn't find key \(ref.key ?? "") in Secret \(fields.pod.metadata.namespace ?? "")/\(name)")
            }
            return EnvResolver.decodeBase64(v)
        }
        return ""
    }

    /// Expands `$(NAME)` from `values`; `$$` is a literal `$`; unknown references stay as written.
    public static func expand(_ text: String, _ values: [String: String]) -> String {
        guard text.contains("$") else { return text }
        var out = ""
        var i = text.startIndex
        while i < text.endIndex {
            let c = text[i]
            let next = text.index(after: i)
            if c == "$", next < text.endIndex {
                if text[next] == "$" {
                    out.append("$")
                    i = text.index(after: next)
                    continue
                }
                if text[next] == "(", let close = text[next...].firstIndex(of: ")") {
                    let name = String(text[text.index(after: next)..<close])
                    if let v = values[name] {
                        out += v
                    } else {
                        out += text[i...close]
                    }
                    i = text.index(after: close)
                    continue
                }
            }
            out.append(c)
            i = next
        }
        return out
    }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("=") && !(name.first?.isNumber ?? true)
    }

    static func decodeBase64(_ text: String) -> String {
        guard let data = Data(base64Encoded: text) else { return text }
        return String(decoding: data, as: UTF8.self)
    }

    /// Docker-link style variables for every Service in the namespace:
    /// `NAME_SERVICE_HOST`, `NAME_SERVICE_PORT`, `NAME_PORT_80_TCP_ADDR`, …
    public static func serviceVariables(_ services: [Service]) -> [(String, String)] {
        var out: [(String, String)] = []
        for service in services.sorted(by: { ($0.metadata.name ?? "") < ($1.metadata.name ?? "") }) {
            guard let name = service.metadata.name, let spec = service.spec, let ip = spec.clusterIP,
                  !ip.isEmpty, ip != "None", let ports = spec.ports, let first = ports.first else { continue }
            let prefix = name.uppercased().map { $0 == "-" ? "_" : $0 }.map(String.init).joined()
            out.append(("\(prefix)_SERVICE_HOST", ip))
            out.append(("\(prefix)_SERVICE_PORT", String(first.port)))
            for p in ports {
                if let portName = p.name, !portName.isEmpty {
                    out.append(("\(prefix)_SERVICE_PORT_\(portName.uppercased().map { $0 == "-" ? "_" : $0 }.map(String.init).joined())", String(p.port)))
                }
            }
            let proto = (first.protocol ?? "TCP").lowercased()
            out.append(("\(prefix)_PORT", "\(proto)://\(ip):\(first.port)"))
            for p in ports {
                let pr = (p.protocol ?? "TCP")
                let base = "\(prefix)_PORT_\(p.port)_\(pr.uppercased())"
                out.append((base, "\(pr.lowercased())://\(ip):\(p.port)"))
                out.append((base + "_PROTO", pr.lowercased()))
                out.append((base + "_PORT", String(p.port)))
                out.append((base + "_ADDR", ip))
            }
        }
        return out
    }
}
