#if canImport(Glibc)
import Glibc
#endif
import Runtime
import LinuxSystem

/// Named network namespaces (`ip netns add`) made by tests.
public enum TestNamespaces {
    /// Deletes the named namespaces, then the `/run/netns` mount that
    /// `ip netns add` makes on first use, once no namespace is left in it
    /// (a namespace another test still holds keeps it busy, which is fine).
    public static func delete(_ names: [String]) {
        for name in names { _ = try? TestProcess.run(["/bin/sh", "-c", "ip netns del \(name)"]) }
        removeMountIfUnused()
    }

    static func removeMountIfUnused() {
        let mounted = ((try? FileIO.read("/proc/self/mountinfo")) ?? "").split(separator: "\n")
            .contains { $0.split(separator: " ").dropFirst(4).first == "/run/netns" }
        guard mounted, ((try? FileIO.listDirectory("/run/netns")) ?? []).isEmpty else { return }
        umount2("/run/netns", 0)  // EBUSY when a namespace was added meanwhile: left to its owner
    }
}
