import Crypto
import Foundation
import Testing
import TestSupport
import X509
@testable import Kubelet

/// The kubelet's certificate files and rotation deadline, without a cluster.
@Suite struct CertificateStoreTests {
    static func certificate(from: Date, to: Date) throws -> (String, String) {
        let key = P256.Signing.PrivateKey()
        let name = try DistinguishedName { CommonName("system:node:n1") }
        let cert = try Certificate(version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey), notValidBefore: from,
                                   notValidAfter: to, issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
                                   extensions: .init(), issuerPrivateKey: .init(key))
        return (try cert.serializeAsPEM().pemString, key.pemRepresentation)
    }

    @Test func storesBehindTheCurrentLinkAndRotatesAt70To90Percent() throws {
        let dir = URL(fileURLWithPath: TestPaths.temporaryDirectory("kubelet-pki"))
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = CertificateStore(directory: dir.appendingPathComponent("pki"), prefix: "kubelet-client")
        #expect(store.current() == nil)
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        let (cert, key) = try Self.certificate(from: start, to: start.addingTimeInterval(1000))
        let stored = try store.update(certificatePEM: cert, keyPEM: key, now: Date(timeIntervalSince1970: 1_800_000_000))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: store.currentPath.path) == "kubelet-client-2027-01-15-08-00-00.pem")
        #expect(store.current() == stored)
        #expect(stored.isValid(at: start.addingTimeInterval(10)) && !stored.isValid(at: start.addingTimeInterval(1000)))
        #expect(stored.rotationDeadline(fraction: 0) == start.addingTimeInterval(700))
        #expect(stored.rotationDeadline(fraction: 1) == start.addingTimeInterval(900))
        let deadline = stored.rotationDeadline()
        #expect(deadline >= start.addingTimeInterval(700) && deadline <= start.addingTimeInterval(900))
        // A renewal moves the link; the old file stays, as upstream's store keeps it.
        let (cert2, key2) = try Self.certificate(from: start, to: start.addingTimeInterval(2000))
        let renewed = try store.update(certificatePEM: cert2, keyPEM: key2, now: Date(timeIntervalSince1970: 1_800_000_060))
        #expect(store.current() == renewed && renewed != stored)
        #expect(try FileManager.default.contentsOfDirectory(atPath: store.directory.path).sorted()
                == ["kubelet-client-2027-01-15-08-00-00.pem", "kubelet-client-2027-01-15-08-01-00.pem", "kubelet-client-current.pem"])
        #expect(throws: KubeletCertificateError.self) { try StoredCertificate(combinedPEM: cert2) }
    }
}
