import Foundation
import KubeAPI
import Logging
import ControllerRuntime

/// Rolls Deployments out through ReplicaSets, as kube's deployment
/// controller: one ReplicaSet per pod template (named with its
/// `pod-template-hash`), RollingUpdate within maxSurge/maxUnavailable or
/// Recreate, revisions for `kubectl rollout history|undo`, proportional
/// scaling during a rollout, pause, progress deadline, revision history
/// clean-up, and the Available/Progressing conditions `kubectl rollout status`
/// reads. The arithmetic lives in ``RolloutMath`` and
/// ``DeploymentStatusCalculator``.
public final class DeploymentController: Controller {
    public let name = "deployment"
    let ctx: ControllerContext
    let queue = WorkQueue(name: "deployment")
    let deployments: Informer<Deployment>
    let replicaSets: Informer<ReplicaSet>
    let pods: Informer<Pod>
    let recorder: EventRecorder

    public init(_ ctx: ControllerContext) {
        self.ctx = ctx
        deployments = ctx.informers.informer(Deployment.self)
        replicaSets = ctx.informers.informer(ReplicaSet.self)
        pods = ctx.informers.informer(Pod.self)
        recorder = ctx.recorder("deployment-controller")
        replicaSets.addIndex(Indexes.controllerUID) { rs in rs.metadata.controllerRef.map { [$0.uid] } ?? [] }
        pods.addIndex(Indexes.controllerUID, Indexes.byControllerUID)
        deployments.addHandler { [queue] e in
            switch e {
            case .added(let d), .updated(_, let d), .deleted(let d): queue.add(objectKey(d))
            case .synced: break
            }
        }
        replicaSets.addHandler { [self] e in
            switch e {
            case .added(let rs), .deleted(let rs): enqueueOwner(of: rs)
            case .updated(let old, let new):
                if old.metadata.controllerRef?.uid != new.metadata.controllerRef?.uid { enqueueOwner(of: old) }
                enqueueOwner(of: new)
            case .synced: break
            }
        }
        pods.addHandler { [self] e in
            // Recreate waits for old pods to be gone.
            guard case .deleted(let p) = e, let ref = p.metadata.controllerRef, ref.kind == "ReplicaSet",
                  let rs = replicaSets.get(namespace: p.namespace, name: ref.name) else { return }
            enqueueOwner(of: rs)
        }
    }

    func enqueueOwner(of rs: ReplicaSet) {
        if let ref = rs.metadata.controllerRef {
            if ref.kind == "Deployment" { queue.add("\(rs.namespace)/\(ref.name)") }
            return
        }
        let labels = rs.metadata.labels ?? [:]
        for d in deployments.list(namespace: rs.namespace) where d.spec?.selector?.matches(labels) == true {
            queue.add(objectKey(d))
        }
    }

    public func run() async {
        await runWorkers(queue, workers: ctx.configuration.workers, logger: ctx.logger) { [self] key in try await sync(key) }
    }

    // MARK: sync

    func sync(_ key: String) async throws -> Duration? {
        guard var d = deployments.get(key: key) else { return nil }
        guard let sel = d.spec?.selector, let selector = try? LabelRequirements(sel), !selector.isEmpty else {
            recorder.record(d, .warning, reason: "SelectingAll", message: "This deployment is selecting all pods. A non-empty selector is required.")
            return nil
        }
        let rsList = try await claimReplicaSets(d, selector: selector)
        if d.metadata.deletionTimestamp != nil {
            try await syncStatusOnly(&d, rsList)
            return nil
        }
        try await checkPausedConditions(&d)
        if d.spec?.paused == true || isScalingEvent(d, rsList) {
            try await scaleSync(&d, rsList)
            return nil
        }
        if d.spec?.strategy?.type == "Recreate" {
            return try await rolloutRecreate(&d, rsList)
        }
        return try await rolloutRolling(&d, rsList)
    }

