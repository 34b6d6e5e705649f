import Testing
import Foundation
import TestSupport
import LinuxSystem

/// `kubectl debug` (the real kubectl 1.32) against the real control plane
/// and kubelet: an ephemeral container in a running pod, in the target
/// container's process namespace with `--target`; a node debugging pod in
/// the host namespaces with the host's root at /host; a copy of a pod with a
/// debug container added.
@Suite(.ownThread, .requires(TestCluster.requirements))
struct EphemeralContainerKubeletTests {
    static let pod = """
        apiVersion: v1
        kind: Pod
        metadata: {name: web}
        spec:
          nodeName: node-1
          containers:
          - {name: app, image: "busybox:1.35", command: ["sleep", "3601"]}
        """

    /// The ephemeral container `name`'s status of pod `pod`, by jsonpath `path` below it.
    func ephemeralStatus(_ cluster: TestCluster, _ pod: String, _ name: String, _ path: String) -> String {
        cluster.jsonpath(pod, "{.status.ephemeralContainerStatuses[?(@.name==\"\(name)\")]\(path)}")
    }

    @Test func kubectlDebugRunsInThePodAndTheTargetsProcessNamespace() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        try cluster.apply(Self.pod)
        #expect(cluster.waitFor("web", "{.status.phase}", equals: "Running"), "\(cluster.kubeletLog)")
        let podIP = cluster.jsonpath("web", "{.status.podIP}")

