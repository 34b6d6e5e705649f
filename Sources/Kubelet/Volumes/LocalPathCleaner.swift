import Foundation
public import KubeAPI
public import Logging
import LinuxSystem

/// Removes the directories of deleted local-path volumes of this node and
/// then the provisioner's finalizer, so the PersistentVolume goes: a watch
/// of PersistentVolumes (one ``Informer``), ``LocalPathCleanup/decide(_:nodeName:)``
/// for each change, the removal off the concurrency pool. A removal that
/// fails is a `VolumeFailedDelete` warning on the PV and is tried again
/// with back-off (1 s doubling to 5 min).
public actor LocalPathCleaner {
    let client: KubeClient
    let nodeName: String
    let events: PodEventRecorder
    let logger: Logger
    let remove: @Sendable (String) throws -> Void
    var informer: Informer<PersistentVolume>?
    /// Volumes being worked on (a change seen meanwhile waits for that work).
    var busy: Set<String> = []
    /// Failures in a row per volume, for the back-off.
    var failures: [String: Int] = [:]
    /// Refusals already reported (one warning per volume).
    var refused: Set<String> = []

    public init(client: KubeClient, nodeName: String, events: PodEventRecorder, logger: Logger,
                remove: (@Sendable (String) throws -> Void)? = nil) {
        self.client = client
        self.nodeName = nodeName
        self.events = events
        self.logger = logger
        self.remove = remove ?? { try FileIO.removeTree($0) }
    }

    /// Watches PersistentVolumes until cancelled.
    public func run() async {
        let informer = Informer(PersistentVolume.self, client: client, keepUnknownFields: false, logger: logger)
        self.informer = informer
        let changes = informer.events()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await informer.run() }
            for await change in changes {
                switch change {
                case .added(let pv), .updated(_, let pv): consider(pv)
                case .deleted(let pv):
                    failures[pv.metadata.name ?? ""] = nil
                    refused.remove(pv.metadata.name ?? "")
                case .synced: break
                }
            }
            group.cancelAll()
        }
    }

    /// Starts the clean-up of `pv` when it is this node's to do.
    func consider(_ pv: PersistentVolume) {
        let name = pv.metadata.name ?? ""
        guard !busy.contains(name) else { return }
        switch LocalPathCleanup.decide(pv, nodeName: nodeName) {
        case .notOurs:
            return
        case .refuse(let why):
            if refused.insert(name).inserted {
                logger.warning("local-path volume \(name): \(why)")
                events.record(object: Self.reference(pv), type: "Warning", reason: "VolumeFailedDelete", why)
            }
        case .removeDirectory(let path):
            busy.insert(name)
            Task { await self.clean(name, path: path) }
        }
    }

    /// Removes the directory, then the finalizer; on failure reports and retries later.
    func clean(_ name: String, path: String) async {
        let remove = self.remove
        do {
            try await Blocking.run { try remove(path) }
            var current = informer?.get(namespace: nil, name: name)
            if current == nil { current = try? await client.get(PersistentVolume.self, name: name) }
            guard let current, let patch = LocalPathCleanup.finalizerRemoval(current) else {
                busy.remove(name)
                return
            }
            try await client.patchDiscardingResult(PersistentVolume.self, name: name, type: .json, patch)
            logger.info("local-path volume \(name): removed \(path)")
            failures[name] = nil
            busy.remove(name)
        } catch {
            if (error as? KubeClientError)?.isNotFound == true {
                busy.remove(name)
                return
            }
            let count = (failures[name] ?? 0) + 1
            failures[name] = count
            let delay = min(pow(2.0, Double(count - 1)), 300)
            logger.warning("local-path volume \(name): \(error); trying again in \(Int(delay)) s")
            if let pv = informer?.get(namespace: nil, name: name) {
                events.record(object: Self.reference(pv), type: "Warning", reason: "VolumeFailedDelete", "\(error)")
            }
            try? await Task.sleep(for: .seconds(delay))
            busy.remove(name)
            if let pv = informer?.get(namespace: nil, name: name) { consider(pv) }
        }
    }

    static func reference(_ pv: PersistentVolume) -> ObjectReference {
        var ref = ObjectReference(kind: "PersistentVolume", namespace: nil, name: pv.metadata.name, uid: pv.metadata.uid)
        ref.apiVersion = "v1"
        return ref
    }
}
