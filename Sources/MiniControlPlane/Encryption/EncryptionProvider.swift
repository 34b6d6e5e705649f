import Crypto
import _CryptoExtras
import Foundation
import KubeAPI

/// Why stored bytes could not be decrypted.
public struct DecryptionError: Error, Sendable, CustomStringConvertible {
    public var description: String
}

/// One provider of an ``EncryptionConfiguration``, writing upstream's
/// envelope so a store moves between kube-apiserver and this one:
/// `k8s:enc:aesgcm:v1:NAME:` + 12-byte nonce + AES-GCM ciphertext and tag,
/// with the storage key as additional authenticated data;
/// `k8s:enc:aescbc:v1:NAME:` + 16-byte IV + AES-CBC ciphertext (PKCS#7);
/// `k8s:enc:secretbox:v1:NAME:` + 24-byte nonce + Poly1305 tag + XSalsa20
/// ciphertext (NaCl's secretbox); `identity` stores plaintext.
public enum EncryptionProvider: Sendable {
    /// A named key.
    public struct Key: Sendable {
        public var name: String
        /// The key's bytes (16, 24 or 32).
        var secret: [UInt8]
        var symmetric: SymmetricKey { SymmetricKey(data: secret) }
    }

    case aesgcm([Key])
    case aescbc([Key])
    case secretbox([Key])
    case identity

    static func parse(_ v: JSONValue, path: String) throws(EncryptionConfigurationError) -> EncryptionProvider {
        guard case .object(let members) = v, members.count == 1, let (kind, body) = members.first else {
            throw EncryptionConfigurationError(description: "\(path): exactly one provider type per entry (aesgcm, aescbc, secretbox or identity)")
        }
        switch kind {
        case "identity": return .identity
        case "aesgcm", "aescbc", "secretbox":
            let raw = body["keys"]?.arrayValue ?? []
            if raw.isEmpty { throw EncryptionConfigurationError(description: "\(path).\(kind).keys: Required value") }
            var keys: [Key] = []
            for (i, k) in raw.enumerated() {
                let at = "\(path).\(kind).keys[\(i)]"
                guard let name = k["name"]?.stringValue, !name.isEmpty, !name.contains(":") else {
                    throw EncryptionConfigurationError(description: "\(at).name: Required value (a name without ':')")
                }
                if keys.contains(where: { $0.name == name }) {
                    throw EncryptionConfigurationError(description: "\(at).name: Duplicate value: \"\(name)\"")
                }
                guard let encoded = k["secret"]?.stringValue, let secret = Data(base64Encoded: encoded) else {
                    throw EncryptionConfigurationError(description: "\(at).secret: Invalid value: secrets must be base64-encoded")
                }
                let sizes = kind == "aesgcm" ? [16, 24, 32] : [32]
                guard sizes.contains(secret.count) else {
                    throw EncryptionConfigurationError(description: "\(at).secret: Invalid value: \(kind) keys must be \(sizes.map(String.init).joined(separator: ", ")) bytes long, not \(secret.count)")
                }
                keys.append(Key(name: name, secret: Array(secret)))
            }
            switch kind {
            case "aesgcm": return .aesgcm(keys)
            case "aescbc": return .aescbc(keys)
            default: return .secretbox(keys)
            }
        case "kms":
            throw EncryptionConfigurationError(description: "\(path): the kms provider is not supported by this API server; use aesgcm, aescbc or secretbox")
        default:
            throw EncryptionConfigurationError(description: "\(path): unknown provider \(kind) (aesgcm, aescbc, secretbox or identity)")
        }
    }

    /// The envelope prefix of a provider's first key (nil for identity).
    var prefix: String? {
        switch self {
        case .aesgcm(let keys): return keys.first.map { "k8s:enc:aesgcm:v1:\($0.name):" }
        case .aescbc(let keys): return keys.first.map { "k8s:enc:aescbc:v1:\($0.name):" }
        case .secretbox(let keys): return keys.first.map { "k8s:enc:secretbox:v1:\($0.name):" }
        case .identity: return nil
        }
    }

    /// `plaintext` as this provider stores it under `key`.
    func encrypt(_ plaintext: [UInt8], key storageKey: String) throws -> [UInt8] {
        switch self {
        case .identity:
            return plaintext
        case .aesgcm(let keys):
            guard let k = keys.first, let prefix else { return plaintext }
            let sealed = try AES.GCM.seal(plaintext, using: k.symmetric, nonce: AES.GCM.Nonce(), authenticating: Array(storageKey.utf8))
            return Array(prefix.utf8) + Array(sealed.nonce) + Array(sealed.ciphertext) + Array(sealed.tag)
        case .aescbc(let keys):
            guard let k = keys.first, let prefix else { return plaintext }
            var generator = SystemRandomNumberGenerator()
            let ivBytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let ciphertext = try AES._CBC.encrypt(plaintext, using: k.symmetric, iv: try AES._CBC.IV(ivBytes: ivBytes))
            return Array(prefix.utf8) + ivBytes + Array(ciphertext)
        case .secretbox(let keys):
            guard let k = keys.first, let prefix else { return plaintext }
            var generator = SystemRandomNumberGenerator()
            let nonce = (0..<SecretBox.nonceSize).map { _ in UInt8.random(in: 0...255, using: &generator) }
            return Array(prefix.utf8) + nonce + SecretBox.seal(plaintext, nonce: nonce, key: k.secret)
        }
    }

    /// The plaintext of `data` when this provider wrote it (its prefix and
    /// one of its keys), nil when it did not.
    func decrypt(_ data: [UInt8], key storageKey: String) throws(DecryptionError) -> [UInt8]? {
        let kind: String, keys: [Key]
        switch self {
        case .identity: return nil
        case .aesgcm(let k): (kind, keys) = ("aesgcm", k)
        case .aescbc(let k): (kind, keys) = ("aescbc", k)
        case .secretbox(let k): (kind, keys) = ("secretbox", k)
        }
        let head = Array("k8s:enc:\(kind):v1:".utf8)
        guard data.starts(with: head) else { return nil }
        for k in keys {
            let named = head + Array("\(k.name):".utf8)
            guard data.starts(with: named) else { continue }
            let body = Array(data[named.count...])
            do {
                if kind == "aesgcm" {
                    guard body.count >= 28 else { throw DecryptionError(description: "the ciphertext is too short") }
                    let box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: body[0..<12]), ciphertext: body[12..<(body.count - 16)],
                                                    tag: body[(body.count - 16)...])
                    return Array(try AES.GCM.open(box, using: k.symmetric, authenticating: Array(storageKey.utf8)))
                }
                if kind == "secretbox" {
                    guard body.count >= SecretBox.nonceSize + SecretBox.overhead else { throw DecryptionError(description: "the ciphertext is too short") }
                    guard let plain = SecretBox.open(Array(body[SecretBox.nonceSize...]), nonce: Array(body[0..<SecretBox.nonceSize]), key: k.secret) else {
                        throw DecryptionError(description: "authentication failed")
                    }
                    return plain
                }
                guard body.count >= 32 else { throw DecryptionError(description: "the ciphertext is too short") }
                return Array(try AES._CBC.decrypt(body[16...], using: k.symmetric, iv: try AES._CBC.IV(ivBytes: Array(body[0..<16]))))
            } catch let e as DecryptionError {
                throw DecryptionError(description: "\(storageKey): \(kind) key \(k.name): \(e.description)")
            } catch {
                throw DecryptionError(description: "\(storageKey): \(kind) key \(k.name) cannot decrypt it (wrong key or damaged data): \(error)")
            }
        }
        return nil
    }
}
