#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import TestSupport

/// Ingress in the lab (one lab, the scenarios in turn, as LabTests): the
/// ingress controller runs on each node's address (ports 80 and 443) as k3s
/// runs Traefik. An Ingress without a class gets the default class
/// `swiftkube`; it routes two hosts and two paths to two Services over HTTP
/// and HTTPS (the certificate chosen by SNI from a `kubernetes.io/tls`
/// Secret, HTTP/2 by ALPN), through either node and through the address of
/// the controllers' own LoadBalancer Service, which its status carries; an upgrade (websocket handshake) becomes a byte tunnel;
/// a missing Service answers 503 with a Warning event, a missing Secret gets
/// an event, an invalid Ingress is refused with upstream's message; a
/// rolling update of a backend Deployment behind the Ingress, with a client
/// requesting the whole time, loses no request. Then, in the same lab, the
/// LoadBalancer scenarios of LabNetworkingTests.
extension LabTests {
    /// Two Deployments answering `served-by-NAME-POD` on `/` and `/b/`.
    static func site(_ name: String) -> String {
        """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: \(name)}
        spec:
          replicas: 2
          selector: {matchLabels: {app: \(name)}}
          template:
            metadata: {labels: {app: \(name)}}
            spec:
              terminationGracePeriodSeconds: 10
              containers:
              - name: httpd
                image: busybox:1.35
                command: ["sh", "-c", "mkdir -p /srv/www/b && echo served-by-\(name)-$(hostname) | tee /srv/www/index.html > /srv/www/b/index.html && exec httpd -f -p 8080 -h /srv/www"]
                readinessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
                # Time for every ingress controller to drop the endpoint before httpd stops.
                lifecycle: {preStop: {exec: {command: ["sleep", "3"]}}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: \(name)}
        spec:
          selector: {app: \(name)}
          ports: [{name: http, port: 80, targetPort: 8080}]
        """
    }

    /// Answers 101 to any request, then echoes bytes (a websocket server's handshake, without framing).
    static let echo = """
        apiVersion: v1
        kind: Pod
        metadata: {name: echo, labels: {app: echo}}
        spec:
          containers:
          - name: nc
            image: busybox:1.35
            command:
            - sh
            - -c
            - |
              cat > /tmp/h <<'X'
              while read -r l; do l=$(echo "$l" | tr -d '\\r'); [ -z "$l" ] && break; done
              printf 'HTTP/1.1 101 Switching Protocols\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\n\\r\\n'
              exec cat
              X
              while :; do nc -l -p 9000 -e sh /tmp/h; done
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: echo}
        spec:
          selector: {app: echo}
          ports: [{name: ws, port: 80, targetPort: 9000}]
        """

    static let ingress = """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: sites}
        spec:
          tls:
          - {hosts: [a.example.com], secretName: a-tls}
          rules:
          - host: a.example.com
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}
              - {path: /b, pathType: Prefix, backend: {service: {name: b, port: {name: http}}}}
          - host: b.example.com
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: b, port: {number: 80}}}}
          - host: ws.example.com
            http:
              paths:
              - {path: /, pathType: Prefix, backend: {service: {name: echo, port: {number: 80}}}}
        ---
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: broken}
        spec:
          ingressClassName: swiftkube
          tls:
          - {hosts: [c.example.com], secretName: no-such-secret}
          rules:
          - host: c.example.com
            http:
              paths:
              - {path: /, pathType: Exact, backend: {service: {name: no-such-service, port: {number: 80}}}}
        """

    static let invalidIngress = """
        apiVersion: networking.k8s.io/v1
        kind: Ingress
        metadata: {name: invalid}
        spec:
          rules:
          - http:
              paths:
              - {path: relative, pathType: Prefix, backend: {service: {name: a, port: {number: 80}}}}
        """

