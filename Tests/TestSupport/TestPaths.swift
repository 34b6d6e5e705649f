#if canImport(Glibc)
import Glibc
#endif
import Runtime
import LinuxSystem

/// Where the tests find the package and the executables it built.
public enum TestPaths {
    public static let isRoot = geteuid() == 0

    /// The package root.
    public static let packageRoot: String = {
        var parts = #filePath.split(separator: "/").map(String.init)
        parts.removeLast(3)
        return "/" + parts.joined(separator: "/")
    }()

    /// The build directory holding the test bundle (and the built executables).
    public static let buildDirectory: String? = {
        var exe = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &exe, exe.count - 1)
        guard n > 0 else { return nil }
        let path = String(decoding: exe[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
    }()

    /// An executable product of this package, if built.
    public static func product(_ name: String) -> String? {
        guard let dir = buildDirectory, FileIO.exists(dir + "/" + name), !FileIO.isDirectory(dir + "/" + name) else { return nil }
        return dir + "/" + name
    }

    /// A program on the system PATH.
    public static func which(_ name: String) -> String? {
        for dir in ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"] where access(dir + "/" + name, X_OK) == 0 {
            return dir + "/" + name
        }
        return nil
    }

    /// Whether kubectl is on the PATH at 1.27 or newer (the flags the tests use).
    public static let kubectlIsRecent: Bool = {
        guard let kubectl = which("kubectl"), let r = try? TestProcess.run([kubectl, "version", "--client", "-o", "yaml"], timeout: 30),
              r.code == 0, let line = r.stdout.split(separator: "\n").first(where: { $0.contains("minor:") }) else { return false }
        return (Int(line.filter(\.isNumber)) ?? 0) >= 27
    }()

    /// The Python interpreter of the virtual environment `scripts/install-deps`
    /// makes with the `kubernetes` client from PyPI, if it is there.
    public static var pythonClient: String? {
        let python = packageRoot + "/.build-python/bin/python"
        guard access(python, X_OK) == 0, let r = try? TestProcess.run([python, "-c", "import kubernetes"], timeout: 60), r.code == 0 else { return nil }
        return python
    }

    /// The Python interpreter of `.build-python` with Selenium (PyPI) and
    /// Debian's chromium and chromedriver, for the dashboard's browser test.
    public static var browser: String? {
        guard let python = pythonClient, access("/usr/bin/chromium", X_OK) == 0, access("/usr/bin/chromedriver", X_OK) == 0,
              access("/usr/share/nodejs/xterm/lib/public/Terminal.js", R_OK) == 0, access("/usr/share/javascript/chart.js/chart.min.js", R_OK) == 0,
              let r = try? TestProcess.run([python, "-c", "import selenium"], timeout: 60), r.code == 0 else { return nil }
        return python
    }

    /// The pinned version of kopf, the operator framework the operator test runs.
    public static let kopfVersion = "1.45.2"

    /// The Python interpreter of `.build-python` with kopf from PyPI, installed
    /// there on first use (nil when pip cannot reach the registry).
    public static var kopf: String? {
        guard let python = pythonClient else { return nil }
        if let r = try? TestProcess.run([python, "-c", "import kopf"], timeout: 60), r.code == 0 { return python }
        guard let r = try? TestProcess.run([python, "-m", "pip", "install", "-q", "--disable-pip-version-check", "kopf==\(kopfVersion)"], timeout: 300),
              r.code == 0 else { return nil }
        return python
    }

    /// A fresh temporary directory.
    public static func temporaryDirectory(_ prefix: String) -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }
}

/// Polls `condition` until true or `seconds` pass; returns whether it became true.
/// (No timing assertions: only a deadline against hangs.)
@discardableResult
public func eventually(seconds: Double = 30, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Monotonic.now() + seconds
    while Monotonic.now() < deadline {
        if try condition() { return true }
        usleep(100_000)
    }
    return try condition()
}
