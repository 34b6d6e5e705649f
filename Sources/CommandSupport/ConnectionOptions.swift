public import ArgumentParser
public import KubeAPI

/// How a node component reaches the API server: `--apiserver`,
/// `--token-file` and `--ca-file`, or `--kubeconfig`. The kubelet,
/// kube-proxy and cluster-dns take these as one option group.
///
/// ```swift
/// @OptionGroup var connection: ConnectionOptions
/// var config = try connection.kubeConfig()
/// ```
public struct ConnectionOptions: ParsableArguments, Sendable {
    @Option(help: "API server URL (https://HOST:6443); several, comma-separated, for an HA control plane: the next is used when one cannot be reached.")
    public var apiserver: String?
    @Option(name: .customLong("token-file"), help: "Bearer token file (for a kubelet: a bootstrap token such as the control plane's node-token).")
    public var tokenFile: String?
    @Option(name: .customLong("ca-file"), help: "CA certificate of the API server.")
    public var caFile: String?
    @Option(help: "kubeconfig instead of --apiserver/--token-file/--ca-file.")
    public var kubeconfig: String?

    public init() {}

    /// The client configuration the flags describe.
    public func kubeConfig() throws -> KubeConfig {
        do {
            return try KubeConfig.fromFlags(kubeconfig: kubeconfig, apiserver: apiserver, tokenFile: tokenFile, caFile: caFile)
        } catch {
            throw ValidationError(error.description)
        }
    }
}
