/// Where a CSI driver listens: a Unix socket, written `unix:///path`,
/// `unix:/path` or as a bare absolute path (the forms the kubelet, the
/// node-driver-registrar and the drivers' `--endpoint` flags accept).
public struct CSIEndpoint: Sendable, Hashable, CustomStringConvertible {
    /// The socket's absolute path.
    public var socketPath: String

    public init(socketPath: String) {
        self.socketPath = socketPath
    }

    /// Parses `unix:///csi/csi.sock`, `unix:/csi/csi.sock` or `/csi/csi.sock`;
    /// nil for TCP endpoints (`tcp://…`, `host:port`), which the kubelet does
    /// not dial for node plugins, and for relative paths.
    public init?(_ text: String) {
        var path = Substring(text)
        if path.hasPrefix("unix://") {
            path = path.dropFirst("unix://".count)
        } else if path.hasPrefix("unix:") {
            path = path.dropFirst("unix:".count)
        }
        guard path.hasPrefix("/") else { return nil }
        self.socketPath = String(path)
    }

    /// `unix://` followed by the path.
    public var description: String { "unix://\(socketPath)" }
}
