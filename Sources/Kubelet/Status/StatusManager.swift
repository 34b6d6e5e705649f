import Foundation
public import KubeAPI
public import Logging

/// Keeps the API server's view of each pod's status current: every update
/// gets a version, a per-pod sender always sends the newest version (so a
/// stale status never overwrites a newer one), and only the top-level
/// status fields that changed since the last successful write are patched.
public actor StatusManager {
    let client: KubeClient
    let logger: Logger

    struct Entry {
        var pod: Pod
        var status: PodStatus
        var version: Int
        var sentVersion: Int
        var sent: JSONValue?
        var sending: Bool
    }

    var entries: [String: Entry] = [:]
    var version = 0

    public init(client: KubeClient, logger: Logger = Logger(label: "kubelet.status")) {
        self.client = client
        self.logger = logger
    }

    /// Records `status` for `pod` and makes sure it gets written.
    public func set(_ pod: Pod, _ status: PodStatus) {
        guard let uid = pod.metadata.uid else { return }
        version += 1
        if var e = entries[uid] {
            e.pod = pod
            e.status = status
            e.version = version
            entries[uid] = e
        } else {
            entries[uid] = Entry(pod: pod, status: status, version: version, sentVersion: 0, sent: pod.status.map { KubeCodec.encode($0) }, sending: false)
        }
        guard entries[uid]?.sending == false else { return }
        entries[uid]?.sending = true
        Task { await self.send(uid) }
    }

    /// The last status recorded for a pod.
    public func status(of uid: String) -> PodStatus? { entries[uid]?.status }

    /// Sends the whole status again at the next write (the object on the API
    /// server was replaced, as a static pod's mirror is when recreated).
    public func resend(_ uid: String) {
        guard var e = entries[uid] else { return }
        version += 1
        e.sent = nil
        e.version = version
        entries[uid] = e
        guard e.sending == false else { return }
        entries[uid]?.sending = true
        Task { await self.send(uid) }
    }

    /// Forgets a pod (deleted).
    public func forget(_ uid: String) { entries[uid] = nil }

    func send(_ uid: String) async {
        var failures = 0
        while let e = entries[uid], e.version > e.sentVersion {
            let encoded = KubeCodec.encode(e.status)
            let patch = StatusManager.mergePatch(from: e.sent, to: encoded)
            if patch.isEmpty {
                entries[uid]?.sentVersion = e.version
                continue
            }
            do {
                try await client.patchDiscardingResult(Pod.self, name: e.pod.metadata.name ?? "", namespace: e.pod.metadata.namespace,
                                                       type: .merge, .object(["status": .object(patch)]), subresource: "status")
                entries[uid]?.sentVersion = e.version
                entries[uid]?.sent = encoded
                failures = 0
            } catch {
                if error.isNotFound {
                    entries[uid] = nil
                    return
                }
                failures += 1
                logger.warning("status of pod \(e.pod.metadata.namespace ?? "")/\(e.pod.metadata.name ?? ""): \(error)")
                try? await Task.sleep(for: .milliseconds(min(200 * (1 << min(failures, 6)), 10_000)))
            }
        }
        entries[uid]?.sending = false
    }

    /// Top-level status fields that differ (lists and objects are replaced whole).
    static func mergePatch(from old: JSONValue?, to new: JSONValue) -> [String: JSONValue] {
        guard case .object(let n) = new else { return [:] }
        let o: [String: JSONValue]
        if case .object(let x)? = old { o = x } else { o = [:] }
        var patch: [String: JSONValue] = [:]
        for (k, v) in n where o[k] != v { patch[k] = v }
        for k in o.keys where n[k] == nil { patch[k] = .null }
        return patch
    }
}
