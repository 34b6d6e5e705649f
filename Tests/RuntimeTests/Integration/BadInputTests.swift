import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
@testable import Runtime
import LinuxSystem

/// Every refusal names what is wrong and leaves nothing behind.
@Suite(.ownThread, .requires(.root, .product("swiftrun"), .rootfs))
struct BadInputTests {
    func expectRefused(_ b: TestBundle, _ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let r = try b.create()
        #expect(r.code != 0, "\(r)", sourceLocation: sourceLocation)
        #expect(r.stderr.contains(text), "\(r)", sourceLocation: sourceLocation)
        #expect(b.leftovers.isEmpty, "\(b.leftovers)", sourceLocation: sourceLocation)
        #expect(!FileIO.exists(b.stateRoot + "/" + b.id), sourceLocation: sourceLocation)
    }

    @Test func malformedConfigs() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        try FileIO.writeAtomically(b.dir + "/config.json", Array("{\"ociVersion\": \"1.0.0\", \"process\": [".utf8))
        let r = try b.swiftrun(["create", "--bundle", b.dir, b.id])
        #expect(r.code != 0 && r.stderr.contains("not valid JSON"), "\(r)")
        #expect(b.leftovers.isEmpty)

        b.spec.linux?.namespaces?.append(Spec.Namespace(type: "galaxy"))
        try expectRefused(b, "linux.namespaces[6].type: unknown namespace type \"galaxy\"")
        b.spec = Spec.defaultConfig(terminal: false, args: ["true"])
        b.spec.linux?.cgroupsPath = "/swiftrun-test-\(b.id)"
        b.spec.mounts?.append(Spec.Mount(destination: "/x", type: "tmpfs", source: "tmpfs", options: ["idmap"]))
        try expectRefused(b, "mounts[7].options: mount option \"idmap\" is not supported")
        b.spec.mounts?.removeLast()
        b.spec.root = Spec.Root(path: "no-such-rootfs")
        try expectRefused(b, "root.path:")
        b.spec.root = Spec.Root(path: "rootfs", readonly: true)
        b.spec.process?.args = ["definitely-not-installed"]
        try expectRefused(b, "executable file not found in $PATH")
        b.spec.process?.args = ["true"]
        b.spec.process?.terminal = true
        try expectRefused(b, "process.terminal: a terminal needs --console-socket")
    }

    @Test func failuresAfterTheCgroupExistsRollBack() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.spec.linux?.sysctl = ["net.ipv4.ip_forward": "not-a-number"]
        b.spec.linux?.resources = Spec.Resources(pids: Spec.Pids(limit: 10))
        try expectRefused(b, "linux.sysctl[\"net.ipv4.ip_forward\"]")
        b.spec.linux?.sysctl = nil
        b.spec.mounts?.append(Spec.Mount(destination: "/bad", type: "nosuchfs", source: "none"))
        try expectRefused(b, "mount none on")
    }

    @Test func unenforceableLimitNamesControllerAndLayout() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        var r = Spec.Resources()
        r.network = Spec.Network(classID: 0x100001, priorities: nil)
        b.spec.linux?.resources = r
        let layout = try CgroupHost.detect().layout.rawValue
        try expectRefused(b, "cannot enforce net_cls limit")
        #expect(try b.create().stderr.contains("(this host's cgroup layout is \(layout))"))
    }

    @Test func duplicateIDsAndWrongStates() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.spec.process?.args = ["sleep", "60"]
        #expect(try b.create().code == 0)
        let dup = try b.create()
        #expect(dup.code != 0 && dup.stderr.contains("already exists"), "\(dup)")
        #expect(try b.state()?.status == .created)
        let exec = try b.swiftrun(["exec", b.id, "true"])
        #expect(exec.code != 0 && exec.stderr.contains("it is created"), "\(exec)")
        let pause = try b.swiftrun(["pause", b.id])
        #expect(pause.code != 0 && pause.stderr.contains("cannot pause"), "\(pause)")
        #expect(try b.swiftrun(["delete", b.id]).code == 0)
        let gone = try b.swiftrun(["kill", b.id])
        #expect(gone.code != 0 && gone.stderr.contains("does not exist"), "\(gone)")
        let badID = try b.swiftrun(["create", "--bundle", b.dir, "../escape"])
        #expect(badID.code != 0 && badID.stderr.contains("invalid container id"), "\(badID)")
        let systemd = try b.swiftrun(["--systemd-cgroup", "create", "--bundle", b.dir, b.id])
        #expect(systemd.code != 0 && systemd.stderr.contains("--systemd-cgroup"), "\(systemd)")
        #expect(b.leftovers.isEmpty)
    }
}
