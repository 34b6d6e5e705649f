import Foundation
import KubeAPI

/// Why an encryption configuration was refused, naming the file and the field.
public struct EncryptionConfigurationError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// `--encryption-provider-config`: upstream's `EncryptionConfiguration`
/// (`apiserver.config.k8s.io/v1`). Each entry names resources (`secrets`,
/// `deployments.apps`, `*.apps`, `*.*`) and an ordered list of providers:
/// the first one encrypts what is written, every one can read what it wrote
/// (so a new key is added first, then the objects rewritten, then the old key
/// dropped), and `identity` reads and writes plaintext.
///
/// ```yaml
/// apiVersion: apiserver.config.k8s.io/v1
/// kind: EncryptionConfiguration
/// resources:
/// - resources: [secrets]
///   providers:
///   - aesgcm: {keys: [{name: key1, secret: c2VjcmV0IGlzIHNlY3VyZSwgb3IgaXMgaXQ/Cg==}]}
///   - identity: {}
/// ```
public struct EncryptionConfiguration: Sendable {
    /// The providers of the storage prefixes they cover (`/registry/secrets/`).
    public var prefixes: [(prefix: String, providers: [EncryptionProvider])]

    /// Reads a configuration file.
    public static func load(_ path: String) throws(EncryptionConfigurationError) -> EncryptionConfiguration {
        let bytes: [UInt8]
        do {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        } catch {
            throw EncryptionConfigurationError(description: "cannot read --encryption-provider-config \(path): \(error.localizedDescription)")
        }
        do {
            return try parse(bytes)
        } catch {
            throw EncryptionConfigurationError(description: "--encryption-provider-config \(path): \(error.description)")
        }
    }

    /// Parses the YAML or JSON of a configuration.
    public static func parse(_ bytes: [UInt8]) throws(EncryptionConfigurationError) -> EncryptionConfiguration {
        let doc: JSONValue
        do {
            guard let v = try YAMLDecoding.decodeReportingDuplicates(bytes).value else { throw EncryptionConfigurationError(description: "the file is empty") }
            doc = v
        } catch let e as EncryptionConfigurationError {
            throw e
        } catch {
            throw EncryptionConfigurationError(description: "\(error)")
        }
        guard doc["kind"]?.stringValue == "EncryptionConfiguration",
              ["apiserver.config.k8s.io/v1", "apiserver.k8s.io/v1"].contains(doc["apiVersion"]?.stringValue ?? "") else {
            throw EncryptionConfigurationError(description: "expected apiVersion apiserver.config.k8s.io/v1, kind EncryptionConfiguration")
        }
        var out = EncryptionConfiguration(prefixes: [])
        var covered: Set<String> = []
        for (i, entry) in (doc["resources"]?.arrayValue ?? []).enumerated() {
            let names = (entry["resources"]?.arrayValue ?? []).compactMap(\.stringValue)
            if names.isEmpty { throw EncryptionConfigurationError(description: "resources[\(i)].resources: Required value") }
            let rawProviders = entry["providers"]?.arrayValue ?? []
            if rawProviders.isEmpty { throw EncryptionConfigurationError(description: "resources[\(i)].providers: Required value") }
            var providers: [EncryptionProvider] = []
            for (j, p) in rawProviders.enumerated() {
                providers.append(try EncryptionProvider.parse(p, path: "resources[\(i)].providers[\(j)]"))
            }
            for name in names {
                let matched = try Self.resources(matching: name, path: "resources[\(i)].resources")
                // The first entry naming a resource decides, as upstream.
                for info in matched where covered.insert(info.keyPrefix).inserted {
                    out.prefixes.append((info.keyPrefix, providers))
                }
            }
        }
        return out
    }

    /// The stored resources a name covers: `secrets`, `deployments.apps`, `*.apps`, `*.` (core) or `*.*`.
    static func resources(matching name: String, path: String) throws(EncryptionConfigurationError) -> [ResourceInfo] {
        let stored = ResourceCatalog.all.filter { $0.conversion == nil && $0.kind != "Binding" && $0.kind != "ComponentStatus" }
        if name == "*.*" { return stored }
        if name.hasPrefix("*.") {
            let group = String(name.dropFirst(2))
            return stored.filter { $0.group == group }
        }
        guard let info = stored.first(where: { $0.groupResource == name }) else {
            throw EncryptionConfigurationError(description: "\(path): Invalid value: \"\(name)\": not a resource this API server serves (use plural.group, e.g. secrets or deployments.apps)")
        }
        return [info]
    }

    /// The providers of a storage key, nil when its resource is not encrypted.
    func providers(forKey key: String) -> [EncryptionProvider]? {
        prefixes.first { key.hasPrefix($0.prefix) }?.providers
    }
}