    /// Owned ReplicaSets matching the selector, after adopting and releasing.
    func claimReplicaSets(_ d: Deployment, selector: LabelRequirements) async throws -> [ReplicaSet] {
        let uid = d.metadata.uid ?? ""
        var owned: [ReplicaSet] = []
        var adopt: [ReplicaSet] = []
        for rs in replicaSets.list(namespace: d.namespace) {
            let labels = rs.metadata.labels ?? [:]
            if rs.metadata.isControlled(by: uid) {
                if selector.matches(labels) {
                    owned.append(rs)
                } else if d.metadata.deletionTimestamp == nil {
                    try await OwnerReferences.release(rs, ownerUID: uid, client: ctx.client)
                }
            } else if rs.metadata.controllerRef == nil, rs.metadata.deletionTimestamp == nil, selector.matches(labels),
                      d.metadata.deletionTimestamp == nil {
                adopt.append(rs)
            }
        }
        if !adopt.isEmpty {
            let fresh = try await ctx.client.get(Deployment.self, namespace: d.namespace, name: d.name)
            guard fresh.metadata.uid == uid, fresh.metadata.deletionTimestamp == nil else { return owned }
            for rs in adopt {
                if let a = try await OwnerReferences.adopt(rs, owner: controllerReference(to: d), client: ctx.client) { owned.append(a) }
            }
        }
        return owned
    }

    static func state(_ rs: ReplicaSet) -> ReplicaSetState {
        ReplicaSetState(name: rs.name, specReplicas: rs.spec?.replicas ?? 1, statusReplicas: rs.status?.replicas ?? 0,
                        readyReplicas: rs.status?.readyReplicas ?? 0, availableReplicas: rs.status?.availableReplicas ?? 0,
                        created: rs.metadata.creationTimestamp?.date ?? Date(timeIntervalSince1970: 0),
                        revision: Revisions.revision(of: rs.metadata),
                        maxReplicasAnnotation: rs.metadata.annotations?[Revisions.maxReplicas].flatMap { Int($0) })
    }

    static func byCreation(_ a: ReplicaSet, _ b: ReplicaSet) -> Bool {
        let x = a.metadata.creationTimestamp?.date ?? .distantPast, y = b.metadata.creationTimestamp?.date ?? .distantPast
        return x != y ? x < y : a.name < b.name
    }

    /// The ReplicaSet whose template is the Deployment's (oldest first), and the others.
    static func split(_ d: Deployment, _ rsList: [ReplicaSet]) -> (new: ReplicaSet?, old: [ReplicaSet]) {
        let template = PodTemplate.json(of: d)
        let newRS = rsList.sorted(by: byCreation).first { PodTemplate.equalIgnoringHash(template, PodTemplate.json(of: $0)) }
        return (newRS, rsList.filter { $0.metadata.uid != newRS?.metadata.uid })
    }

    func isScalingEvent(_ d: Deployment, _ rsList: [ReplicaSet]) -> Bool {
        let desired = d.spec?.replicas ?? 1
        for rs in rsList where (rs.spec?.replicas ?? 0) > 0 {
            if let a = rs.metadata.annotations?[Revisions.desiredReplicas], let n = Int(a), n != desired { return true }
        }
        return false
    }

    // MARK: writes

    func writeStatus(_ d: inout Deployment, _ status: DeploymentStatus) async throws {
        if status == d.status { return }
        let body = StatusPatch.replace(KubeCodec.encode(status), keys: ["conditions", "collisionCount"])
        let updated = try await ctx.client.patch(Deployment.self, namespace: d.namespace, name: d.name, patchType: .merge,
                                                 body: ["status": body], subresource: "status")
        d.status = updated.status
    }

    func setRevision(_ d: inout Deployment, _ revision: String) async throws {
        guard d.metadata.annotations?[Revisions.revision] != revision else { return }
        let updated = try await ctx.client.patch(Deployment.self, namespace: d.namespace, name: d.name, patchType: .merge,
                                                 body: ["metadata": ["annotations": [Revisions.revision: .string(revision)]]])
        d.metadata = updated.metadata
    }

