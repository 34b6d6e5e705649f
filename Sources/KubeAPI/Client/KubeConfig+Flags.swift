extension KubeConfig {
    /// The configuration node components build from their flags: a
    /// kubeconfig file, or an API server URL with a token file and CA file
    /// (`--apiserver --token-file --ca-file`, as the kubelet and kube-proxy take them).
    ///
    /// ```swift
    /// var config = try KubeConfig.fromFlags(kubeconfig: nil, apiserver: "https://10.0.0.1:6443",
    ///                                       tokenFile: "node-token", caFile: "ca.crt")
    /// ```
    public static func fromFlags(kubeconfig: String?, apiserver: String?, tokenFile: String?, caFile: String?) throws(KubeConfigError) -> KubeConfig {
        if let kubeconfig { return try load(path: kubeconfig) }
        guard let apiserver, let tokenFile else {
            throw KubeConfigError(description: "pass --apiserver, --token-file and --ca-file (or --kubeconfig)")
        }
        return try KubeConfig(server: apiserver, tokenFile: tokenFile, caFile: caFile)
    }
}
