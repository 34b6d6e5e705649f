import Testing
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Runtime
import TestSupport
import LinuxSystem

/// `kubectl exec`, `attach`, `cp` and `port-forward` against the real
/// control plane and kubelet, over both protocols kubectl 1.32 speaks:
/// websocket first (its default for exec/attach/cp; with
/// KUBECTL_PORT_FORWARD_WEBSOCKETS for port-forward, SPDY tunnelled in a
/// websocket) and SPDY/3.1 (KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false; the
/// default for port-forward).
@Suite(.ownThread, .requires(TestCluster.requirements))
struct KubectlStreamingTests {
    static let spdy = ["KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false"]
    static let websocket: [String] = []

    static let pods = """
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          nodeName: node-1
          containers:
          - {name: app, image: "busybox:1.35", command: ["sleep", "3600"]}
          - {name: httpd, image: "busybox:1.35", command: ["httpd", "-f", "-p", "8080", "-h", "/srv/www"]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: talker}
        spec:
          nodeName: node-1
          restartPolicy: Never
          containers:
          - name: app
            image: busybox:1.35
            stdin: true
            command: ["sh", "-c", "echo ready; read line; echo \\"got $line\\"; sleep 2; echo bye >&2"]
        """

    /// Prints after a pause, so an attach made once it runs sees every line.
    static let counter = """
        apiVersion: v1
        kind: Pod
        metadata: {name: counter}
        spec:
          nodeName: node-1
          restartPolicy: Never
          containers:
          - {name: app, image: "busybox:1.35", command: ["sh", "-c", "sleep 4; for i in 1 2 3 4 5; do echo line $i; sleep 1; done"]}
        """

    @Test func execAttachCopyAndPortForwardThroughKubectl() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        try cluster.apply(Self.pods)
        for pod in ["web", "talker"] {
            #expect(cluster.waitFor(pod, "{.status.phase}", equals: "Running"), "\(pod) did not start: \(cluster.kubeletLog)")
        }

