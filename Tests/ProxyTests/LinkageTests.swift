import Testing
import TestSupport

/// kube-proxy talks netlink and nothing else of the runtime: it links
/// libmnl, not libseccomp or libcap (those are the container runtime's).
@Suite(.requires(.product("kube-proxy"), .tool("ldd")))
struct LinkageTests {
    @Test func kubeProxyLinksNoRuntimeLibraries() throws {
        let binary = try #require(TestPaths.product("kube-proxy"))
        let ldd = try TestProcess.run([try #require(TestPaths.which("ldd")), binary])
        #expect(ldd.code == 0, "\(ldd)")
        #expect(ldd.stdout.contains("libmnl"), "\(ldd.stdout)")
        #expect(!ldd.stdout.contains("libseccomp"), "\(ldd.stdout)")
        #expect(!ldd.stdout.contains("libcap."), "\(ldd.stdout)")
    }
}
