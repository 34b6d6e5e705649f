import Testing
#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Runtime
import Images
import TestSupport
import LinuxSystem

/// Pulls from Debian's docker-registry: nodectl on the host's loopback
/// (no auth), and a kubelet inside its test network namespace from a
/// registry with htpasswd auth, with and without imagePullSecrets.
@Suite(.ownThread, .serialized, .requires([.root, .product("nodectl")] + TestRegistry.requirements))
struct RegistryIntegrationTests {
    func nodectl(_ root: String, _ args: [String], netns: String? = nil) -> TestProcess.Result {
        let command = (netns.map { ["/usr/bin/nsenter", "--net=/run/netns/\($0)"] } ?? []) + [TestPaths.product("nodectl")!, "--root-dir", root] + args
        return (try? TestProcess.run(command, timeout: 120)) ?? TestProcess.Result(status: ExitStatus(code: 255), stdout: "", stderr: "nodectl did not run")
    }

    @Test func nodectlPullsListsPrunesAndRefusesCorruptBlobs() throws {
        let registry = try TestRegistry()
        defer { registry.stop() }
        try registry.push(as: "test/busybox")
        let root = TestPaths.temporaryDirectory("swk-nodectl-pull")
        defer { try? FileIO.removeTree(root) }
        let image = "\(registry.host)/test/busybox:1.35"

        // Without --insecure-registry the client insists on HTTPS.
        let https = nodectl(root, ["pull", image])
        #expect(https.code != 0 && https.stderr.contains("--insecure-registry \(registry.host)"), "\(https)")

        let pulled = nodectl(root, ["pull", "--insecure-registry", registry.host, image])
        #expect(pulled.code == 0, "\(pulled)\n\(registry.log)")
        #expect(pulled.stdout.contains("1/1 layers") && pulled.stdout.contains("Image is up to date for sha256:"), "\(pulled)")
        let ids = nodectl(root, ["images", "-q"]).stdout.split(separator: "\n")
        #expect(ids.count == 1 && ids[0].hasPrefix("sha256:"))
        let listing = nodectl(root, ["images", "--digests"]).stdout
        #expect(listing.contains("\(registry.host)/test/busybox") && listing.contains("1.35") && listing.contains("sha256:"), "\(listing)")
        // The same content as the layout it was pushed from (same config digest = image id).
        let local = try ImageStore(root: root + "/local").importLayout(at: TestPaths.packageRoot + "/rootfs/out/oci", tag: "1.35", name: "busybox:1.35")
        #expect(ids.first.map(String.init) == local.first?.id.description)
        // By digest too, and a second pull downloads nothing new.
        let again = nodectl(root, ["pull", "-q", "--insecure-registry", registry.host, "\(registry.host)/test/busybox@\(local[0].manifestDigest)"])
        #expect(again.code == 0 && again.stdout.hasPrefix("sha256:"), "\(again)")

        // rmi --prune removes what no container uses.
        let prune = nodectl(root, ["rmi", "--prune"])
        #expect(prune.code == 0 && prune.stdout.contains("Deleted"), "\(prune)")
        #expect(nodectl(root, ["images", "-q"]).stdout.isEmpty)

        // The registry serves a layer whose bytes no longer match its digest: a clear error, nothing stored.
        let layer = local[0].layers[0].digest.hex
        let data = "\(registry.storage)/docker/registry/v2/blobs/sha256/\(layer.prefix(2))/\(layer)/data"
        var bytes = try FileIO.readBytes(data)
        bytes[100] ^= 0xff
        try FileIO.writeAtomically(data, bytes, mode: 0o644)
        let broken = nodectl(root, ["pull", "--insecure-registry", registry.host, image])
        #expect(broken.code != 0, "\(broken)")
        #expect(broken.stderr.contains("layer \(layer.prefix(12)) of \(image)") && broken.stderr.contains("expected sha256:\(layer)"), "\(broken)")
        #expect(nodectl(root, ["images", "-q"]).stdout.isEmpty)
        let blobs = (try? FileIO.listDirectory(root + "/images/blobs/sha256")) ?? []
        let layers = (try? FileIO.listDirectory(root + "/images/layers")) ?? []
        #expect(blobs.isEmpty && layers.isEmpty, "\(blobs) \(layers)")
    }

