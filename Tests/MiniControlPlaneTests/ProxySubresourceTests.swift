import Foundation
import Testing
import TestSupport

/// `pods/NAME/proxy`, `services/NAME/proxy` and `kubectl proxy` (plain HTTP
/// and a websocket), against an
/// HTTP server on loopback standing in for the pod (the Pod's status gives
/// 127.0.0.1 as its IP; the selector-less Service's Endpoints point there),
/// so no pod address is ever routed on the host.
@Suite(.requires(.product("controlplane"), .kubectl, .tool("python3", package: "python3")))
struct ProxySubresourceTests {
    @Test func proxiesToPodsServicesAndThroughKubectlProxy() async throws {
        try await withCluster(.sqlite) { c in
            let site = c.dir.appendingPathComponent("site")
            try FileManager.default.createDirectory(at: site, withIntermediateDirectories: true)
            try "hello from the pod\n".write(to: site.appendingPathComponent("index.html"), atomically: true, encoding: .utf8)
            try #"<a href="/docs/">docs</a> <img src='/logo.png'> <a href="rel.html">rel</a>"#
                .write(to: site.appendingPathComponent("links.html"), atomically: true, encoding: .utf8)
            try FileManager.default.createDirectory(at: site.appendingPathComponent("sub"), withIntermediateDirectories: true)
            let port = Harness.freePort()
            let server = try ChildProcess("/usr/bin/python3", ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", site.path],
                                          log: c.dir.appendingPathComponent("http.log"))
            defer { server.stop(signal: SIGKILL) }
            #expect(await Harness.waitUntil { Harness.canConnect(port: port) })

            var r = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: v1
                kind: Pod
                metadata: {name: web}
                spec:
                  containers: [{name: c, image: busybox:1.36, ports: [{name: http, containerPort: \(port)}]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: web}
                spec:
                  ports: [{port: 80, targetPort: \(port)}]
                ---
                apiVersion: v1
                kind: Endpoints
                metadata: {name: web}
                subsets: [{addresses: [{ip: 127.0.0.1}], ports: [{port: \(port)}]}]
                ---
                apiVersion: v1
                kind: Service
                metadata: {name: empty}
                spec:
                  ports: [{port: 80}]
                """)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("patch", "pod", "web", "--subresource=status", "--type=merge", "-p", #"{"status":{"podIP":"127.0.0.1","podIPs":[{"ip":"127.0.0.1"}]}}"#)
            #expect(r.status == 0, "\(r.output)")

            r = try c.kubectl("get", "--raw", "/api/v1/namespaces/default/pods/web:\(port)/proxy/")
            #expect(r.stdout == "hello from the pod\n", "\(r.output)")
            r = try c.kubectl("get", "--raw", "/api/v1/namespaces/default/pods/web:http/proxy/index.html")
            #expect(r.stdout == "hello from the pod\n", "\(r.output)")
            r = try c.kubectl("get", "--raw", "/api/v1/namespaces/default/services/web:80/proxy/index.html")
            #expect(r.stdout == "hello from the pod\n", "\(r.output)")
            // Links in HTML lead back through the proxy.
            let podPrefix = "/api/v1/namespaces/default/pods/web:\(port)/proxy"
            r = try c.kubectl("get", "--raw", podPrefix + "/links.html")
            #expect(r.stdout == #"<a href="\#(podPrefix)/docs/">docs</a> <img src='\#(podPrefix)/logo.png'> <a href="rel.html">rel</a>"#, "\(r.output)")
            r = try c.kubectl("get", "--raw", "/api/v1/namespaces/default/pods/web:\(port)/proxy/missing")
            #expect(r.status != 0 && r.stderr.contains("NotFound"), "the target's own 404 comes back: \(r.output)")
            r = try c.kubectl("get", "--raw", "/api/v1/namespaces/default/services/empty:80/proxy/")
            #expect(r.status != 0 && r.stderr.contains(#"no endpoints available for service "empty""#), "\(r.output)")

            // kubectl proxy, then plain HTTP through it.
            let proxyPort = Harness.freePort()
            let proxy = try c.kubectlBackground(["proxy", "--port", String(proxyPort)], output: c.dir.appendingPathComponent("proxy.log"))
            defer { proxy.stop(signal: SIGKILL) }
            #expect(await Harness.waitUntil { Harness.canConnect(port: proxyPort) })
            let url = "http://127.0.0.1:\(proxyPort)/api/v1/namespaces/default/services/web:80/proxy/"
            let curl = try TestProcess.run(["/usr/bin/curl", "-sS", "--max-time", "30", url])
            #expect(curl.code == 0 && curl.stdout == "hello from the pod\n", "\(curl.stdout)\(curl.stderr)")
            // And so do redirects (the server's "/sub" → "/sub/").
            let redirect = try TestProcess.run(["/usr/bin/curl", "-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{http_code} %header{location}",
                                                "http://127.0.0.1:\(proxyPort)\(podPrefix)/sub"])
            #expect(redirect.stdout == "301 \(podPrefix)/sub/", "\(redirect.stdout)\(redirect.stderr)")

            // A websocket through kubectl proxy and pods/NAME/proxy: the
            // upgrade reaches the pod and frames flow both ways.
            let wsPort = Harness.freePort()
            let wsServer = c.dir.appendingPathComponent("ws_echo.py")
            try Self.websocketEcho.write(to: wsServer, atomically: true, encoding: .utf8)
            let echo = try ChildProcess("/usr/bin/python3", [wsServer.path, String(wsPort)], log: c.dir.appendingPathComponent("ws.log"))
            defer { echo.stop(signal: SIGKILL) }
            #expect(await Harness.waitUntil { Harness.canConnect(port: wsPort) })
            let wsClient = c.dir.appendingPathComponent("ws_client.py")
            try Self.websocketClient.write(to: wsClient, atomically: true, encoding: .utf8)
            let ws = try TestProcess.run(["/usr/bin/python3", wsClient.path, String(proxyPort),
                                          "/api/v1/namespaces/default/pods/web:\(wsPort)/proxy/chat"], timeout: 60)
            #expect(ws.code == 0 && ws.stdout == "HTTP/1.1 101 Switching Protocols\necho ping via /chat\n", "\(ws.stdout)\(ws.stderr)")
        }
    }

    /// A websocket server echoing each text frame with the path it was reached on.
    static let websocketEcho = #"""
        import base64, hashlib, socket, sys, threading

        def recvn(conn, n):
            out = b""
            while len(out) < n:
                chunk = conn.recv(n - len(out))
                if not chunk:
                    raise EOFError
                out += chunk
            return out

        def handle(conn):
            with conn:
                head = b""
                while b"\r\n\r\n" not in head:
                    head += conn.recv(1)
                lines = head.decode().split("\r\n")
                headers = {l.split(":", 1)[0].strip().lower(): l.split(":", 1)[1].strip() for l in lines[1:] if ":" in l}
                accept = base64.b64encode(hashlib.sha1((headers["sec-websocket-key"] + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest())
                conn.sendall(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: " + accept + b"\r\n\r\n")
                path = lines[0].split(" ")[1]
                try:
                    while True:
                        op, length = recvn(conn, 2)
                        mask = recvn(conn, 4) if length & 0x80 else b"\0\0\0\0"
                        payload = bytes(b ^ mask[i % 4] for i, b in enumerate(recvn(conn, length & 0x7f)))
                        if op & 0x0f == 8:
                            conn.sendall(b"\x88\x00")
                            return
                        reply = ("echo %s via %s" % (payload.decode(), path)).encode()
                        conn.sendall(bytes([0x81, len(reply)]) + reply)
                except EOFError:
                    return

        server = socket.create_server(("127.0.0.1", int(sys.argv[1])))
        while True:
            conn, _ = server.accept()
            threading.Thread(target=handle, args=(conn,), daemon=True).start()
        """#

    /// A websocket client: the handshake to PATH on 127.0.0.1:PORT, one
    /// masked "ping", and the answer printed.
    static let websocketClient = #"""
        import base64, os, socket, sys
        port, path = int(sys.argv[1]), sys.argv[2]
        s = socket.create_connection(("127.0.0.1", port), timeout=30)
        key = base64.b64encode(os.urandom(16)).decode()
        s.sendall(("GET %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Key: %s\r\nSec-WebSocket-Version: 13\r\n\r\n" % (path, port, key)).encode())
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = s.recv(4096)
            if not chunk:
                sys.exit("closed during the handshake: %r" % answer)
            answer += chunk
        head, frames = answer.split(b"\r\n\r\n", 1)
        print(head.split(b"\r\n")[0].decode())
        mask = os.urandom(4)
        s.sendall(bytes([0x81, 0x80 | 4]) + mask + bytes(b ^ mask[i % 4] for i, b in enumerate(b"ping")))
        while len(frames) < 2 or len(frames) < 2 + (frames[1] & 0x7f):
            chunk = s.recv(4096)
            if not chunk:
                sys.exit("closed before the echo: %r" % frames)
            frames += chunk
        print(frames[2:2 + (frames[1] & 0x7f)].decode())
        """#
}
