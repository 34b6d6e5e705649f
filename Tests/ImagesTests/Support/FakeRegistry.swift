#if canImport(Glibc)
import Glibc
#endif
import TestSupport
import LinuxSystem

/// A small registry (python3's http.server) serving an OCI layout on a
/// loopback port, with the faults real registries have: a bearer-token
/// realm, blobs whose bytes do not match their digest, downloads cut short.
final class FakeRegistry {
    enum Mode: String {
        case open, bearer, corrupt, truncate
    }

    let process: Int32
    let port: Int
    let dir: String
    var host: String { "127.0.0.1:\(port)" }

    init(layout: String, mode: Mode) throws {
        let dir = TestPaths.temporaryDirectory("swk-fakereg")
        self.dir = dir
        try FileIO.writeAtomically(dir + "/server.py", Array(Self.script.utf8), mode: 0o644)
        let log = open(dir + "/log", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        let null = open("/dev/null", O_RDONLY | O_CLOEXEC)
        defer { close(log); close(null) }
        process = try Spawn.start(Spawn.Request(path: TestPaths.which("python3")!, args: ["python3", dir + "/server.py", layout, mode.rawValue, dir + "/port"],
                                                env: ["PATH=/usr/bin:/bin"], fds: [(null, 0), (log, 1), (log, 2)]))
        var found = 0
        eventually(seconds: 20) {
            found = Int((try? FileIO.readTrimmed(dir + "/port")) ?? "") ?? 0
            return found > 0
        }
        port = found
        if port == 0 {
            let log = (try? FileIO.read(dir + "/log")) ?? ""
            stop()
            throw TestError("the fake registry did not start: \(log)")
        }
    }

    func stop() {
        kill(process, SIGKILL)
        _ = try? waitForExit(process, timeout: 10)
        try? FileIO.removeTree(dir)
    }

    var log: String { (try? FileIO.read(dir + "/log")) ?? "" }

    static let script = #"""
import base64, hashlib, http.server, json, os, sys
layout, mode, portfile = sys.argv[1], sys.argv[2], sys.argv[3]
index = json.load(open(os.path.join(layout, "index.json")))
TOKEN = "t0ken"
def blob(d):
    return open(os.path.join(layout, "blobs", "sha256", d.split(":")[1]), "rb").read()
class H(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def send(self, code, body=b"", headers={}):
        self.send_response(code)
        for k, v in headers.items(): self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
    def do_GET(self):
        host = self.headers.get("Host")
        if self.path.startswith("/token"):
            if self.headers.get("Authorization") != "Basic " + base64.b64encode(b"alice:wonder").decode():
                return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"bad password"}]}')
            return self.send(200, json.dumps({"token": TOKEN}).encode(), {"Content-Type": "application/json"})
        parts = self.path.split("/")
        repo = "/".join(parts[2:-2])
        if mode == "bearer" and self.headers.get("Authorization") != "Bearer " + TOKEN:
            realm = 'Bearer realm="http://%s/token",service="fake",scope="repository:%s:pull"' % (host, repo)
            return self.send(401, b'{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}', {"WWW-Authenticate": realm})
        kind, ident = parts[-2], parts[-1]
        if kind == "manifests":
            for m in index["manifests"]:
                if ident in (m["digest"], m.get("annotations", {}).get("org.opencontainers.image.ref.name")):
                    return self.send(200, blob(m["digest"]), {"Content-Type": m["mediaType"], "Docker-Content-Digest": m["digest"]})
            return self.send(404, b'{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}')
        if kind == "blobs":
            try: data = blob(ident)
            except OSError: return self.send(404, b'{"errors":[{"code":"BLOB_UNKNOWN","message":"blob unknown to registry"}]}')
            layer = not data.startswith(b"{")
            if mode == "corrupt" and layer:
                data = bytes([data[0] ^ 0xff]) + data[1:]
            if mode == "truncate" and layer:
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data[: len(data) // 2])
                self.wfile.flush()
                self.close_connection = True
                return
            return self.send(200, data, {"Content-Type": "application/octet-stream"})
        self.send(404)
s = http.server.ThreadingHTTPServer(("127.0.0.1", 0), H)
open(portfile + ".tmp", "w").write(str(s.server_address[1]))
os.rename(portfile + ".tmp", portfile)
s.serve_forever()
"""#
}
