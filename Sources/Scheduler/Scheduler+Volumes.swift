import KubeAPI
import Synchronization

/// Claims, volumes and classes: the informers' events feed the volume cache
/// and retry unschedulable pods (a claim bound, a volume made, a class
/// created may let them fit); bindings waiting on claims are woken.
extension Scheduler {
    func onClaim(_ e: InformerEvent<PersistentVolumeClaim>) {
        post(.claim(e, at: now()))
        volumeBell.ring()
    }

    func onVolume(_ e: InformerEvent<PersistentVolume>) {
        post(.volume(e, at: now()))
        volumeBell.ring()
    }

    func onStorageClass(_ e: InformerEvent<StorageClass>) { post(.storageClass(e, at: now())) }

    func apply(_ e: InformerEvent<PersistentVolumeClaim>, at t: Double, to c: inout Core) {
        applyVolumeEvent(e, at: t, to: &c, upsert: { $0.upsert($1) }, remove: { $0.remove($1) })
    }

    func apply(_ e: InformerEvent<PersistentVolume>, at t: Double, to c: inout Core) {
        applyVolumeEvent(e, at: t, to: &c, upsert: { $0.upsert($1) }, remove: { $0.remove($1) })
    }

    func apply(_ e: InformerEvent<StorageClass>, at t: Double, to c: inout Core) {
        applyVolumeEvent(e, at: t, to: &c, upsert: { $0.upsert($1) }, remove: { $0.remove($1) })
    }

    /// A claim, volume or class into the cache; a change retries the unschedulable pods.
    private func applyVolumeEvent<T: KubeObject>(_ e: InformerEvent<T>, at t: Double, to c: inout Core,
                                                 upsert: (inout VolumeCache, T) -> Void, remove: (inout VolumeCache, T) -> Void) {
        switch e {
        case .added(let o), .updated(_, let o):
            upsert(&c.cache.volumes, o)
            if c.queue.unschedulableCount > 0 { c.queue.moveAllToActiveOrBackoff(now: t) }
        case .deleted(let o): remove(&c.cache.volumes, o)
        case .synced: break
        }
    }

    /// VolumeBinding's PreBind for an assumed pod; false when it failed (the
    /// pod is forgotten and requeued, or dropped when it was deleted). While
    /// it waits for claims the binding holds no slot, so provisioning that
    /// takes long never stalls the scheduling loop.
    func preBindVolumes(_ info: PodInfo, node: String, _ volumes: PodVolumes) async -> Bool {
        volumeWaits.add(1, ordering: .relaxed)
        slotBell.ring()
        defer { volumeWaits.subtract(1, ordering: .relaxed) }
        do {
            try await volumeBinder.bind(info.pod, node: node, volumes)
            return true
        } catch {
            metrics.error()
            post(.volumesReverted(volumes))
            post(.bindingFailed(key: info.key, gone: error.podGone, at: now()))
            if !error.podGone {
                logger.info("binding the volumes of \(info.key) on \(node) failed: \(error)")
                events.record(info.pod, .warning, reason: "FailedScheduling",
                              message: "running PreBind plugin \"VolumeBinding\": binding volumes: \(error.message)")
            }
            return false
        }
    }
}
