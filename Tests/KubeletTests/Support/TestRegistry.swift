#if canImport(Glibc)
import Glibc
#endif
import Runtime
import TestSupport
import LinuxSystem

/// Debian's docker-registry (distribution 2.8) started by a test on a
/// loopback port, optionally inside a network namespace and with htpasswd
/// auth, with the busybox layout from rootfs/out/oci pushed to it by skopeo.
final class TestRegistry {
    static let requirements: [TestRequirement] = [
        .tool("docker-registry", package: "docker-registry"), .tool("skopeo", package: "skopeo"),
        TestRequirement("htpasswd (apt-get install apache2-utils) or python3 with crypt") { htpasswdTool != nil }, .rootfs,
    ]

    /// htpasswd -B, or python3's crypt with bcrypt.
    static var htpasswdTool: String? {
        if let h = TestPaths.which("htpasswd") { return h }
        guard let py = TestPaths.which("python3"),
              (try? TestProcess.run([py, "-W", "ignore", "-c", "import crypt; print(crypt.crypt('x', crypt.mksalt(crypt.METHOD_BLOWFISH)))"]))?
                .stdout.hasPrefix("$2") == true else { return nil }
        return py
    }

    let dir = TestPaths.temporaryDirectory("swk-registry")
    let port: Int
    let netns: String?
    let user: String?
    let password: String?
    var process: Int32 = 0
    var host: String { "127.0.0.1:\(port)" }
    var storage: String { dir + "/storage" }

    init(netns: String? = nil, port: Int = TestRegistry.randomPort(), user: String? = nil, password: String? = nil) throws {
        self.netns = netns
        self.port = port
        self.user = user
        self.password = password
        do {
            var auth = ""
            if let user, let password {
                try FileIO.writeAtomically(dir + "/htpasswd", Array("\(user):\(try Self.bcrypt(password))\n".utf8), mode: 0o644)
                auth = "auth:\n  htpasswd:\n    realm: test-registry\n    path: \(dir)/htpasswd\n"
            }
            let config = """
                version: 0.1
                log:
                  level: warn
                storage:
                  filesystem:
                    rootdirectory: \(storage)
                  delete:
                    enabled: true
                http:
                  addr: \(host)
                \(auth)
                """
            try FileIO.writeAtomically(dir + "/config.yml", Array(config.utf8), mode: 0o644)
            let log = open(dir + "/registry.log", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
            let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
            defer { close(log); close(null) }
            let args = (netns.map { ["/usr/bin/nsenter", "--net=/run/netns/\($0)"] } ?? []) + [TestPaths.which("docker-registry")!, "serve", dir + "/config.yml"]
            process = try Spawn.start(Spawn.Request(path: args[0], args: args, env: ["PATH=/usr/bin:/bin"], fds: [(null, 0), (log, 1), (log, 2)]))
            // Generous: on a loaded 2-core machine the registry has been seen to take longer than 20 s to answer.
            guard eventually(seconds: 60, { run("wget -S -O /dev/null http://\(host)/v2/ 2>&1 | grep -q ' HTTP/'").code == 0 }) else {
                throw RuntimeError.other("docker-registry did not answer on http://\(host)/v2/ within 60 s; its log: \(self.log)")
            }
        } catch {
            stop()
            throw error
        }
    }

    var log: String { (try? FileIO.read(dir + "/registry.log")) ?? "" }

    /// Below the kernel's ephemeral range (32768 and up here), so an outgoing connection of another test cannot hold it.
    static func randomPort() -> Int { Int.random(in: 21_000...29_000) }

    /// A shell command in the registry's network (the netns, or the host).
    @discardableResult
    func run(_ command: String, timeout: Double = 120) -> TestProcess.Result {
        let args = (netns.map { ["/usr/bin/nsenter", "--net=/run/netns/\($0)"] } ?? []) + ["/bin/sh", "-c", command]
        return (try? TestProcess.run(args, timeout: timeout)) ?? TestProcess.Result(status: ExitStatus(code: 255), stdout: "", stderr: "did not run")
    }

    /// Pushes the busybox layout's `tag` as REPO:TAG with skopeo.
    func push(tag: String = "1.35", as repository: String) throws {
        let creds = user.map { "--dest-creds \($0):\(password ?? "")" } ?? ""
        let r = run("skopeo --insecure-policy copy -q --dest-tls-verify=false \(creds) oci:\(TestPaths.packageRoot)/rootfs/out/oci:\(tag) docker://\(host)/\(repository):\(tag)")
        guard r.code == 0 else { throw RuntimeError.other("skopeo push: \(r)\n\(log)") }
    }

    func stop() {
        if process > 0 {
            kill(process, SIGTERM)
            _ = try? waitForExit(process, timeout: 10)
            process = 0
        }
        try? FileIO.removeTree(dir)
    }

    static func bcrypt(_ password: String) throws -> String {
        guard let tool = htpasswdTool else { throw RuntimeError.other("no htpasswd") }
        let r = tool.hasSuffix("htpasswd")
            ? try TestProcess.run([tool, "-nbB", "u", password])
            : try TestProcess.run([tool, "-W", "ignore", "-c", "import crypt,sys; print('u:' + crypt.crypt(sys.argv[1], crypt.mksalt(crypt.METHOD_BLOWFISH)))", password])
        guard r.code == 0, let line = r.stdout.split(separator: "\n").first, line.hasPrefix("u:") else { throw RuntimeError.other("bcrypt: \(r)") }
        return String(line.dropFirst(2))
    }
}
