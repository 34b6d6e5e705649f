public import Foundation

/// kubectl sends the kubeconfig's client certificate even with `--token`,
/// and kube-apiserver (like ours) then authenticates the certificate. Tests
/// that run kubectl as a token's user use a copy of the admin kubeconfig
/// without the certificate.
public enum TokenKubeconfig {
    /// Whether kubectl arguments name a bearer token.
    public static func namesToken(_ args: [String]) -> Bool {
        args.contains { $0 == "--token" || $0.hasPrefix("--token=") }
    }

    /// `kubeconfig` without its client certificate and key (written beside
    /// it as `NAME.token-only`), for kubectl's `--token`.
    public static func withoutClientCertificate(_ kubeconfig: URL) throws -> URL {
        let text = try String(contentsOf: kubeconfig, encoding: .utf8)
        let kept = text.split(separator: "\n", omittingEmptySubsequences: false).filter {
            !$0.contains("client-certificate-data:") && !$0.contains("client-key-data:")
        }
        let url = kubeconfig.appendingPathExtension("token-only")
        try kept.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
        return url
    }
}
