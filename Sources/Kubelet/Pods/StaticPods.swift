import Foundation
public import KubeAPI
public import Logging
import Runtime
import Yams

/// Static pods: manifests in a directory (`--pod-manifest-path`), run on
/// this node and mirrored to the API server (annotation
/// `kubernetes.io/config.mirror`) so `kubectl get pods` shows them. A file
/// removed takes its mirror pod (and so its containers) with it.
public struct StaticPods: Sendable {
    let directory: String
    let nodeName: String
    let client: KubeClient
    let logger: Logger

    public init(directory: String, nodeName: String, client: KubeClient, logger: Logger) {
        self.directory = directory
        self.nodeName = nodeName
        self.client = client
        self.logger = logger
    }

    public func run() async {
        var mirrored: [String: String] = [:] // file → namespace/name
        while !Task.isCancelled {
            var seen: Set<String> = []
            for file in ((try? FileIO.listDirectory(directory)) ?? []).sorted()
            where file.hasSuffix(".yaml") || file.hasSuffix(".yml") || file.hasSuffix(".json") {
                seen.insert(file)
                do {
                    let pod = try load(directory + "/" + file)
                    let key = "\(pod.metadata.namespace ?? "default")/\(pod.metadata.name ?? "")"
                    mirrored[file] = key
                    try await mirror(pod)
                } catch {
                    logger.warning("static pod \(file): \(error)")
                }
            }
            for (file, key) in mirrored where !seen.contains(file) {
                let parts = key.split(separator: "/", maxSplits: 1).map(String.init)
                try? await client.delete(Pod.self, name: parts[1], namespace: parts[0])
                mirrored[file] = nil
            }
            try? await Task.sleep(for: .seconds(5))
        }
    }

    /// A manifest as a pod bound to this node, named NAME-NODE like the kubelet does.
    func load(_ path: String) throws -> Pod {
        let text = try FileIO.read(path)
        let object = try Yams.load(yaml: text)
        let data = try JSONSerialization.data(withJSONObject: object ?? [:])
        var pod = try KubeCodec.decodeObject(Pod.self, from: data)
        pod.metadata.name = "\(pod.metadata.name ?? "static")-\(nodeName)"
        pod.metadata.namespace = pod.metadata.namespace ?? "default"
        var annotations = pod.metadata.annotations ?? [:]
        annotations["kubernetes.io/config.source"] = "file"
        annotations["kubernetes.io/config.mirror"] = "static"
        pod.metadata.annotations = annotations
        pod.spec?.nodeName = nodeName
        return pod
    }

    func mirror(_ pod: Pod) async throws {
        do {
            _ = try await client.get(Pod.self, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace)
        } catch {
            guard error.isNotFound else { throw error }
            _ = try await client.create(pod, namespace: pod.metadata.namespace)
            logger.info("static pod \(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "") mirrored to the API server")
        }
    }
}