    /// curl on the host to a node's ingress address: the body and the HTTP code on the last line.
    static func curl(_ args: String) -> (code: String, body: String) {
        let (_, out) = shell("curl -s -m 15 -w '\\n%{http_code} %{http_version}' \(args)", timeout: 30)
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false)
        return (String(lines.last ?? ""), lines.dropLast().joined(separator: "\n"))
    }

    @Test func anIngressRoutesHostsPathsTLSAndUpgradesAndSurvivesARollout() throws {
        let s = LabSession()
        let before = s.snapshot()
        defer { s.tearDown() }
        let up = s.lab("up", "--nodes", "2")
        try #require(up.code == 0, "\(up)")
        let node1 = "10.99.0.11", node2 = "10.99.0.12"

        // A certificate for a.example.com, in a kubernetes.io/tls Secret.
        let certDir = TestPaths.temporaryDirectory("lab-ingress-tls")
        defer { try? FileManager.default.removeItem(atPath: certDir) }
        let openssl = shell("openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 -subj /CN=a.example.com "
                            + "-addext subjectAltName=DNS:a.example.com -keyout \(certDir)/key.pem -out \(certDir)/cert.pem")
        try #require(openssl.0 == 0, "\(openssl.1)")
        try #require(s.kubectl(["create", "secret", "tls", "a-tls", "--cert", "\(certDir)/cert.pem", "--key", "\(certDir)/key.pem"]).code == 0)
        for manifest in [Self.site("a"), Self.site("b"), Self.echo, Self.ingress] {
            let apply = s.kubectl(["apply", "-f", "-"], stdin: manifest)
            try #require(apply.code == 0, "\(apply)")
        }
        #expect(s.kubectl(["rollout", "status", "deployment/a", "--timeout=180s"], timeout: 200).code == 0)
        #expect(s.kubectl(["rollout", "status", "deployment/b", "--timeout=180s"], timeout: 200).code == 0)
        #expect(s.kubectl(["wait", "--for=condition=Ready", "pod/echo", "--timeout=120s"]).code == 0)

        // The default class was given at creation; the status carries the address of the
        // controllers' own LoadBalancer Service (kube-system/ingress), as k3s's Traefik publishes.
        #expect(s.get("get", "ingress", "sites", "-o", "jsonpath={.spec.ingressClassName}") == "swiftkube")
        let published = s.get("get", "svc", "-n", "kube-system", "ingress", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}")
        #expect(published.hasPrefix("198.51.100."), "\(s.kubectl(["describe", "svc", "-n", "kube-system", "ingress"]).stdout)")
        #expect(s.eventually(seconds: 60) {
            s.get("get", "ingress", "sites", "-o", "jsonpath={.status.loadBalancer.ingress[*].ip}") == published
        }, "\(s.kubectl(["get", "ingress", "-o", "yaml"]).stdout)")
        let table = s.kubectl(["get", "ingress", "sites"]).stdout
        #expect(table.hasPrefix("NAME") && table.contains("CLASS") && table.contains("HOSTS") && table.contains("ADDRESS") && table.contains("80, 443"), "\(table)")
        #expect(s.kubectl(["get", "ingressclass"]).stdout.contains("swiftkube.io/ingress-controller"))

        // Two hosts and two paths over HTTP, through either node and through the load balancer's address.
        for node in [node1, node2, published] {
            #expect(s.eventually(seconds: 60) { Self.curl("--resolve a.example.com:80:\(node) http://a.example.com/").body.hasPrefix("served-by-a-") })
            let b = Self.curl("--resolve a.example.com:80:\(node) http://a.example.com/b/")
            #expect(b.code.hasPrefix("200") && b.body.hasPrefix("served-by-b-"), "\(b)")
            #expect(Self.curl("--resolve b.example.com:80:\(node) http://b.example.com/").body.hasPrefix("served-by-b-"))
            #expect(Self.curl("--resolve z.example.com:80:\(node) http://z.example.com/").code.hasPrefix("404"))
        }
        // HTTPS: the Secret's certificate by SNI (verified against it), HTTP/2 by ALPN.
        let tls = Self.curl("--cacert \(certDir)/cert.pem --http2 --resolve a.example.com:443:\(node1) https://a.example.com/")
        #expect(tls.code == "200 2" && tls.body.hasPrefix("served-by-a-"), "\(tls)")
        let tls11 = Self.curl("--cacert \(certDir)/cert.pem --http1.1 --resolve a.example.com:443:\(node2) https://a.example.com/b/")
        #expect(tls11.code == "200 1.1" && tls11.body.hasPrefix("served-by-b-"), "\(tls11)")

        // A missing Service: 503 and a Warning event; a missing Secret: an event.
        #expect(Self.curl("--resolve c.example.com:80:\(node1) http://c.example.com/").code.hasPrefix("503"))
        #expect(s.eventually(seconds: 30) {
            let reasons = s.get("get", "events", "--field-selector", "involvedObject.kind=Ingress,involvedObject.name=broken", "-o", "jsonpath={.items[*].reason}")
            return reasons.contains("ServiceNotFound") && reasons.contains("SecretNotFound")
        }, "\(s.kubectl(["get", "events", "--field-selector", "involvedObject.kind=Ingress"]).stdout)")
        // An invalid Ingress: 422 with upstream's message.
        let invalid = s.kubectl(["apply", "-f", "-"], stdin: Self.invalidIngress)
        #expect(invalid.code != 0 && invalid.stderr.contains("spec.rules[0].http.paths[0].path: Invalid value: \"relative\": must be an absolute path"), "\(invalid)")

        // An upgrade through the ingress: the 101, then bytes both ways.
        let ws = shell("""
            python3 -c '
            import socket, sys
            s = socket.create_connection(("\(node1)", 80), timeout=10)
            s.sendall(b"GET /chat HTTP/1.1\\r\\nHost: ws.example.com\\r\\nUpgrade: websocket\\r\\nConnection: Upgrade\\r\\nSec-WebSocket-Version: 13\\r\\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\\r\\n\\r\\n")
            data = b""
            while b"\\r\\n\\r\\n" not in data:
                data += s.recv(4096)
            head, rest = data.split(b"\\r\\n\\r\\n", 1)
            s.sendall(b"hello-through-the-ingress")
            while b"hello-through-the-ingress" not in rest:
                chunk = s.recv(4096)
                if not chunk: break
                rest += chunk
            print(head.split(b"\\r\\n")[0].decode(), rest.decode())
            '
            """, timeout: 30)
        #expect(ws.1.contains("101 Switching Protocols") && ws.1.contains("hello-through-the-ingress"), "\(ws.1)")

        // A rolling update behind the Ingress with a client requesting the whole time: no failure.
        let log = s.dir + "/ingress-client.log", stop = s.dir + "/ingress-client.stop"
        _ = shell("(while [ ! -e \(stop) ]; do curl -s -m 10 -o /dev/null -w '%{http_code}\\n' --resolve a.example.com:80:\(node1) http://a.example.com/ >> \(log); sleep 0.05; done) >/dev/null 2>&1 &")
        #expect(s.eventually(seconds: 30) { ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count >= 10 })
        #expect(s.kubectl(["rollout", "restart", "deployment/a"]).code == 0)
        let rollout = s.kubectl(["rollout", "status", "deployment/a", "--timeout=180s"], timeout: 200)
        #expect(rollout.code == 0, "\(rollout)")
        // A few more seconds on the new pods, then stop the client.
        Thread.sleep(forTimeInterval: 5)
        _ = FileManager.default.createFile(atPath: stop, contents: nil)
        Thread.sleep(forTimeInterval: 1)
        let codes = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
        let failed = codes.filter { $0 != "200" }
        print("lab: \(codes.count) requests through the ingress during the rollout, \(failed.count) failed")
        #expect(codes.count > 20)
        #expect(failed.isEmpty, "\(failed.count) of \(codes.count) requests failed: \(Set(failed))")

        // LoadBalancer Services in the same lab (LabNetworkingTests).
        try checkLoadBalancers(s)

        #expect(s.lab("down").code == 0)
        #expect(s.snapshot() == before)
    }
}
