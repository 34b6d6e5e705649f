#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem
#if canImport(Testing)
public import Testing
#endif

/// Something a test needs from the machine: root, a tool, a built product,
/// the busybox root filesystem. The one way a test says why it is skipped:
///
/// ```swift
/// @Suite(.requires(.root, .tool("nft", package: "nftables"), .product("kube-proxy")))
/// ```
///
/// A suite or test whose requirements are not all met is skipped, and
/// `swift test` prints the ones missing ("requires root, nft (apt-get
/// install nftables)").
public struct TestRequirement: Sendable {
    /// What is needed, phrased to follow "requires".
    public let need: String
    private let check: @Sendable () -> Bool

    /// A requirement named `need`, met when `check` returns true.
    public init(_ need: String, _ check: @escaping @Sendable () -> Bool) {
        self.need = need
        self.check = check
    }

    /// Whether this machine meets it (asked each time).
    public var isMet: Bool { check() }

    /// Running as root: real namespaces, mounts, cgroups, nf_tables.
    public static let root = TestRequirement("root") { geteuid() == 0 }

    /// A program on the system PATH; `package` is the Debian package with it.
    public static func tool(_ name: String, package: String? = nil) -> TestRequirement {
        TestRequirement(package.map { "\(name) (apt-get install \($0))" } ?? name) { TestPaths.which(name) != nil }
    }

    /// An executable of this package, built next to the tests.
    public static func product(_ name: String) -> TestRequirement {
        TestRequirement("a built \(name) (swift build)") { TestPaths.product(name) != nil }
    }

    /// The busybox root filesystem and OCI layout `rootfs/build` makes.
    public static let rootfs = TestRequirement("the busybox rootfs and image (rootfs/build)") {
        FileIO.isDirectory(TestPaths.packageRoot + "/rootfs/out/rootfs") && FileIO.isDirectory(TestPaths.packageRoot + "/rootfs/out/oci")
    }

    /// etcd, for the etcd storage backend.
    public static let etcd = tool("etcd", package: "etcd-server")

    /// kubectl at a version the tests' flags work with (1.27 or newer).
    public static let kubectl = TestRequirement("kubectl 1.27 or newer") { TestPaths.kubectlIsRecent }

    /// The Python `kubernetes` client from PyPI, in the virtual environment
    /// `scripts/install-deps` makes (`.build-python`).
    public static let pythonClient = TestRequirement("the Python kubernetes client (scripts/install-deps)") { TestPaths.pythonClient != nil }

    /// Debian's headless chromium and chromedriver with Selenium from PyPI (the dashboard's browser test).
    public static let browser = TestRequirement("headless chromium with Selenium and the dashboard's scripts (scripts/install-deps: chromium, chromium-driver, node-xterm, libjs-chart.js, selenium from PyPI)") {
        TestPaths.browser != nil
    }

    /// kopf from PyPI beside the Python client (installed by the first test that needs it).
    public static let kopf = TestRequirement("kopf \(TestPaths.kopfVersion) from PyPI (pip could not install it into .build-python: is the registry reachable?)") {
        TestPaths.kopf != nil
    }

    /// A file or directory the kernel offers (`what` names it for the reader).
    public static func path(_ path: String, _ what: String) -> TestRequirement {
        TestRequirement(what) { FileIO.exists(path) }
    }
}

#if canImport(Testing)
extension Trait where Self == ConditionTrait {
    /// Runs the test or suite only where every requirement is met; otherwise
    /// it is skipped with the list of what is missing.
    public static func requires(_ requirements: TestRequirement...) -> Self {
        requires(requirements)
    }

    /// ``requires(_:)-(TestRequirement...)`` for a list kept in one place (a harness's requirements).
    public static func requires(_ requirements: [TestRequirement], _ more: TestRequirement...) -> Self {
        let all = requirements + more
        let missing = all.filter { !$0.isMet }.map(\.need)
        return .enabled(if: missing.isEmpty, Comment(rawValue: "requires " + missing.joined(separator: ", ")))
    }
}
#endif
