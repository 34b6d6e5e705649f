@_exported import TestSupport

/// The paths the runtime's integration tests need (what they require of
/// the machine is said with `.requires(…)`).
enum TestEnvironment {
    /// The busybox root filesystem built by rootfs/build.
    static let rootfs = TestPaths.packageRoot + "/rootfs/out/rootfs"

    /// The swiftrun binary built next to the tests.
    static let swiftrun: String? = TestPaths.product("swiftrun")
}