        for (name, env) in [("websocket", Self.websocket), ("SPDY", Self.spdy)] {
            // Output on both streams and the exit code.
            let r = cluster.kubectl(["exec", "web", "-c", "app", "--", "sh", "-c", "echo out; echo err >&2; exit 3"], env: env)
            #expect(r.code == 3, "\(name): \(r)")
            #expect(r.stdout == "out\n", "\(name): \(r)")
            #expect(r.stderr.contains("err"), "\(name): \(r)")
            // stdin piped in, EOF passed on.
            let echo = cluster.kubectl(["exec", "-i", "web", "-c", "app", "--", "sh", "-c", "cat; echo done"], stdin: "hello \(name)\n", env: env)
            #expect(echo.code == 0 && echo.stdout == "hello \(name)\ndone\n", "\(name): \(echo)")
            // A terminal (with its size) when the test has a terminal to give.
            if let script = TestPaths.which("script") {
                let kubectl = "/usr/bin/nsenter --net=\(cluster.netnsPath) \(TestPaths.which("kubectl") ?? "kubectl") --kubeconfig \(cluster.kubeconfig)"
                    + " --cache-dir \(cluster.dir)/kubectl-cache exec -it web -c app -- sh -c 'tty; stty size; exit 4'"
                let tty = try TestProcess.run([script, "-eqc", "stty rows 33 cols 99; \(kubectl)", "/dev/null"],
                                              env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"] + env, timeout: 60)
                #expect(tty.code == 4, "\(name) tty: \(tty)")
                #expect(tty.stdout.contains("/dev/pts/") && tty.stdout.contains("33 99"), "\(name) tty: \(tty)")
            } else {
                print("skipping kubectl exec -it: util-linux script(1) is not installed")
            }
            // kubectl cp both ways (tar over exec's stdin and stdout).
            let local = cluster.dir + "/payload-\(name).bin"
            let payload = (0..<300_000).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ $0 >> 9) }
            try FileIO.writeAtomically(local, payload, mode: 0o644)
            let up = cluster.kubectl(["cp", local, "web:/tmp/payload.bin", "-c", "app"], env: env)
            #expect(up.code == 0, "\(name) cp to pod: \(up)")
            let sum = cluster.kubectl(["exec", "web", "-c", "app", "--", "wc", "-c", "/tmp/payload.bin"], env: env)
            #expect(sum.stdout.hasPrefix("300000 "), "\(name): \(sum)")
            let back = cluster.dir + "/back-\(name).bin"
            let down = cluster.kubectl(["cp", "web:/tmp/payload.bin", back, "-c", "app"], env: env)
            #expect(down.code == 0, "\(name) cp from pod: \(down)")
            #expect((try? FileIO.readBytes(back)) == payload, "\(name): the copy back differs")
        }

        // attach: stdin into the container's stdin, its output back, the end when it exits.
        let attach = cluster.kubectl(["attach", "talker", "-i"], stdin: "ping\n", timeout: 60)
        #expect(attach.code == 0 && attach.stdout.contains("got ping"), "attach -i: \(attach)")
        #expect(attach.stderr.contains("bye"), "attach -i: \(attach)")
        try cluster.apply(Self.counter)
        #expect(cluster.waitFor("counter", "{.status.phase}", equals: "Running"), "\(cluster.kubeletLog)")
        let follow = cluster.kubectl(["attach", "counter", "-c", "app"], env: Self.spdy, timeout: 60)
        #expect(follow.code == 0 && follow.stdout.contains("line 5\n"), "attach: \(follow)")

        // port-forward, default (SPDY) and tunnelled in a websocket.
        if TestPaths.which("curl") != nil {
            for (port, env) in [(18080, [String]()), (18081, ["KUBECTL_PORT_FORWARD_WEBSOCKETS=true"])] {
                let log = cluster.dir + "/port-forward-\(port).log"
                let forwarder = try spawnKubectl(cluster, ["port-forward", "pod/web", "\(port):8080", "\(port + 100):9999"], env: env, log: log)
                defer { kill(forwarder, SIGKILL); _ = try? waitForExit(forwarder, timeout: 10) }
                #expect(eventually(seconds: 30) { ((try? FileIO.read(log)) ?? "").contains("Forwarding from 127.0.0.1:\(port)") }, "\(port): \((try? FileIO.read(log)) ?? "")")
                let page = cluster.inNode("curl -s -m 10 http://127.0.0.1:\(port)/")
                #expect(page.stdout.contains("hello from busybox httpd"), "port-forward \(env): \(page) \((try? FileIO.read(log)) ?? "")")
                let again = cluster.inNode("curl -s -m 10 http://127.0.0.1:\(port)/")
                #expect(again.stdout.contains("hello from busybox httpd"), "second connection: \(again)")
                // A closed port in the pod: the error reaches kubectl.
                _ = cluster.inNode("curl -s -m 5 http://127.0.0.1:\(port + 100)/")
                #expect(eventually(seconds: 10) { ((try? FileIO.read(log)) ?? "").contains("Connection refused") }, "\((try? FileIO.read(log)) ?? "")")
            }
        } else {
            print("skipping kubectl port-forward: curl is not installed")
        }
    }

    @Test func badInputClientsThatVanishAndParallelStreams() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        try cluster.apply("""
            apiVersion: v1
            kind: Pod
            metadata: {name: box}
            spec:
              nodeName: node-1
              containers:
              - {name: app, image: "busybox:1.35", command: ["sleep", "3600"]}
            """)
        #expect(cluster.waitFor("box", "{.status.phase}", equals: "Running"), "\(cluster.kubeletLog)")

        for env in [Self.websocket, Self.spdy] {
            let missingContainer = cluster.kubectl(["exec", "box", "-c", "nope", "--", "true"], env: env)
            #expect(missingContainer.code != 0 && missingContainer.stderr.contains("container nope is not valid for pod box"), "\(missingContainer)")
            let missingPod = cluster.kubectl(["exec", "nosuch", "--", "true"], env: env)
            #expect(missingPod.code != 0 && missingPod.stderr.contains("pods \"nosuch\" not found"), "\(missingPod)")
            let notFound = cluster.kubectl(["exec", "box", "--", "nosuchcmd"], env: env)
            #expect(notFound.code == 127 && notFound.stderr.contains("executable file not found"), "\(notFound)")
            let notExecutable = cluster.kubectl(["exec", "box", "--", "/etc/passwd"], env: env)
            #expect(notExecutable.code == 126, "\(notExecutable)")
        }
        let noPod = cluster.kubectl(["port-forward", "pod/nosuch", "18090:80"])
        #expect(noPod.code != 0 && noPod.stderr.contains("not found"), "\(noPod)")
        // nodes/proxy reaches the kubelet with the API server's client certificate.
        let healthz = cluster.kubectl(["get", "--raw", "/api/v1/nodes/node-1/proxy/healthz"])
        #expect(healthz.code == 0 && healthz.stdout == "ok", "\(healthz)")
        let pods = cluster.kubectl(["get", "--raw", "/api/v1/nodes/node-1/proxy/pods"])
        #expect(pods.code == 0 && pods.stdout.contains("\"box\""), "\(pods)")

        let kubeletFDs = { ((try? FileIO.listDirectory("/proc/\(cluster.kubelet)/fd")) ?? []).count }
        let before = kubeletFDs()
        // A client that disappears mid-stream: its process is killed.
        for env in [Self.websocket, Self.spdy] {
            let log = cluster.dir + "/vanishing.log"
            let client = try spawnKubectl(cluster, ["exec", "box", "--", "sleep", "4321"], env: env, log: log)
            #expect(eventually(seconds: 30) { processRunning("sleep 4321") }, "the exec never started: \((try? FileIO.read(log)) ?? "")")
            kill(client, SIGKILL)
            _ = try? waitForExit(client, timeout: 10)
            #expect(eventually(seconds: 15) { !processRunning("sleep 4321") }, "the exec outlived its client")
        }
        // Many streams at once, then back to where we started.
        let group = DispatchGroup()
        let failures = LockedCounter()
        for i in 0..<12 {
            group.enter()
            DispatchQueue.global().async {
                let r = cluster.kubectl(["exec", "box", "--", "sh", "-c", "echo \(i)"], env: i % 2 == 0 ? Self.websocket : Self.spdy)
                if r.code != 0 || r.stdout != "\(i)\n" { failures.add() }
                group.leave()
            }
        }
        group.wait()
        #expect(failures.value == 0)
        #expect(eventually(seconds: 15) { kubeletFDs() <= before + 2 }, "kubelet descriptors: \(before) before, \(kubeletFDs()) after")
    }

    func spawnKubectl(_ cluster: TestCluster, _ args: [String], env: [String], log: String) throws -> Int32 {
        let fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        defer { close(fd) }
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(null) }
        let argv = ["/usr/bin/nsenter", "--net=\(cluster.netnsPath)", TestPaths.which("kubectl") ?? "kubectl", "--kubeconfig", cluster.kubeconfig,
                    "--cache-dir", cluster.dir + "/kubectl-cache"] + args
        return try Spawn.start(Spawn.Request(path: argv[0], args: argv, env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"] + env,
                                             fds: [(null, 0), (fd, 1), (fd, 2)]))
    }
}

/// Whether a process with this command line runs anywhere on the host.
func processRunning(_ commandLine: String) -> Bool {
    for entry in (try? FileIO.listDirectory("/proc")) ?? [] where Int32(entry) != nil {
        guard let raw = try? FileIO.readBytes("/proc/\(entry)/cmdline") else { continue }
        let text = String(decoding: raw.map { $0 == 0 ? 32 : $0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        if text == commandLine { return true }
    }
    return false
}

/// A counter several threads bump.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0

    func add() { lock.lock(); count += 1; lock.unlock() }
    var value: Int { lock.lock(); defer { lock.unlock() }; return count }
}
