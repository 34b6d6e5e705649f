#if canImport(Glibc)
import Glibc
#endif
import Runtime
import LinuxSystem

/// The executable given with `--runtime-helper`, which runs each
/// container's monitor and init and pins pod namespaces. Each container
/// starts two such processes; `swiftrun` (32 MB, only the runtime) starts in
/// a third of the time the kubelet's own binary (190 MB, with the API
/// client, servers and Foundation) takes. It speaks the runtime's internal
/// protocol, so it must come from the same build as the kubelet.
public enum RuntimeHelper {
    /// `path` made absolute, once it names an executable file.
    public static func validated(_ path: String, workingDirectory: String? = nil) throws -> String {
        let absolute = try FileIO.absolutePath(path, relativeTo: workingDirectory)
        var info = stat()
        guard stat(absolute, &info) == 0 else {
            let code = errno
            let problem = code == ENOENT ? "does not exist" : "cannot be read (\(String(cString: strerror(code))))"
            throw RuntimeError.invalidConfig(field: "--runtime-helper",
                                             reason: "\(absolute) \(problem); give the swiftrun built with this kubelet, or leave the flag out")
        }
        guard info.st_mode & S_IFMT == S_IFREG, access(absolute, X_OK) == 0 else {
            throw RuntimeError.invalidConfig(field: "--runtime-helper",
                                             reason: "\(absolute) is not an executable file; give the swiftrun built with this kubelet, or leave the flag out")
        }
        return absolute
    }
}
