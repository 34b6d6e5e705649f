import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Why the volumes of a pod could not be bound; the pod goes back to the queue.
public struct VolumeBindingError: Error, Sendable, CustomStringConvertible {
    public var message: String
    /// The pod was deleted meanwhile: no retry, no event.
    public var podGone = false
    public init(_ message: String, podGone: Bool = false) {
        self.message = message
        self.podGone = podGone
    }
    public var description: String { message }
}

/// VolumeBinding's PreBind, run in the pod's background binding task before
/// `pods/NAME/binding`: writes the planned bindings (a static volume's
/// `claimRef`, a provisioned claim's `selected-node`), then waits until the
/// PV controller (and the provisioner) have bound every claim, as upstream's
/// BindPodVolumes. On failure it takes back what it wrote when nobody has
/// built on it yet (the claim is still unbound), so the next attempt may
/// choose another node.
struct VolumeBinder: Sendable {
    let client: any ClusterClient
    let claims: Informer<PersistentVolumeClaim>
    let volumes: Informer<PersistentVolume>
    let pods: Informer<Pod>
    let nodes: Informer<Node>
    /// Rung on every claim and volume event; waits re-check then.
    let bell: Doorbell
    let timeout: Duration
    let logger: Logger

    /// Binds the planned volumes of `pod` on `node` and waits for the claims.
    func bind(_ pod: Pod, node: String, _ plan: PodVolumes) async throws(VolumeBindingError) {
        var written = PodVolumes()
        do throws(VolumeBindingError) {
            for b in plan.staticBindings {
                let updated: PersistentVolume
                do { updated = try await client.update(b.volume, subresource: nil) } catch {
                    throw VolumeBindingError("binding persistentvolume \"\(b.volume.metadata.name ?? "")\" to claim: \(error)")
                }
                written.staticBindings.append(StaticBinding(claim: b.claim, volume: updated))
            }
            for c in plan.provisions {
                let patch: JSONValue = ["metadata": ["annotations": [StorageNames.selectedNode: .string(node)]]]
                let updated: PersistentVolumeClaim
                do {
                    updated = try await client.patch(PersistentVolumeClaim.self, namespace: c.metadata.namespace, name: c.metadata.name ?? "",
                                                     patchType: .merge, body: patch, subresource: nil)
                } catch {
                    throw VolumeBindingError("selecting node for persistentvolumeclaim \"\(c.metadata.name ?? "")\": \(error)")
                }
                written.provisions.append(updated)
            }
            try await waitForBindings(pod, node: node, written)
        } catch {
            await revert(written, node: node)
            throw error
        }
    }

