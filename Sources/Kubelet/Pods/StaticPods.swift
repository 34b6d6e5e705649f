import Foundation
public import KubeAPI
public import Logging
import Crypto
import Runtime
import LinuxSystem

/// Static pods: manifests in a directory (`--pod-manifest-path`) that this
/// kubelet runs on its own authority, whether or not the API server is
/// reachable. Each gets a UID derived from the node, the file and its
/// content (so an edited manifest is a new pod and a restarted kubelet
/// finds the same UID), and a read-only mirror pod on the API server
/// (annotation `kubernetes.io/config.mirror`) that carries its status for
/// `kubectl get pods`. Deleting the mirror does not stop the pod; removing
/// the file does.
public struct StaticPods: Sendable {
    /// The annotation a mirror pod carries: the static pod's hash (its UID here).
    public static let mirrorAnnotation = "kubernetes.io/config.mirror"
    static let hashAnnotation = "kubernetes.io/config.hash"

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

    /// The manifests as pods bound to this node; a file that does not parse
    /// is logged and skipped (it never stops the others).
    public func scan() -> [Pod] {
        var pods: [Pod] = []
        var names: Set<String> = []
        for file in ((try? FileIO.listDirectory(directory)) ?? []).sorted()
        where !file.hasPrefix(".") && (file.hasSuffix(".yaml") || file.hasSuffix(".yml") || file.hasSuffix(".json")) {
            do {
                let pod = try load(directory + "/" + file)
                let key = "\(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "")"
                guard names.insert(key).inserted else {
                    logger.warning("static pod \(file): another manifest already defines pod \(key); ignoring this one")
                    continue
                }
                pods.append(pod)
            } catch {
                logger.warning("static pod \(directory)/\(file): \(error)")
            }
        }
        return pods
    }

    /// Rescans the directory every few seconds, hands the pods to the pod
    /// manager and keeps their mirror pods in step with the manifests.
    public func run(pods: PodManager, interval: Duration = .seconds(5)) async {
        while !Task.isCancelled {
            let current = scan()
            await pods.setStaticPods(current)
            for uid in await syncMirrors(current) { await pods.mirrorCreated(staticUID: uid) }
            try? await Task.sleep(for: interval)
        }
    }

    /// Creates missing mirrors, replaces those of an older manifest, and
    /// deletes mirrors whose manifest is gone. Returns the static pods whose
    /// mirror it created.
    func syncMirrors(_ current: [Pod]) async -> [String] {
        let wanted = Dictionary(current.map { ("\($0.metadata.namespace ?? "")/\($0.metadata.name ?? "")", $0) }, uniquingKeysWith: { a, _ in a })
        let existing: [Pod]
        do {
            existing = try await client.list(Pod.self, namespace: "", options: ListOptions(fieldSelector: "spec.nodeName=\(nodeName)")).items
                .filter { $0.metadata.annotations?[Self.mirrorAnnotation] != nil }
        } catch {
            logger.debug("static pods: cannot list mirror pods: \(error)")
            return []
        }
        var created: [String] = []
        var present: Set<String> = []
        for mirror in existing {
            let key = "\(mirror.metadata.namespace ?? "")/\(mirror.metadata.name ?? "")"
            if let pod = wanted[key], mirror.metadata.annotations?[Self.mirrorAnnotation] == pod.metadata.uid,
               mirror.metadata.deletionTimestamp == nil {
                present.insert(key)
                continue
            }
            // A mirror of an edited or removed manifest, or one a user deleted
            // (it goes at once; the static pod keeps running and is mirrored again).
            present.insert(key)
            _ = try? await client.delete(Pod.self, name: mirror.metadata.name ?? "", namespace: mirror.metadata.namespace,
                                     options: DeleteOptions(gracePeriodSeconds: 0))
        }
        for (key, pod) in wanted where !present.contains(key) {
            do {
                _ = try await client.create(Self.mirror(of: pod), namespace: pod.metadata.namespace)
                created.append(pod.metadata.uid ?? "")
                logger.info("static pod \(key) mirrored to the API server")
            } catch {
                if !error.isConflict { logger.debug("static pod \(key): mirror: \(error)") }
            }
        }
        return created
    }

    /// A manifest as a pod bound to this node, named NAME-NODE like the kubelet does.
    func load(_ path: String) throws -> Pod {
        let text = try FileIO.read(path)
        guard let object = try YAMLDecoding.decode(text), object.objectValue != nil else {
            throw RuntimeError.other("not a YAML or JSON object")
        }
        var pod = try KubeCodec.decodeObject(Pod.self, from: object)
        guard pod.kind == nil || pod.kind == "Pod" else { throw RuntimeError.other("kind \(pod.kind ?? "") is not Pod") }
        guard let name = pod.metadata.name, !name.isEmpty else { throw RuntimeError.other("metadata.name is required") }
        guard pod.spec?.containers.isEmpty == false else { throw RuntimeError.other("spec.containers is required") }
        pod.metadata.name = "\(name)-\(nodeName)"
        pod.metadata.namespace = pod.metadata.namespace ?? "default"
        let uid = Self.uid(nodeName: nodeName, path: path, content: text)
        pod.metadata.uid = uid
        var annotations = pod.metadata.annotations ?? [:]
        annotations["kubernetes.io/config.source"] = "file"
        annotations[Self.hashAnnotation] = uid
        pod.metadata.annotations = annotations
        pod.spec?.nodeName = nodeName
        if pod.spec?.restartPolicy == nil { pod.spec?.restartPolicy = "Always" }
        return pod
    }

    /// The mirror pod the API server shows for a static pod.
    static func mirror(of pod: Pod) -> Pod {
        var mirror = pod
        mirror.metadata.uid = nil
        mirror.metadata.resourceVersion = nil
        mirror.metadata.annotations?[mirrorAnnotation] = pod.metadata.uid
        mirror.status = nil
        return mirror
    }

    /// A stable UID (UUID form) for a manifest on a node.
    static func uid(nodeName: String, path: String, content: String) -> String {
        let digest = Array(SHA256.hash(data: Array("\(nodeName)\n\(path)\n\(content)".utf8)))
        let hex = digest.prefix(16).map { String(format: "%02x", $0) }.joined()
        let c = Array(hex)
        return "\(String(c[0..<8]))-\(String(c[8..<12]))-\(String(c[12..<16]))-\(String(c[16..<20]))-\(String(c[20..<32]))"
    }
}
