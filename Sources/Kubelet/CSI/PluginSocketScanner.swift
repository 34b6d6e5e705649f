import Foundation

/// Finds the Unix sockets in the plugin registration directory, as upstream's
/// plugin watcher does (files starting with `.` ignored).
enum PluginSocketScanner {
    /// Socket path → inode, for the sockets directly in `directory` (none
    /// when the directory is missing).
    static func sockets(in directory: String) -> [String: UInt64] {
        let files = FileManager.default
        guard let names = try? files.contentsOfDirectory(atPath: directory) else { return [:] }
        var sockets: [String: UInt64] = [:]
        for name in names where !name.hasPrefix(".") {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            guard let attributes = try? files.attributesOfItem(atPath: path),
                  attributes[.type] as? FileAttributeType == .typeSocket else { continue }
            sockets[path] = (attributes[.systemFileNumber] as? NSNumber)?.uint64Value ?? 0
        }
        return sockets
    }

    /// Makes the directory (mode 0750) and its parents when missing.
    static func makeDirectory(_ directory: String) throws {
        try FileManager.default.createDirectory(
            atPath: directory, withIntermediateDirectories: true,
            attributes: [.posixPermissions: 0o750]
        )
    }
}
