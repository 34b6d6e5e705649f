import ArgumentParser
import Foundation
import Testing
import KubeAPI
@testable import CommandSupport

/// The connection flags the kubelet, kube-proxy and cluster-dns share.
@Suite struct ConnectionOptionsTests {
    @Test func missingFlagsSayWhichToPass() throws {
        let options = try ConnectionOptions.parse([])
        #expect(throws: ValidationError.self) { try options.kubeConfig() }
        do {
            _ = try options.kubeConfig()
        } catch {
            #expect("\(error)".contains("pass --apiserver, --token-file and --ca-file (or --kubeconfig)"))
        }
    }

    @Test func tokenFilesAndKubeconfigsSayWhoTheClientIs() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("conn-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let token = dir.appendingPathComponent("node-token")
        try "secret\n".write(to: token, atomically: true, encoding: .utf8)
        let flags = try ConnectionOptions.parse(["--apiserver", "https://10.0.0.1:6443", "--token-file", token.path])
        let config = try flags.kubeConfig()
        #expect(config.server == "https://10.0.0.1:6443" && config.token == "secret")
        #expect(config.impersonateUser == nil)

        let kubeconfig = dir.appendingPathComponent("kubeconfig")
        try """
            apiVersion: v1
            kind: Config
            clusters: [{name: c, cluster: {server: "https://10.0.0.2:6443", insecure-skip-tls-verify: true}}]
            users: [{name: u, user: {token: abc}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            current-context: x
            """.write(to: kubeconfig, atomically: true, encoding: .utf8)
        let fromFile = try ConnectionOptions.parse(["--kubeconfig", kubeconfig.path]).kubeConfig()
        #expect(fromFile.server == "https://10.0.0.2:6443")
        #expect(fromFile.impersonateUser == nil)
    }

    @Test func aBodyThatReturnsEndsTheRunCleanly() async throws {
        try await runUntilSignalled(logger: .init(label: "test")) {}
    }
}
