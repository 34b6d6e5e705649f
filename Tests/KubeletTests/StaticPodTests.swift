import Testing
import Foundation
import Logging
import KubeAPI
import Runtime
import TestSupport
@testable import Kubelet
import LinuxSystem

/// Loading static pod manifests: names, stable UIDs, mirrors, bad files.
struct StaticPodTests {
    /// Scans `dir` with a source whose API client is never used (and is shut down).
    func scan(_ dir: String) async throws -> [Pod] {
        let client = try KubeClient(config: KubeConfig(server: "https://127.0.0.1:1"))
        let pods = StaticPods(directory: dir, nodeName: "node-a", client: client, logger: Logger(label: "test")).scan()
        await client.shutdown()
        return pods
    }

    func write(_ path: String, _ text: String) throws {
        try FileIO.writeAtomically(path, Array(text.utf8), mode: 0o644)
    }

    @Test func manifestsBecomePodsBoundToTheNodeWithStableUIDs() async throws {
        let dir = TestPaths.temporaryDirectory("static-pods")
        defer { try? FileIO.removeTree(dir) }
        let manifest = "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers: [{name: c, image: busybox}]\n"
        try write(dir + "/web.yaml", manifest)
        try write(dir + "/broken.yaml", "kind: Pod\nspec: [1, 2\n")
        try write(dir + "/nameless.yaml", "kind: Pod\nspec: {containers: [{name: c, image: busybox}]}\n")
        try write(dir + "/notes.txt", "ignored")
        let pods = try await scan(dir)
        #expect(pods.count == 1)
        let pod = try #require(pods.first)
        #expect(pod.metadata.name == "web-node-a")
        #expect(pod.metadata.namespace == "default")
        #expect(pod.spec?.nodeName == "node-a")
        #expect(pod.spec?.restartPolicy == "Always")
        let uid = try #require(pod.metadata.uid)
        #expect(uid.count == 36 && pod.metadata.annotations?["kubernetes.io/config.hash"] == uid)
        // The same manifest keeps its UID (a restarted kubelet adopts it); an edit makes a new pod.
        #expect(try await scan(dir).first?.metadata.uid == uid)
        try write(dir + "/web.yaml", manifest.replacingOccurrences(of: "image: busybox", with: "image: busybox:1.35"))
        #expect(try await scan(dir).first?.metadata.uid != uid)

        let mirror = StaticPods.mirror(of: pod)
        #expect(mirror.metadata.uid == nil)
        #expect(mirror.metadata.annotations?[StaticPods.mirrorAnnotation] == uid)
        #expect(PodManager.isMirror(mirror) && !PodManager.isMirror(pod))
    }

    @Test func aSecondManifestForTheSamePodIsIgnored() async throws {
        let dir = TestPaths.temporaryDirectory("static-pods")
        defer { try? FileIO.removeTree(dir) }
        try write(dir + "/a.yaml", "metadata: {name: web}\nspec: {containers: [{name: c, image: busybox}]}\n")
        try write(dir + "/b.json", #"{"metadata": {"name": "web"}, "spec": {"containers": [{"name": "d", "image": "busybox"}]}}"#)
        let pods = try await scan(dir)
        #expect(pods.count == 1 && pods.first?.spec?.containers.first?.name == "c")
    }
}