    /// Sets the size (and replica annotations) of a ReplicaSet; true when the size changed.
    @discardableResult
    func scale(_ rs: inout ReplicaSet, to size: Int, _ d: Deployment) async throws -> Bool {
        let desired = d.spec?.replicas ?? 1
        let maxRS = desired + RolloutMath.maxSurge(d.spec?.strategy, desired: desired)
        let old = rs.spec?.replicas ?? 1
        let a = rs.metadata.annotations ?? [:]
        let annotationsStale = a[Revisions.desiredReplicas] != String(desired) || a[Revisions.maxReplicas] != String(maxRS)
        guard old != size || annotationsStale else { return false }
        var copy = rs
        copy.spec?.replicas = size
        var annotations = a
        annotations[Revisions.desiredReplicas] = String(desired)
        annotations[Revisions.maxReplicas] = String(maxRS)
        copy.metadata.annotations = annotations
        rs = try await ctx.client.update(copy)
        if old != size {
            recorder.record(d, .normal, reason: "ScalingReplicaSet",
                            message: "Scaled \(size > old ? "up" : "down") replica set \(rs.name) from \(old) to \(size)")
        }
        return old != size
    }

    /// Finds or creates the new ReplicaSet and keeps revisions in step.
    func newAndOld(_ d: inout Deployment, _ rsList: [ReplicaSet], create: Bool) async throws -> (new: ReplicaSet?, old: [ReplicaSet]) {
        let (existing, old) = Self.split(d, rsList)
        let newRevision = (old.map { Revisions.revision(of: $0.metadata) }.max() ?? 0) + 1
        let desired = d.spec?.replicas ?? 1
        let surge = RolloutMath.maxSurge(d.spec?.strategy, desired: desired)
        let now = ctx.now()
        if var rs = existing {
            let annotationsChanged = Revisions.setNewReplicaSetAnnotations(d, &rs, newRevision: newRevision, exists: true, maxSurge: surge)
            if annotationsChanged || (rs.spec?.minReadySeconds ?? 0) != (d.spec?.minReadySeconds ?? 0) {
                rs.spec?.minReadySeconds = d.spec?.minReadySeconds
                rs = try await ctx.client.update(rs)
            }
            try await setRevision(&d, rs.metadata.annotations?[Revisions.revision] ?? String(newRevision))
            if DeploymentConditions.hasProgressDeadline(d.spec), DeploymentConditions.get(d.status, DeploymentConditions.progressing) == nil {
                var s = d.status ?? DeploymentStatus()
                DeploymentConditions.set(&s, DeploymentConditions.make(DeploymentConditions.progressing, "True", DeploymentConditions.foundNewRS,
                                                                       "Found new replica set \"\(rs.name)\"", now: now))
                try await writeStatus(&d, s)
            }
            return (rs, old)
        }
        guard create else { return (nil, old) }
        var template = PodTemplate.json(of: d)
        let hash = PodTemplate.hash(template, collisionCount: d.status?.collisionCount)
        var labels = template[path: ["metadata", "labels"]]?.objectValue ?? [:]
        labels[PodTemplate.hashLabel] = .string(hash)
        template.set(path: ["metadata", "labels"], to: .object(labels))
        var selector = KubeCodec.encode(d.spec?.selector ?? LabelSelector())
        var matchLabels = selector["matchLabels"]?.objectValue ?? [:]
        matchLabels[PodTemplate.hashLabel] = .string(hash)
        selector["matchLabels"] = .object(matchLabels)
        let name = "\(d.name)-\(hash)"
        let json: JSONValue = [
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": ["name": .string(name), "namespace": .string(d.namespace), "labels": .object(labels),
                         "ownerReferences": [KubeCodec.encode(controllerReference(to: d))]],
            "spec": ["replicas": 0, "minReadySeconds": .int(Int64(d.spec?.minReadySeconds ?? 0)), "selector": selector, "template": template],
        ]
        var rs = try KubeCodec.decodeObject(ReplicaSet.self, from: json)
        let replicas = RolloutMath.newReplicaSetReplicas(strategy: d.spec?.strategy, desired: desired,
                                                         all: old.map(Self.state) + [Self.state(rs)], newRS: Self.state(rs))
        rs.spec?.replicas = replicas
        Revisions.setNewReplicaSetAnnotations(d, &rs, newRevision: newRevision, exists: false, maxSurge: surge)
        var created: ReplicaSet
        var alreadyExisted = false
        do {
            created = try await ctx.client.create(rs)
        } catch let e where e.isAlreadyExists {
            let found = try await ctx.client.get(ReplicaSet.self, namespace: d.namespace, name: name)
            if found.metadata.isControlled(by: d.metadata.uid), PodTemplate.equalIgnoringHash(PodTemplate.json(of: d), PodTemplate.json(of: found)) {
                created = found
                alreadyExisted = true
            } else {
                var s = d.status ?? DeploymentStatus()
                s.collisionCount = (s.collisionCount ?? 0) + 1
                try await writeStatus(&d, s)
                throw e
            }
        } catch {
            let msg = "Failed to create new replica set \"\(name)\": \(error)"
            if error.code == 403 { throw error }
            if DeploymentConditions.hasProgressDeadline(d.spec) {
                var s = d.status ?? DeploymentStatus()
                DeploymentConditions.set(&s, DeploymentConditions.make(DeploymentConditions.progressing, "False",
                                                                       DeploymentConditions.failedRSCreate, msg, now: now))
                try? await writeStatus(&d, s)
            }
            recorder.record(d, .warning, reason: DeploymentConditions.failedRSCreate, message: msg)
            throw error
        }
        if !alreadyExisted && replicas > 0 {
            recorder.record(d, .normal, reason: "ScalingReplicaSet", message: "Scaled up replica set \(created.name) from 0 to \(replicas)")
        }
        try await setRevision(&d, String(newRevision))
        if !alreadyExisted && DeploymentConditions.hasProgressDeadline(d.spec) {
            var s = d.status ?? DeploymentStatus()
            DeploymentConditions.set(&s, DeploymentConditions.make(DeploymentConditions.progressing, "True", DeploymentConditions.newRSCreated,
                                                                   "Created new replica set \"\(created.name)\"", now: now))
            try await writeStatus(&d, s)
        }
        return (created, old)
    }

    // MARK: strategies

    func rolloutRolling(_ d: inout Deployment, _ rsList: [ReplicaSet]) async throws -> Duration? {
        let (maybeNew, old) = try await newAndOld(&d, rsList, create: true)
        guard var newRS = maybeNew else { return nil }
        let desired = d.spec?.replicas ?? 1
        let current = newRS.spec?.replicas ?? 1
        if current != desired {
            let target = current > desired ? desired
                : RolloutMath.newReplicaSetReplicas(strategy: d.spec?.strategy, desired: desired,
                                                    all: old.map(Self.state) + [Self.state(newRS)], newRS: Self.state(newRS))
            if try await scale(&newRS, to: target, d) {
                return try await syncRolloutStatus(&d, old + [newRS], newRS)
            }
        }
        // Scale old ReplicaSets down only on statuses that reflect their
        // current sizes, or stale availability could let too many pods go.
        let settled = (old + [newRS]).allSatisfy { ($0.status?.observedGeneration ?? 0) >= ($0.metadata.generation ?? 0) }
        if !settled { return try await syncRolloutStatus(&d, old + [newRS], newRS) }
        let activeOld = old.filter { ($0.spec?.replicas ?? 0) > 0 }
        let downs = RolloutMath.scaleDownOld(strategy: d.spec?.strategy, desired: desired, old: activeOld.map(Self.state),
                                             newRS: Self.state(newRS))
        var oldAfter = old
        if !downs.isEmpty {
            for i in oldAfter.indices {
                if let size = downs[oldAfter[i].name] { try await scale(&oldAfter[i], to: size, d) }
            }
            return try await syncRolloutStatus(&d, oldAfter + [newRS], newRS)
        }
        let status = DeploymentStatusCalculator.calculate(d, all: (old + [newRS]).map(Self.state), newRS: Self.state(newRS), now: ctx.now())
        if DeploymentConditions.isComplete(desired: desired, generation: d.metadata.generation, status) {
            try await cleanup(d, old)
        }
        return try await syncRolloutStatus(&d, old + [newRS], newRS)
    }

    func rolloutRecreate(_ d: inout Deployment, _ rsList: [ReplicaSet]) async throws -> Duration? {
        var (maybeNew, old) = try await newAndOld(&d, rsList, create: false)
        var scaledDown = false
        for i in old.indices where (old[i].spec?.replicas ?? 0) > 0 {
            if try await scale(&old[i], to: 0, d) { scaledDown = true }
        }
        if scaledDown { return try await syncRolloutStatus(&d, old + (maybeNew.map { [$0] } ?? []), maybeNew) }
        if oldPodsRunning(newRS: maybeNew, old: old) {
            return try await syncRolloutStatus(&d, old + (maybeNew.map { [$0] } ?? []), maybeNew)
        }
        if maybeNew == nil {
            (maybeNew, old) = try await newAndOld(&d, rsList, create: true)
        }
        guard var newRS = maybeNew else { return nil }
        let desired = d.spec?.replicas ?? 1
        try await scale(&newRS, to: desired, d)
        let status = DeploymentStatusCalculator.calculate(d, all: (old + [newRS]).map(Self.state), newRS: Self.state(newRS), now: ctx.now())
        if DeploymentConditions.isComplete(desired: desired, generation: d.metadata.generation, status) {
            try await cleanup(d, old)
        }
        return try await syncRolloutStatus(&d, old + [newRS], newRS)
    }

    /// Old ReplicaSets still have pods that are not finished (terminating ones included).
    func oldPodsRunning(newRS: ReplicaSet?, old: [ReplicaSet]) -> Bool {
        if old.reduce(0, { $0 + ($1.status?.replicas ?? 0) }) > 0 { return true }
        for rs in old {
            for p in pods.byIndex(Indexes.controllerUID, rs.metadata.uid ?? "") where !PodState.isTerminal(p) { return true }
        }
        return false
    }

    /// Scaling only (paused deployments and replica count changes).
    func scaleSync(_ d: inout Deployment, _ rsList: [ReplicaSet]) async throws {
        var (newRS, old) = try await newAndOld(&d, rsList, create: false)
        let desired = d.spec?.replicas ?? 1
        var all = old + (newRS.map { [$0] } ?? [])
        let active = all.filter { ($0.spec?.replicas ?? 0) > 0 }
        if active.count <= 1 {
            // One active (or none: the newest) takes everything.
            let target = active.first ?? newRS ?? old.sorted(by: Self.byCreation).last
            if var t = target {
                try await scale(&t, to: desired, d)
                all = all.map { $0.metadata.uid == t.metadata.uid ? t : $0 }
            }
        } else if let n = newRS, (n.spec?.replicas ?? 0) == desired, n.metadata.annotations?[Revisions.desiredReplicas] == String(desired),
                  (n.status?.availableReplicas ?? 0) == desired {
            for i in old.indices where (old[i].spec?.replicas ?? 0) > 0 { try await scale(&old[i], to: 0, d) }
            all = old + [n]
        } else if d.spec?.strategy?.type ?? "RollingUpdate" == "RollingUpdate" {
            let surge = RolloutMath.maxSurge(d.spec?.strategy, desired: desired)
            let sizes = RolloutMath.proportionalScale(desired: desired, maxSurge: surge, active: active.map(Self.state),
                                                      fallbackAnnotated: d.status?.replicas ?? 0)
            for i in all.indices where (all[i].spec?.replicas ?? 0) > 0 {
                try await scale(&all[i], to: sizes[all[i].name] ?? (all[i].spec?.replicas ?? 0), d)
            }
            newRS = all.first { $0.metadata.uid == newRS?.metadata.uid }
            old = all.filter { $0.metadata.uid != newRS?.metadata.uid }
        }
        if d.spec?.paused == true { try await cleanup(d, old) }
        let status = DeploymentStatusCalculator.calculate(d, all: all.map(Self.state), newRS: newRS.map(Self.state), now: ctx.now())
        try await writeStatus(&d, status)
    }

    func syncStatusOnly(_ d: inout Deployment, _ rsList: [ReplicaSet]) async throws {
        let (newRS, old) = Self.split(d, rsList)
        let all = old + (newRS.map { [$0] } ?? [])
        try await writeStatus(&d, DeploymentStatusCalculator.calculate(d, all: all.map(Self.state), newRS: newRS.map(Self.state), now: ctx.now()))
    }

    func checkPausedConditions(_ d: inout Deployment) async throws {
        guard DeploymentConditions.hasProgressDeadline(d.spec) else { return }
        let cond = DeploymentConditions.get(d.status, DeploymentConditions.progressing)
        if cond?.reason == DeploymentConditions.timedOut { return }
        let pausedCond = cond?.reason == DeploymentConditions.paused
        var s = d.status ?? DeploymentStatus()
        if d.spec?.paused == true && !pausedCond {
            DeploymentConditions.set(&s, DeploymentConditions.make(DeploymentConditions.progressing, "Unknown", DeploymentConditions.paused,
                                                                   "Deployment is paused", now: ctx.now()))
        } else if d.spec?.paused != true && pausedCond {
            DeploymentConditions.set(&s, DeploymentConditions.make(DeploymentConditions.progressing, "Unknown", DeploymentConditions.resumed,
                                                                   "Deployment is resumed", now: ctx.now()))
        } else {
            return
        }
        try await writeStatus(&d, s)
    }

    func syncRolloutStatus(_ d: inout Deployment, _ all: [ReplicaSet], _ newRS: ReplicaSet?) async throws -> Duration? {
        var failure: Condition?
        for rs in (newRS.map { [$0] } ?? []) + all where failure == nil {
            if let c = rs.status?.conditions?.first(where: { $0.type == "ReplicaFailure" }) {
                var dc = DeploymentConditions.make(DeploymentConditions.replicaFailure, c.status, c.reason ?? "", c.message ?? "", now: ctx.now())
                dc.lastTransitionTime = c.lastTransitionTime ?? dc.lastTransitionTime
                failure = dc
            }
        }
        let now = ctx.now()
        let status = DeploymentStatusCalculator.rollout(d, all: all.map(Self.state), newRS: newRS.map(Self.state), replicaFailure: failure, now: now)
        if status == d.status {
            if let after = DeploymentStatusCalculator.recheckAfter(d, status, now: now) { return .milliseconds(Int64(after * 1000)) }
            return nil
        }
        try await writeStatus(&d, status)
        return nil
    }

    /// Deletes the oldest empty old ReplicaSets beyond revisionHistoryLimit.
    func cleanup(_ d: Deployment, _ old: [ReplicaSet]) async throws {
        guard let limit = d.spec?.revisionHistoryLimit else { return }
        let cleanable = old.filter { $0.metadata.deletionTimestamp == nil }
        let diff = cleanable.count - limit
        guard diff > 0 else { return }
        let sorted = cleanable.sorted { a, b in
            let x = Revisions.revision(of: a.metadata), y = Revisions.revision(of: b.metadata)
            return x != y ? x < y : Self.byCreation(a, b)
        }
        for rs in sorted.prefix(diff) {
            if (rs.status?.replicas ?? 0) != 0 || (rs.spec?.replicas ?? 0) != 0 || (rs.metadata.generation ?? 0) > (rs.status?.observedGeneration ?? 0) {
                continue
            }
            do {
                try await ctx.client.delete(ReplicaSet.self, namespace: rs.namespace, name: rs.name, options: DeleteOptions.preconditioned(uid: rs.metadata.uid))
            } catch {
                if !error.isNotFound { throw error }
            }
        }
    }
}
