import Testing
import TestSupport
@testable import Runtime

/// This host is hybrid; the pure cgroup v2 paths (subtree_control, memory.max,
/// cgroup.freeze, cgroup.kill, memory.events, the eBPF device program) run
/// for real in a VM booted with cgroup_no_v1=all.
@Suite(.ownThread, .requires(.root, .product("swiftrun"), .rootfs, .tool("qemu-system-x86_64", package: "qemu-system-x86"), .tool("cpio", package: "cpio")))
struct CgroupV2VMTests {
    @Test func swiftrunOnAPureCgroupV2Kernel() throws {
        let script = TestPaths.packageRoot + "/scripts/test-cgroup-v2-vm"
        let r = try TestProcess.run(["/bin/bash", script, TestEnvironment.swiftrun ?? ""], timeout: 600)
        #expect(r.code == 0, "\(r)")
        #expect(r.stdout.contains("PASS delete-removes-cgroup") && !r.stdout.contains("FAIL"), "\(r)")
    }
}
