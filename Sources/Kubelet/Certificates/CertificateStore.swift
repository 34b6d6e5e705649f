public import Foundation
import X509

/// Why a certificate could not be stored, loaded or obtained.
public struct KubeletCertificateError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// A certificate with its key, as the kubelet keeps them.
public struct StoredCertificate: Sendable, Equatable {
    public var certificatePEM: String
    public var keyPEM: String
    public var notBefore: Date
    public var notAfter: Date

    /// Parses one PEM holding the certificate and its key (in either order).
    public init(combinedPEM text: String) throws(KubeletCertificateError) {
        var certs: [String] = [], keys: [String] = []
        var block: [Substring] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: true) {
            if line.hasPrefix("-----BEGIN ") { block = [] }
            block.append(line)
            if line.hasPrefix("-----END ") {
                let pem = block.joined(separator: "\n") + "\n"
                if line.contains("CERTIFICATE") { certs.append(pem) } else if line.contains("PRIVATE KEY") { keys.append(pem) }
            }
        }
        guard let cert = certs.first, let key = keys.first else {
            throw KubeletCertificateError("the PEM holds no certificate and private key")
        }
        let parsed: Certificate
        do { parsed = try Certificate(pemEncoded: cert) } catch {
            throw KubeletCertificateError("invalid certificate: \(error)")
        }
        certificatePEM = certs.joined()
        keyPEM = key
        notBefore = parsed.notValidBefore
        notAfter = parsed.notValidAfter
    }

    /// Whether it is within its validity period at `now`.
    public func isValid(at now: Date) -> Bool { notBefore <= now && now < notAfter }

    /// When to rotate: at a random point between 70 % and 90 % of the
    /// lifetime, as client-go's certificate manager (`fraction` in 0...1
    /// picks the point; random by default).
    public func rotationDeadline(fraction: Double = Double.random(in: 0...1)) -> Date {
        let total = notAfter.timeIntervalSince(notBefore)
        return notBefore.addingTimeInterval(total * (0.7 + 0.2 * min(max(fraction, 0), 1)))
    }
}

/// Certificate files under `ROOT/pki`, as upstream's kubelet keeps them:
/// `PREFIX-YYYY-MM-DD-HH-MM-SS.pem` (certificate and key, mode 0600) and the
/// symbolic link `PREFIX-current.pem` to the newest.
public struct CertificateStore: Sendable {
    public let directory: URL
    /// `kubelet-client` or `kubelet-server`.
    public let prefix: String

    public init(directory: URL, prefix: String) {
        self.directory = directory
        self.prefix = prefix
    }

    /// `PREFIX-current.pem`.
    public var currentPath: URL { directory.appendingPathComponent("\(prefix)-current.pem") }

    /// The current certificate, if one is stored and readable.
    public func current() -> StoredCertificate? {
        guard let text = try? String(contentsOf: currentPath, encoding: .utf8) else { return nil }
        return try? StoredCertificate(combinedPEM: text)
    }

    /// Stores a new certificate and points `PREFIX-current.pem` at it.
    @discardableResult
    public func update(certificatePEM: String, keyPEM: String, now: Date = Date()) throws(KubeletCertificateError) -> StoredCertificate {
        func line(_ s: String) -> String { s.hasSuffix("\n") ? s : s + "\n" }
        let combined = line(certificatePEM) + line(keyPEM)
        let stored = try StoredCertificate(combinedPEM: combined)
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd-HH-mm-ss"
        let name = "\(prefix)-\(f.string(from: now)).pem"
        let fm = FileManager.default
        do {
            try fm.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
            let file = directory.appendingPathComponent(name)
            guard fm.createFile(atPath: file.path, contents: Data(combined.utf8), attributes: [.posixPermissions: 0o600]) else {
                throw KubeletCertificateError("cannot write \(file.path)")
            }
            // Replace the link atomically: a new link renamed over the old one.
            let link = directory.appendingPathComponent("\(prefix)-current.pem.tmp")
            try? fm.removeItem(at: link)
            try fm.createSymbolicLink(atPath: link.path, withDestinationPath: name)
            guard rename(link.path, currentPath.path) == 0 else {
                throw KubeletCertificateError("cannot update \(currentPath.path): errno \(errno)")
            }
        } catch let e as KubeletCertificateError {
            throw e
        } catch {
            throw KubeletCertificateError("cannot store the certificate in \(directory.path): \(error)")
        }
        return stored
    }
}
