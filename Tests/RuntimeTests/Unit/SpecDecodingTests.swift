import Testing
import FoundationEssentials
@testable import Runtime

@Suite struct SpecDecodingTests {
    @Test func defaultConfigRoundTrips() throws {
        let spec = Spec.defaultConfig()
        let data = try JSONEncoder().encode(spec)
        #expect(try JSONDecoder().decode(Spec.self, from: data) == spec)
        #expect(spec.linux?.namespaces?.map(\.type) == ["pid", "network", "ipc", "uts", "mount", "cgroup"])
    }

    @Test func decodesRuncStyleConfig() throws {
        let json = """
        {"ociVersion":"1.0.2-dev","process":{"terminal":false,"user":{"uid":1,"gid":2,"additionalGids":[3]},
         "args":["sh"],"env":["A=b"],"cwd":"/","capabilities":{"bounding":["CAP_KILL"]},
         "rlimits":[{"type":"RLIMIT_NOFILE","hard":10,"soft":5}],"noNewPrivileges":true,"oomScoreAdj":100},
         "root":{"path":"rootfs","readonly":true},"hostname":"h","unknownField":{"x":1},
         "mounts":[{"destination":"/proc","type":"proc","source":"proc"}],
         "linux":{"resources":{"memory":{"limit":1048576},"cpu":{"shares":512,"quota":50000,"period":100000},"pids":{"limit":10}},
          "namespaces":[{"type":"pid"},{"type":"network","path":"/var/run/netns/x"}],
          "seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir"],"action":"SCMP_ACT_ERRNO","errnoRet":1,
            "args":[{"index":0,"value":1,"op":"SCMP_CMP_EQ"}]}]}}}
        """
        let spec = try BundleLoader.decode(Spec.self, from: Array(json.utf8), what: "config.json")
        #expect(spec.process?.user.additionalGids == [3])
        #expect(spec.linux?.resources?.cpu?.quota == 50000)
        #expect(spec.linux?.namespaces?[1].path == "/var/run/netns/x")
        #expect(spec.linux?.seccomp?.syscalls?.first?.args?.first?.op == "SCMP_CMP_EQ")
    }

    @Test(arguments: [
        (#"{"ociVersion":"1.0.0","process":{"args":"sh","cwd":"/","user":{"uid":0,"gid":0}}}"#, "process.args"),
        (#"{"ociVersion":"1.0.0","process":{"cwd":"/"}}"#, "process.user"),
        (#"{"ociVersion":"1.0.0","linux":{"namespaces":[{"type":1}]}}"#, "linux.namespaces[0].type"),
        (#"{"ociVersion":"1.0.0","mounts":[{"destination":"/x","options":["ro",3]}]}"#, "mounts[0].options[1]"),
        (#"{"ociVersion":1}"#, "ociVersion"),
    ])
    func decodingErrorsNameTheField(json: String, field: String) {
        #expect {
            _ = try BundleLoader.decode(Spec.self, from: Array(json.utf8), what: "config.json")
        } throws: { error in
            guard case RuntimeError.invalidConfig(let f, _) = error else { return false }
            return f == field
        }
    }

    @Test func truncatedJSONIsAnInvalidConfig() {
        let json = #"{"ociVersion":"1.0.0","process":{"args":["sh""#
        #expect(throws: RuntimeError.self) {
            _ = try BundleLoader.decode(Spec.self, from: Array(json.utf8), what: "config.json")
        }
    }
}
