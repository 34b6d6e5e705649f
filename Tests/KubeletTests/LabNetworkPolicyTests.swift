#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport

/// NetworkPolicy in the lab (one lab, the scenarios in turn), only in the
/// namespaces the test makes (`np-lab`, `np-friends`): pods on both nodes,
/// kube-proxy's enforcer on each node programming `ip kube-network-policy`.
/// Every connection tried is also asked of `nodectl trace` on the
/// destination's node, whose answer must match what the packet did.
///
/// 1. default deny: a policy selecting every pod of np-lab stops the client;
/// 2. allow from a namespace label: np-friends (team=friends) gets in, the client does not;
/// 3. named ports: `http` resolved to web's container port 8080, not its 9090;
/// 4. ipBlock with except: the client's egress to the pod range, web's address excepted;
/// 5. egress to DNS only: names resolve, nothing else leaves;
/// 6. services compose: the ClusterIP is judged after DNAT, against the endpoint pod;
/// 7. a policy with an invalid CIDR: 422 with upstream's message, the rest untouched.
extension LabTests {
    static let netpolPods = """
        apiVersion: v1
        kind: Namespace
        metadata: {name: np-lab}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: np-friends, labels: {team: friends}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web, namespace: np-lab, labels: {app: web}}
        spec:
          nodeName: node-1
          terminationGracePeriodSeconds: 1
          containers:
          - name: httpd
            image: busybox:1.35
            command: ["sh", "-c", "echo web > /srv/www/index.html && httpd -p 9090 -h /srv/www && exec httpd -f -p 8080 -h /srv/www"]
            ports: [{name: http, containerPort: 8080}, {name: admin, containerPort: 9090}]
            readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: np-lab}
        spec:
          selector: {app: web}
          ports: [{port: 80, targetPort: http}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: client, namespace: np-lab, labels: {app: client}}
        spec:
          nodeName: node-2
          terminationGracePeriodSeconds: 1
          containers: [{name: sh, image: "busybox:1.35", command: ["sleep", "3600"]}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: friend, namespace: np-friends, labels: {app: friend}}
        spec:
          nodeName: node-1
          terminationGracePeriodSeconds: 1
          containers: [{name: sh, image: "busybox:1.35", command: ["sleep", "3600"]}]
        """

