import Testing
import TestSupport
@testable import Runtime

/// This host is hybrid; the pure cgroup v2 paths (subtree_control, memory.max,
/// cgroup.freeze, cgroup.kill, memory.events, the eBPF device program) run
/// for real in a VM booted with cgroup_no_v1=all.
@Suite(.ownThread, .enabled(if: TestEnvironment.integrationReady && TestEnvironment.which("qemu-system-x86_64") != nil && TestEnvironment.which("cpio") != nil,
                "requires root, qemu-system-x86 and cpio (apt-get install qemu-system-x86 cpio) and a built swiftrun"))
struct CgroupV2VMTests {
    @Test func swiftrunOnAPureCgroupV2Kernel() throws {
        let script = TestEnvironment.packageRoot + "/scripts/test-cgroup-v2-vm"
        let r = try TestProcess.run(["/bin/bash", script, TestEnvironment.swiftrun ?? ""], timeout: 600)
        #expect(r.code == 0, "\(r)")
        #expect(r.stdout.contains("PASS delete-removes-cgroup") && !r.stdout.contains("FAIL"), "\(r)")
    }
}
