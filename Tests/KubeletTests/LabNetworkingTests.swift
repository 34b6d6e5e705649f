#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport

/// LoadBalancer Services in the lab (run by the ingress lab test, in the
/// same lab, after its scenarios): LoadBalancer Services answered from the host through their pool
/// addresses on the lab's segment (the holding node answers ARP);
/// `externalTrafficPolicy: Local` held by the endpoint's node, keeping the
/// client's address, with the health-check node port saying which node
/// has endpoints; an address moving to the other node when its holder is
/// cut off.
extension LabTests {
    /// httpd with a CGI script that prints the client's address and the pod.
    static let clientEcho = #"mkdir -p /srv/www/cgi-bin && printf '#!/bin/sh\necho Content-Type: text/plain\necho\necho "$REMOTE_ADDR $(hostname)"\n' > /srv/www/cgi-bin/who && chmod +x /srv/www/cgi-bin/who && exec httpd -f -p 8080 -h /srv/www"#

    static func echoDeployment(_ name: String, replicas: Int, node: String? = nil) -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: \(name)}
        spec:
          replicas: \(replicas)
          selector: {matchLabels: {app: \(name)}}
          template:
            metadata: {labels: {app: \(name)}}
            spec:
              \(node.map { "nodeName: \($0)" } ?? "")
              terminationGracePeriodSeconds: 1
              topologySpreadConstraints:
              - {maxSkew: 1, topologyKey: kubernetes.io/hostname, whenUnsatisfiable: DoNotSchedule, labelSelector: {matchLabels: {app: \(name)}}}
              containers:
              - name: httpd
                image: busybox:1.35
                command: ["sh", "-c", \(String(reflecting: clientEcho))]
                readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
        """
    }

    static let loadBalancers = echoDeployment("spread", replicas: 2) + "\n---\n" + echoDeployment("pinned", replicas: 1, node: "node-2") + """

        ---
        apiVersion: v1
        kind: Service
        metadata: {name: spread}
        spec:
          type: LoadBalancer
          selector: {app: spread}
          ports: [{port: 80, targetPort: 8080}]
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: pinned}
        spec:
          type: LoadBalancer
          externalTrafficPolicy: Local
          loadBalancerIP: 198.51.100.120
          selector: {app: pinned}
          ports: [{port: 80, targetPort: 8080}]
        """

    /// `curl` from the host's root namespace (the lab bridge's 198.51.100.1 for load-balancer addresses).
    static func hostCurl(_ url: String) -> String {
        ((try? TestProcess.run([TestPaths.which("curl") ?? "/usr/bin/curl", "-s", "--max-time", "3", url]))?.stdout ?? "")
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func checkLoadBalancers(_ s: LabSession) throws {
        #expect(s.kubectl(["apply", "-f", "-"], stdin: Self.loadBalancers).code == 0)
        #expect(s.eventually(seconds: 120) { s.converged("spread", replicas: 2, label: "app=spread") })
        #expect(s.eventually(seconds: 120) { s.converged("pinned", replicas: 1, label: "app=pinned") })
        let spreadIP = s.get("get", "svc", "spread", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}")
        #expect(spreadIP.hasPrefix("198.51.100.1"), "\(s.kubectl(["describe", "svc", "spread"]).stdout)")
        #expect(s.get("get", "svc", "pinned", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}") == "198.51.100.120")

        // Answered from the host through the pool address (masqueraded: the client is a node).
        var answer = ""
        let served = s.eventually(seconds: 60) {
            answer = Self.hostCurl("http://\(spreadIP)/cgi-bin/who")
            return answer.contains("spread-")
        }
        #expect(served, "\(answer)\n\(s.kubectl(["get", "lease", "-n", "kube-system"]).stdout)")
        let holderOf = { (ip: String) in s.get("get", "lease", "-n", "kube-system", "swiftkube-lb-" + ip.replacingOccurrences(of: ".", with: "-"),
                                                 "-o", "jsonpath={.spec.holderIdentity}") }

        // externalTrafficPolicy Local: only node-2, with the endpoint, holds it, and the client's address is kept.
        // (busybox httpd writes IPv4 clients as IPv4-mapped IPv6 addresses.)
        let local = s.eventually(seconds: 60) { Self.hostCurl("http://198.51.100.120/cgi-bin/who").hasPrefix("[::ffff:198.51.100.1] pinned-") }
        #expect(local, "\(Self.hostCurl("http://198.51.100.120/cgi-bin/who"))")
        #expect(holderOf("198.51.100.120") == "node-2")
        let hc = s.get("get", "svc", "pinned", "-o", "jsonpath={.spec.healthCheckNodePort}")
        let onNode2 = Self.hostCurl("http://10.99.0.12:\(hc)/")
        #expect(onNode2.contains("\"localEndpoints\": 1") && onNode2.contains("\"name\": \"pinned\""), "\(onNode2)")
        #expect(Self.hostCurl("http://10.99.0.11:\(hc)/").contains("\"localEndpoints\": 0"))

        // The holder of the spread address is cut off: the other node takes the address over.
        let holder = holderOf(spreadIP)
        #expect(holder == "node-1" || holder == "node-2", "holder \(holder)")
        guard holder == "node-1" || holder == "node-2" else { return }
        let other = holder == "node-1" ? "node-2" : "node-1"
        #expect(s.lab("cut", holder).code == 0)
        defer {
            s.lab("heal", holder)
            _ = s.eventually(seconds: 120) { s.nodeReady(holder) == "True" }
        }
        let moved = s.eventually(seconds: 90) { holderOf(spreadIP) == other }
        #expect(moved, "\(s.kubectl(["get", "lease", "-n", "kube-system", "-o", "wide"]).stdout)")
        answer = ""
        let servedAgain = s.eventually(seconds: 60) {
            answer = Self.hostCurl("http://\(spreadIP)/cgi-bin/who")
            return answer.contains("spread-")
        }
        #expect(servedAgain, "after the failover: \(answer)")
        print("lab: \(spreadIP) moved from \(holder) to \(other) and answers: \(answer)")
    }
}