    @Test func aLabEnforcesNetworkPolicies() throws {
        let s = LabSession()
        let before = s.snapshot()
        defer { s.tearDown() }
        let up = s.lab("up", "--nodes", "2")
        try #require(up.code == 0, "\(up)")
        let apply = s.kubectl(["apply", "-f", "-"], stdin: Self.netpolPods)
        try #require(apply.code == 0, "\(apply)")
        let ready = s.kubectl(["wait", "--for=condition=Ready", "-n", "np-lab", "pod/web", "pod/client", "--timeout=150s"])
        try #require(ready.code == 0, "\(ready) \(s.kubectl(["get", "pods", "-A", "-o", "wide"]))")
        #expect(s.kubectl(["wait", "--for=condition=Ready", "-n", "np-friends", "pod/friend", "--timeout=120s"]).code == 0)
        let webIP = s.get("get", "pod", "-n", "np-lab", "web", "-o", "jsonpath={.status.podIP}")
        let clientIP = s.get("get", "pod", "-n", "np-lab", "client", "-o", "jsonpath={.status.podIP}")
        let friendIP = s.get("get", "pod", "-n", "np-friends", "friend", "-o", "jsonpath={.status.podIP}")
        let vip = s.get("get", "svc", "-n", "np-lab", "web", "-o", "jsonpath={.spec.clusterIP}")

        /// Whether `pod` gets an HTTP answer from host:port (3 s for a dropped SYN).
        func reaches(_ ns: String, _ pod: String, _ host: String, _ port: Int) -> Bool {
            s.kubectl(["exec", "-n", ns, pod, "--", "sh", "-c", "printf 'GET / HTTP/1.0\\r\\n\\r\\n' | nc -w 3 \(host) \(port)"], timeout: 30)
                .stdout.contains("200 OK")
        }
        /// The tracer on `node`: allowed (exit 0) or denied (exit 3), and its answer.
        func trace(_ node: String, _ source: String, _ destination: String) -> (allowed: Bool, text: String) {
            let r = s.lab("nodectl", node, "trace", source, destination)
            return (r.code == 0, r.stdout + r.stderr)
        }
        /// Tries the connection (a few times, while the enforcers catch up
        /// with the API) and checks the tracer's answer matches the packets.
        func check(_ ns: String, _ pod: String, _ podIP: String, _ host: String, _ port: Int, _ expected: Bool, _ note: String) {
            var reached = reaches(ns, pod, host, port)
            if reached != expected {
                _ = s.eventually(seconds: 20) {
                    reached = reaches(ns, pod, host, port)
                    return reached == expected
                }
            }
            #expect(reached == expected, "\(ns)/\(pod) → \(host):\(port) \(reached ? "answered" : "blocked"): \(note)")
            // The enforcer writes what it knows at most once a second.
            var answer = trace("node-1", podIP, "\(host):\(port)")
            if answer.allowed != reached {
                _ = s.eventually(seconds: 5) {
                    answer = trace("node-1", podIP, "\(host):\(port)")
                    return answer.allowed == reached
                }
            }
            #expect(answer.allowed == reached, "nodectl trace disagrees with the packets (\(reached ? "answered" : "blocked")): \(answer.text)")
        }
        func applyPolicy(_ yaml: String) {
            let r = s.kubectl(["apply", "-f", "-"], stdin: yaml)
            #expect(r.code == 0, "\(r)")
        }

        // Before any policy: everyone reaches web.
        check("np-lab", "client", clientIP, webIP, 8080, true, "no policy yet")
        check("np-friends", "friend", friendIP, webIP, 9090, true, "no policy yet")

        // 1. Default deny for np-lab.
        applyPolicy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: default-deny, namespace: np-lab}
            spec: {podSelector: {}}
            """)
        check("np-lab", "client", clientIP, webIP, 8080, false, "default deny")
        check("np-friends", "friend", friendIP, webIP, 8080, false, "default deny, from another namespace too")
        // Probes keep working: web stays Ready (the kubelet's tcpSocket probe comes from the node).
        usleep(3_000_000)
        #expect(s.get("get", "pod", "-n", "np-lab", "web", "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}") == "True")

        // 2. Allow from a namespace label.
        applyPolicy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: from-friends, namespace: np-lab}
            spec:
              podSelector: {matchLabels: {app: web}}
              ingress: [{from: [{namespaceSelector: {matchLabels: {team: friends}}}]}]
            """)
        check("np-friends", "friend", friendIP, webIP, 9090, true, "np-friends is labelled team=friends")
        check("np-lab", "client", clientIP, webIP, 8080, false, "np-lab is not")
        let why = trace("node-1", friendIP, "\(webIP):9090").text
        #expect(why.contains("np-lab/from-friends ingress[0]"), "the tracer names the policy: \(why)")

        // 3. Named ports: the client may reach web's port named http (8080), not admin (9090).
        applyPolicy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: client-http, namespace: np-lab}
            spec:
              podSelector: {matchLabels: {app: web}}
              ingress: [{from: [{podSelector: {matchLabels: {app: client}}}], ports: [{port: http}]}]
            """)
        check("np-lab", "client", clientIP, webIP, 8080, true, "http is 8080 on web")
        check("np-lab", "client", clientIP, webIP, 9090, false, "9090 is admin, not http")

        // 6. Services compose: the ClusterIP (port 80 → targetPort http) is judged against web after DNAT.
        check("np-lab", "client", clientIP, vip, 80, true, "through the Service, DNATed to web:8080")
        let viaService = s.lab("nodectl", "node-2", "trace", clientIP, "\(vip):80")
        #expect(viaService.code == 0 && viaService.stdout.contains("DNAT to \(webIP):8080"), "\(viaService)")

        // 4. ipBlock with except: the client's egress to the pod range, web excepted.
        applyPolicy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: client-egress, namespace: np-lab}
            spec:
              podSelector: {matchLabels: {app: client}}
              policyTypes: [Egress]
              egress: [{to: [{ipBlock: {cidr: 10.244.0.0/16, except: ["\(webIP)/32"]}}]}]
            """)
        check("np-lab", "client", clientIP, webIP, 8080, false, "web's address is excepted")
        // friend is not isolated for ingress: only the client's egress decides.
        applyPolicy("""
            apiVersion: v1
            kind: Pod
            metadata: {name: friend-web, namespace: np-friends, labels: {app: friend-web}}
            spec:
              nodeName: node-1
              terminationGracePeriodSeconds: 1
              containers: [{name: httpd, image: "busybox:1.35", command: ["sh", "-c", "echo f > /srv/www/index.html && exec httpd -f -p 8080 -h /srv/www"],
                            readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}}]
            """)
        #expect(s.kubectl(["wait", "--for=condition=Ready", "-n", "np-friends", "pod/friend-web", "--timeout=90s"]).code == 0)
        let friendWebIP = s.get("get", "pod", "-n", "np-friends", "friend-web", "-o", "jsonpath={.status.podIP}")
        check("np-lab", "client", clientIP, friendWebIP, 8080, true, "the pod range is allowed")

        // 5. Egress to DNS only.
        #expect(s.kubectl(["delete", "networkpolicy", "-n", "np-lab", "client-egress"]).code == 0)
        applyPolicy("""
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: dns-only, namespace: np-lab}
            spec:
              podSelector: {matchLabels: {app: client}}
              policyTypes: [Egress]
              egress: [{ports: [{port: 53, protocol: UDP}, {port: 53, protocol: TCP}]}]
            """)
        check("np-lab", "client", clientIP, friendWebIP, 8080, false, "only DNS leaves the client")
        let lookup = s.kubectl(["exec", "-n", "np-lab", "client", "--", "nslookup", "web.np-lab.svc.cluster.local"], timeout: 30)
        #expect(lookup.stdout.contains(vip), "DNS still answers: \(lookup)")

        // nodectl shows the policies applying to a pod, and the rules read back from the kernel.
        let view = s.lab("nodectl", "node-1", "netpol", "np-lab/web")
        #expect(view.code == 0 && view.stdout.contains("np-lab/client-http") && view.stdout.contains("np-lab/default-deny")
                && view.stdout.contains("ip daddr . meta l4proto . th dport @port-tcp-http accept") && !view.stdout.contains("differs"), "\(view)")
        print("lab: nodectl netpol np-lab/web on node-1:\n\(view.stdout)")
        print("lab: nodectl trace:\n\(trace("node-1", friendIP, "\(webIP):9090").text)")

        // 7. Bad input: 422 with upstream's message, nothing else broken.
        let bad = s.kubectl(["apply", "-f", "-"], stdin: """
            apiVersion: networking.k8s.io/v1
            kind: NetworkPolicy
            metadata: {name: bad, namespace: np-lab}
            spec:
              podSelector: {}
              ingress: [{from: [{ipBlock: {cidr: 10.0.0.0/33}}]}]
            """)
        #expect(bad.code != 0 && bad.stderr.contains(#"spec.ingress[0].from[0].ipBlock.cidr: Invalid value: "10.0.0.0/33": must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)"#),
                "\(bad)")
        check("np-lab", "client", clientIP, webIP, 8080, false, "unchanged (the client's egress is DNS only)")
        check("np-friends", "friend", friendIP, webIP, 9090, true, "unchanged")

        // The namespaces go; the enforcers drop their policies; down leaves the host as it was.
        #expect(s.kubectl(["delete", "namespace", "np-lab", "np-friends", "--wait=false"]).code == 0)
        s.lab("down")
        #expect(s.snapshot() == before)
    }
}