    /// Polls the informers' (API) state, woken by claim and volume events,
    /// until every claim is bound, a check fails or the timeout passes.
    func waitForBindings(_ pod: Pod, node: String, _ written: PodVolumes) async throws(VolumeBindingError) {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let pending = try check(pod, node: node, written) {
                if ContinuousClock.now >= deadline {
                    throw VolumeBindingError("timed out waiting for persistentvolumeclaim \"\(pending)\" to be bound (\(Self.format(timeout)))")
                }
                if Task.isCancelled { throw VolumeBindingError("scheduler stopping") }
                await bell.wait(until: min(deadline, ContinuousClock.now + .seconds(1)))
                continue
            }
            return
        }
    }

    /// `600s`, `300ms`.
    static func format(_ d: Duration) -> String {
        let (s, atto) = d.components
        return atto == 0 ? "\(s)s" : "\(s * 1000 + atto / 1_000_000_000_000_000)ms"
    }

    /// Nil when every claim is bound, else the name of one that is not yet;
    /// throws when binding cannot succeed any more (upstream's checkBindings).
    func check(_ pod: Pod, node: String, _ written: PodVolumes) throws(VolumeBindingError) -> String? {
        let ns = pod.metadata.namespace ?? ""
        guard pods.get(namespace: ns, name: pod.metadata.name ?? "") != nil else {
            throw VolumeBindingError("pod does not exist any more", podGone: true)
        }
        let labels = nodes.get(namespace: nil, name: node)?.metadata.labels ?? [:]
        for b in written.staticBindings {
            let name = b.volume.metadata.name ?? ""
            guard let pv = volumes.get(namespace: nil, name: name) else {
                throw VolumeBindingError("failed to check binding: persistentvolume \"\(name)\" not found")
            }
            let claimName = b.claim.metadata.name ?? ""
            guard let pvc = claims.get(namespace: ns, name: claimName) else {
                throw VolumeBindingError("failed to check binding: persistentvolumeclaim \"\(claimName)\" not found")
            }
            // Our update not seen yet.
            if VolumeCache.version(pv.metadata) < VolumeCache.version(b.volume.metadata) { return claimName }
            if !VolumeMatching.nodeAffinityMatches(pv, node: VolumeMatching.Node(name: node, labels: labels)) {
                throw VolumeBindingError("pv \"\(name)\" node affinity doesn't match node \"\(node)\"")
            }
            if (pv.spec?.claimRef?.uid ?? "").isEmpty { throw VolumeBindingError("ClaimRef got reset for pv \"\(name)\"") }
            if !VolumeBindingPlan.isFullyBound(pvc) { return claimName }
        }
        for c in written.provisions {
            let claimName = c.metadata.name ?? ""
            guard let pvc = claims.get(namespace: ns, name: claimName) else {
                throw VolumeBindingError("failed to check provisioning pvc: persistentvolumeclaim \"\(claimName)\" not found")
            }
            if VolumeCache.version(pvc.metadata) < VolumeCache.version(c.metadata) { return claimName }
            // The provisioner takes the annotation away when it cannot provision there.
            if pvc.metadata.annotations?[StorageNames.selectedNode] != node {
                throw VolumeBindingError("provisioning failed for PVC \"\(claimName)\"")
            }
            if let vn = pvc.spec?.volumeName, !vn.isEmpty {
                // A volume not seen yet is waited for.
                guard let pv = volumes.get(namespace: nil, name: vn) else { return claimName }
                if !VolumeMatching.nodeAffinityMatches(pv, node: VolumeMatching.Node(name: node, labels: labels)) {
                    throw VolumeBindingError("pv \"\(vn)\" node affinity doesn't match node \"\(node)\"")
                }
            }
            if !VolumeBindingPlan.isFullyBound(pvc) { return claimName }
        }
        return nil
    }

    /// Takes back what `bind` wrote, where the claim is still unbound: the
    /// volume's `claimRef` (and `bound-by-controller`) when it still names the
    /// claim, the claim's `selected-node` when it still names the node.
    /// Best effort: a conflict means someone else moved on, which wins.
    func revert(_ written: PodVolumes, node: String) async {
        for b in written.staticBindings {
            let name = b.volume.metadata.name ?? ""
            do {
                let claim = try await client.get(PersistentVolumeClaim.self, namespace: b.claim.metadata.namespace, name: b.claim.metadata.name ?? "")
                if !(claim.spec?.volumeName ?? "").isEmpty { continue }
                var pv = try await client.get(PersistentVolume.self, namespace: nil, name: name)
                guard pv.spec?.claimRef?.uid == b.claim.metadata.uid else { continue }
                pv.spec?.claimRef = nil
                pv.metadata.annotations?[StorageNames.boundByController] = nil
                _ = try await client.update(pv, subresource: nil)
            } catch {
                logger.debug("taking back the claimRef of persistentvolume \(name): \(error)")
            }
        }
        for c in written.provisions {
            let name = c.metadata.name ?? ""
            do {
                let claim = try await client.get(PersistentVolumeClaim.self, namespace: c.metadata.namespace, name: name)
                guard (claim.spec?.volumeName ?? "").isEmpty, claim.metadata.annotations?[StorageNames.selectedNode] == node else { continue }
                // The resourceVersion makes the removal conditional on nobody having changed the claim since.
                let patch: JSONValue = ["metadata": ["resourceVersion": .string(claim.metadata.resourceVersion ?? ""),
                                                     "annotations": [StorageNames.selectedNode: .null]]]
                _ = try await client.patch(PersistentVolumeClaim.self, namespace: c.metadata.namespace, name: name, patchType: .merge,
                                           body: patch, subresource: nil)
            } catch {
                logger.debug("taking back the selected node of persistentvolumeclaim \(c.metadata.namespace ?? "")/\(name): \(error)")
            }
        }
    }
}
