#if canImport(Glibc)
import Glibc
#endif
import Runtime
@_exported import TestSupport
import LinuxSystem

/// Facts about the machine the tests run on, and the paths they need.
enum TestEnvironment {
    /// The package root (two levels above this file's directory).
    static let packageRoot: String = {
        var parts = #filePath.split(separator: "/").map(String.init)
        parts.removeLast(4)
        return "/" + parts.joined(separator: "/")
    }()

    /// The busybox root filesystem built by rootfs/build.
    static let rootfs = packageRoot + "/rootfs/out/rootfs"

    /// The swiftrun binary next to the test bundle in the build directory.
    static let swiftrun: String? = {
        var exe = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &exe, exe.count - 1)
        guard n > 0 else { return nil }
        var dir = String(decoding: exe[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        while !dir.isEmpty {
            dir = String(dir[..<(dir.lastIndex(of: "/") ?? dir.startIndex)])
            if FileIO.exists(dir + "/swiftrun") && !FileIO.isDirectory(dir + "/swiftrun") { return dir + "/swiftrun" }
            if dir.hasSuffix("/.build") || dir.split(separator: "/").last?.hasPrefix(".build") == true { break }
        }
        return nil
    }()

    static func which(_ name: String) -> String? {
        for dir in ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"] where access(dir + "/" + name, X_OK) == 0 {
            return dir + "/" + name
        }
        return nil
    }
}
