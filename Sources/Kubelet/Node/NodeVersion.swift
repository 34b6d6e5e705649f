import Runtime

/// The versions this node reports: the Kubernetes API level the kubelet
/// implements, and the runtime's name and version (as in `crictl version`).
public enum NodeVersion {
    public static let kubelet = "v1.32.0"
    public static let runtimeName = "swiftrun"
    public static let runtimeVersion = "0.1.0"
    /// The CRI API level our verbs mirror.
    public static let runtimeAPIVersion = "v1"
    /// `containerRuntimeVersion` of the Node object.
    public static var nodeRuntimeVersion: String { "\(runtimeName)://\(runtimeVersion)" }
    /// The one-line `--version` text of the node's programs.
    public static var text: String { "\(kubelet) (runtime \(runtimeName) \(runtimeVersion), OCI spec \(Spec.version))" }
}
