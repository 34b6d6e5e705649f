import Foundation

/// Writes a file only root may read (mode 0600): keys, tokens, kubeconfigs.
/// Fails, naming the file, when it cannot be written.
func writePrivateFile(_ data: Data, to url: URL) throws {
    guard FileManager.default.createFile(atPath: url.path, contents: data, attributes: [.posixPermissions: 0o600]) else {
        throw ControlPlaneError(description: "cannot write \(url.path): check that the data directory exists and is writable")
    }
}
