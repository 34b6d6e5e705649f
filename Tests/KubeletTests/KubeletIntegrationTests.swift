import Testing
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Runtime
import TestSupport

/// controlplane + kubelet in a test network namespace, driven with kubectl.
@Suite(.ownThread, .requires(TestCluster.requirements))
struct KubeletIntegrationTests {
    @Test func podsRunReachEachOtherSurviveAKubeletCrashAndLeaveNothing() throws {
        let cluster = try TestCluster()
        defer { cluster.tearDown() }
        for name in ["web-a", "web-b"] {
            try cluster.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: \(name), labels: {app: web}}
                spec:
                  nodeName: \(cluster.nodeName)
                  containers:
                  - name: httpd
                    image: busybox:1.35
                    command: ["httpd", "-f", "-p", "8080", "-h", "/srv/www"]
                    ports: [{containerPort: 8080, name: http}]
                    readinessProbe: {httpGet: {path: /, port: http}, periodSeconds: 1}
                    livenessProbe: {tcpSocket: {port: 8080}, periodSeconds: 2}
                """)
        }
        for name in ["web-a", "web-b"] {
            #expect(cluster.waitFor(name, "{.status.conditions[?(@.type==\"Ready\")].status}", equals: "True"), "\(cluster.kubeletLog)")
        }
        let ipA = cluster.jsonpath("web-a", "{.status.podIP}")
        let ipB = cluster.jsonpath("web-b", "{.status.podIP}")
        #expect(ipA.hasPrefix("10.244.") && ipB.hasPrefix("10.244.") && ipA != ipB)
        #expect(cluster.jsonpath("web-a", "{.status.phase}") == "Running")
        #expect(cluster.jsonpath("web-a", "{.status.hostIP}") == cluster.nodeIP)
        #expect(cluster.jsonpath("web-a", "{.status.qosClass}") == "BestEffort")

        // Pod A reaches pod B by IP (through the node bridge), and the node reaches both.
        let exec = cluster.inNode("nsenter --net=\(cluster.dir)/kubelet/pods/$(ls \(cluster.dir)/kubelet/pods | head -1)/ns/net wget -qO- http://\(ipB):8080/")
        #expect(exec.stdout.contains("hello from busybox httpd"), "\(exec)")
        #expect(cluster.inNode("wget -qO- http://\(ipA):8080/").stdout.contains("hello"))

        // kill -9 of the kubelet: containers keep running; a new kubelet adopts them.
        let containerID = cluster.jsonpath("web-a", "{.status.containerStatuses[0].containerID}")
        cluster.stopKubelet(signal: SIGKILL)
        #expect(cluster.inNode("wget -qO- http://\(ipA):8080/").code == 0)
        try cluster.startKubelet()
        #expect(eventually(seconds: 20) { cluster.jsonpath("web-a", "{.status.containerStatuses[0].containerID}") == containerID })
        #expect(cluster.jsonpath("web-a", "{.status.containerStatuses[0].restartCount}") == "0")
        #expect(cluster.jsonpath("web-a", "{.status.podIP}") == ipA)
        #expect(cluster.waitFor("web-a", "{.status.conditions[?(@.type==\"Ready\")].status}", equals: "True"))

        // Deleting removes every trace (grace 1 s: httpd as pid 1 ignores SIGTERM).
        #expect(cluster.kubectl(["delete", "pod", "web-a", "web-b", "--grace-period=1"]).code == 0)
        #expect(eventually(seconds: 30) { cluster.leftovers.isEmpty }, "\(cluster.leftovers)")
        // No pod veth is left on the node (eth0@eth0p is the test's own link).
        #expect(cluster.inNode("ip -o link show | grep -c ': veth'").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "0")
    }
}