    @Test(.requires(TestCluster.requirements))
    func kubeletPullsWithImagePullSecretsAndBacksOffWithout() throws {
        let port = TestRegistry.randomPort()
        let cluster = try TestCluster(kubeletArguments: ["--insecure-registry", "127.0.0.1:\(port)"])
        defer { cluster.tearDown() }
        let registry = try TestRegistry(netns: cluster.netns, port: port, user: "alice", password: "wonder")
        defer { registry.stop() }
        try registry.push(as: "team/busybox")
        let image = "\(registry.host)/team/busybox:1.35"

        // nodectl in the node's namespace, with and without credentials.
        let root = TestPaths.temporaryDirectory("swk-nodectl-auth")
        defer { try? FileIO.removeTree(root) }
        let denied = nodectl(root, ["pull", "--insecure-registry", registry.host, image], netns: cluster.netns)
        #expect(denied.code != 0 && denied.stderr.contains("requires a user name and password"), "\(denied)")
        let wrong = nodectl(root, ["pull", "--insecure-registry", registry.host, "--creds", "alice:nope", image], netns: cluster.netns)
        #expect(wrong.code != 0 && wrong.stderr.contains("denied access (401"), "\(wrong)")
        let ok = nodectl(root, ["pull", "--insecure-registry", registry.host, "--creds", "alice:wonder", image], netns: cluster.netns)
        #expect(ok.code == 0, "\(ok)\n\(registry.log)")

        let secret = cluster.kubectl(["create", "secret", "docker-registry", "regcred", "--docker-server=\(registry.host)",
                                      "--docker-username=alice", "--docker-password=wonder"])
        #expect(secret.code == 0, "\(secret)")
        // Without the secret the pod must ask the registry (Always): with IfNotPresent the copy
        // the first pod pulled would do, as in Kubernetes.
        for (name, secrets, policy) in [("with-secret", "imagePullSecrets: [{name: regcred}]", "IfNotPresent"), ("without-secret", "", "Always")] {
            try cluster.apply("""
                apiVersion: v1
                kind: Pod
                metadata: {name: \(name)}
                spec:
                  nodeName: \(cluster.nodeName)
                  \(secrets)
                  containers:
                  - name: main
                    image: \(image)
                    imagePullPolicy: \(policy)
                    command: ["sleep", "3600"]
                """)
        }
        #expect(cluster.waitFor("with-secret", "{.status.phase}", equals: "Running"), "\(cluster.kubeletLog)")
        let events = cluster.kubectl(["get", "events", "--field-selector", "involvedObject.name=with-secret", "-o", "jsonpath={.items[*].message}"]).stdout
        #expect(events.contains("Pulling image \"\(image)\"") && events.contains("Successfully pulled image \"\(image)\" in"), "\(events)")
        #expect(events.contains("Image size: "), "\(events)")

        // Without the secret: ErrImagePull with the registry's refusal, then ImagePullBackOff.
        #expect(eventually(seconds: 60) {
            ["ErrImagePull", "ImagePullBackOff"].contains(cluster.jsonpath("without-secret", "{.status.containerStatuses[0].state.waiting.reason}"))
        })
        let message = cluster.jsonpath("without-secret", "{.status.containerStatuses[0].state.waiting.message}")
        #expect(message.contains("requires a user name and password"), "\(message)")
        #expect(cluster.waitFor("without-secret", "{.status.containerStatuses[0].state.waiting.reason}", equals: "ImagePullBackOff", seconds: 30))

        // The node lists the image with its digest.
        var images = ""
        #expect(eventually(seconds: 60) {
            images = cluster.kubectl(["get", "node", cluster.nodeName, "-o", "jsonpath={.status.images[*].names}"]).stdout
            return images.contains("\(registry.host)/team/busybox@sha256:") && images.contains(image)
        }, "\(images)")
        _ = cluster.kubectl(["delete", "pod", "with-secret", "without-secret", "--grace-period=1"])
    }
}