        // --target: the target's processes are visible; the pod's hostname and network are shared.
        var r = cluster.kubectl(["debug", "web", "--image=busybox:1.35", "--target=app", "-c", "dbg", "--",
                                 "sh", "-c", "ps; echo host=$(hostname); ip -4 addr"])
        #expect(r.code == 0, "\(r)")
        #expect(r.stdout.contains("Targeting container \"app\""), "\(r)")
        #expect(eventually(seconds: 120) { ephemeralStatus(cluster, "web", "dbg", ".state.terminated.exitCode") == "0" },
                "\(cluster.jsonpath("web", "{.status.ephemeralContainerStatuses}")) \(cluster.kubeletLog)")
        r = cluster.kubectl(["logs", "web", "-c", "dbg"])
        #expect(r.code == 0 && r.stdout.contains("sleep 3601"), "\(r)")
        #expect(r.stdout.contains("host=web"), "\(r)")
        #expect(!podIP.isEmpty && r.stdout.contains("inet \(podIP)/"), "pod IP \(podIP): \(r)")
        #expect(ephemeralStatus(cluster, "web", "dbg", ".state.terminated.reason") == "Completed")
        #expect(ephemeralStatus(cluster, "web", "dbg", ".ready") == "false")

        // Without a target: a process namespace of its own (the pod does not share one).
        r = cluster.kubectl(["debug", "web", "--image=busybox:1.35", "-c", "alone", "--", "ps"])
        #expect(r.code == 0, "\(r)")
        #expect(eventually(seconds: 120) { ephemeralStatus(cluster, "web", "alone", ".state.terminated.exitCode") == "0" }, "\(cluster.kubeletLog)")
        r = cluster.kubectl(["logs", "web", "-c", "alone"])
        #expect(r.code == 0 && !r.stdout.contains("sleep 3601") && r.stdout.contains("ps"), "\(r)")

        // -i: kubectl waits for it to run, then attaches stdin and stdout. As
        // upstream, the container's stdin stays open when kubectl's ends
        // (no stdinOnce), so the shell is told to exit.
        r = cluster.kubectl(["debug", "-i", "web", "--image=busybox:1.35", "--target=app", "-c", "shell", "--", "sh"],
                            stdin: "ps\necho done-$((6 * 7))\nexit\n", timeout: 120)
        #expect(r.code == 0, "\(r)")
        #expect(r.stdout.contains("sleep 3601") && r.stdout.contains("done-42"), "\(r)")

        // -it, as users type it: kubectl waits for the container, then attaches
        // with its terminal; the container's stdio is a terminal (tty: true).
        if let script = TestPaths.which("script") {
            let kubectl = "/usr/bin/nsenter --net=\(cluster.netnsPath) \(TestPaths.which("kubectl") ?? "kubectl") --kubeconfig \(cluster.kubeconfig)"
                + " --cache-dir \(cluster.dir)/kubectl-cache debug -it web --image=busybox:1.35 --target=app -c term"
                + " -- sh -c 'sleep 3; [ -t 0 ] && [ -t 1 ] && echo stdio-is-a-terminal; ps; exit 5'"
            let tty = try TestProcess.run([script, "-eqc", kubectl, "/dev/null"], env: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], timeout: 120)
            #expect(tty.stdout.contains("If you don't see a command prompt") && tty.stdout.contains("sleep 3601"), "debug -it: \(tty)")
            #expect(tty.stdout.contains("stdio-is-a-terminal"), "debug -it: \(tty)")
            #expect(!tty.stdout.contains("falling back to streaming logs") && !tty.stderr.contains("falling back"), "debug -it: \(tty)")
            #expect(eventually(seconds: 60) { ephemeralStatus(cluster, "web", "term", ".state.terminated.exitCode") == "5" })
        } else {
            print("skipping kubectl debug -it: util-linux script(1) is not installed")
        }

        // Events name the container in spec.ephemeralContainers; exited ones are never restarted.
        r = cluster.kubectl(["get", "events", "--field-selector", "involvedObject.name=web", "-o",
                             "jsonpath={range .items[*]}{.reason} {.involvedObject.fieldPath}{\"\\n\"}{end}"])
        #expect(r.stdout.contains("Started spec.ephemeralContainers{dbg}"), "\(r)")
        #expect(ephemeralStatus(cluster, "web", "dbg", ".restartCount") == "0")
        #expect(ephemeralStatus(cluster, "web", "dbg", ".state.terminated.exitCode") == "0")
        #expect(cluster.jsonpath("web", "{.status.phase} {.status.containerStatuses[0].restartCount}") == "Running 0")
        let names = cluster.jsonpath("web", "{.status.ephemeralContainerStatuses[*].name}")
        #expect(names.hasPrefix("dbg alone shell"), "\(names)")
    }

    @Test func nodeDebuggingPodAndPodCopy() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }

        // node/NAME: host PID, network and IPC namespaces, the host's / at /host.
        var r = cluster.kubectl(["debug", "node/node-1", "--image=busybox:1.35", "--",
                                 "sh", "-c", "ls /host; ps; ip -4 addr"])
        #expect(r.code == 0, "\(r)")
        let created = r.stdout.split(separator: " ").map(String.init).first { $0.hasPrefix("node-debugger-node-1-") }
        let name = try #require(created, "\(r)")
        #expect(cluster.waitFor(name, "{.status.phase}", equals: "Succeeded"), "\(cluster.jsonpath(name, "{.status}")) \(cluster.kubeletLog)")
        r = cluster.kubectl(["logs", name])
        #expect(r.stdout.contains("usr") && r.stdout.contains("etc") && r.stdout.contains("proc"), "/host: \(r)")
        #expect(r.stdout.contains("kubelet"), "host processes: \(r)")
        #expect(r.stdout.contains("inet \(cluster.nodeIP)/"), "host network: \(r)")
        #expect(cluster.jsonpath(name, "{.status.podIP}") == cluster.nodeIP)

        // --copy-to: a new pod with the original containers and the debug container.
        try cluster.apply(Self.pod)
        r = cluster.kubectl(["debug", "web", "--copy-to=web-copy", "--image=busybox:1.35", "-c", "dbg", "--",
                             "sh", "-c", "echo copied; sleep 3600"])
        #expect(r.code == 0, "\(r)")
        #expect(cluster.waitFor("web-copy", "{.status.phase}", equals: "Running"), "\(cluster.jsonpath("web-copy", "{.status}")) \(cluster.kubeletLog)")
        #expect(cluster.jsonpath("web-copy", "{.spec.containers[*].name}") == "app dbg")
        #expect(eventually(seconds: 30) { cluster.kubectl(["logs", "web-copy", "-c", "dbg"]).stdout.contains("copied") })
    }
}
