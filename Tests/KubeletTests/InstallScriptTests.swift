import Foundation
import Testing
import Runtime
import TestSupport
import LinuxSystem

/// `scripts/install` writes systemd units that `systemd-analyze verify` accepts.
@Suite(.ownThread, .requires(.tool("systemd-analyze", package: "systemd"), .product("kubelet")))
struct InstallScriptTests {
    @Test func unitFilesVerify() throws {
        let dir = TestPaths.temporaryDirectory("install-units")
        defer { try? FileIO.removeTree(dir) }
        // The units point at PREFIX/bin; verify checks those executables exist.
        try FileIO.makeDirectories(dir + "/prefix/bin", mode: 0o755)
        for product in ["controlplane", "kubelet", "kube-proxy"] {
            guard let path = TestPaths.product(product) else { continue }
            symlink(path, dir + "/prefix/bin/" + product)
        }
        let write = try TestProcess.run([TestPaths.packageRoot + "/scripts/install", "--units", dir + "/units", "--prefix", dir + "/prefix"])
        #expect(write.code == 0, "\(write)")
        let units = try FileIO.listDirectory(dir + "/units").sorted()
        #expect(units == ["swiftkube-controlplane.service", "swiftkube-kube-proxy.service", "swiftkube-kubelet.service",
                          "swiftkube-prometheus.service"])
        let verify = try TestProcess.run([TestPaths.which("systemd-analyze")!, "verify"] + units.map { dir + "/units/" + $0 })
        #expect(verify.code == 0, "\(verify)")
    }
}
