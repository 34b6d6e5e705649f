import Foundation
import KubeAPI
import Testing
@testable import Controllers

/// StatefulSet decisions with fixtures: ordinal order, Parallel, scaling
/// down, failed pods, partitioned and maxUnavailable updates, claims and
/// their retention, and the revision history.
@Suite struct StatefulSetPlannerTests {
    let now = Date(timeIntervalSince1970: 10_000)

    func set(replicas: Int = 3, policy: String = "OrderedReady", partition: Int = 0, maxUnavailable: IntOrString? = nil,
             start: Int? = nil, retention: StatefulSetPersistentVolumeClaimRetentionPolicy? = nil, strategy: String = "RollingUpdate") -> StatefulSet {
        var s = StatefulSet(metadata: ObjectMeta(name: "web", namespace: "default"))
        s.metadata.uid = "uid-web"
        s.metadata.generation = 2
        var spec = StatefulSetSpec()
        spec.replicas = replicas
        spec.serviceName = "nginx"
        spec.podManagementPolicy = policy
        spec.selector = LabelSelector(matchLabels: ["app": "web"])
        spec.template = PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "web"]),
                                        spec: PodSpec(containers: [Container(name: "c", image: "nginx:1")]))
        var claim = PersistentVolumeClaim(metadata: ObjectMeta(name: "data", labels: ["tier": "db"]))
        var claimSpec = PersistentVolumeClaimSpec()
        claimSpec.accessModes = ["ReadWriteOnce"]
        claim.spec = claimSpec
        spec.volumeClaimTemplates = [claim]
        var st = StatefulSetUpdateStrategy()
        st.type = strategy
        if strategy == "RollingUpdate" {
            var ru = RollingUpdateStatefulSetStrategy()
            ru.partition = partition
            ru.maxUnavailable = maxUnavailable
            st.rollingUpdate = ru
        }
        spec.updateStrategy = st
        spec.ordinals = start.map { StatefulSetOrdinals(start: $0) }
        spec.persistentVolumeClaimRetentionPolicy = retention ?? StatefulSetPersistentVolumeClaimRetentionPolicy(whenDeleted: "Retain", whenScaled: "Retain")
        s.spec = spec
        return s
    }

    let revs = StatefulSetPlanner.Revisions(current: "web-old", currentTemplate: ["metadata": ["labels": ["app": "web"]],
                                                                                  "spec": ["containers": [["name": "c", "image": "nginx:0"]]]],
                                            update: "web-new", updateTemplate: ["metadata": ["labels": ["app": "web"]],
                                                                                "spec": ["containers": [["name": "c", "image": "nginx:1"]]]])

    func pod(_ ordinal: Int, rev: String = "web-new", ready: Bool = true, phase: String = "Running", deleting: Bool = false) -> Pod {
        var p = Make.pod("web-\(ordinal)", labels: ["app": "web", ControllerHistory.revisionHashLabel: rev, StatefulSetIdentity.podNameLabel: "web-\(ordinal)",
                                                 StatefulSetIdentity.podIndexLabel: String(ordinal)], ready: ready, phase: phase, deleting: deleting)
        p.metadata.ownerReferences = [controllerReference(to: set())]
        return p
    }

    func created(_ plan: StatefulSetPlan) -> [String] {
        plan.actions.compactMap { if case .createPod(let p, _) = $0 { return p.metadata.name } else { return nil } }
    }

    func deleted(_ plan: StatefulSetPlan) -> [String] {
        plan.actions.compactMap { if case .deletePod(let p, _) = $0 { return p.metadata.name } else { return nil } }
    }

    @Test func orderedReadyCreatesTheFirstPodWithItsIdentityAndClaim() throws {
        let plan = try StatefulSetPlanner.plan(set(), pods: [], claims: [:], revisions: revs, now: now)
        #expect(plan.actions.count == 1)
        guard case .createPod(let p, let claims)? = plan.actions.first else { Issue.record("no pod"); return }
        #expect(p.metadata.name == "web-0" && p.metadata.generateName == nil)
        #expect(p.spec?.hostname == "web-0" && p.spec?.subdomain == "nginx")
        #expect(p.metadata.labels?[StatefulSetIdentity.podNameLabel] == "web-0")
        #expect(p.metadata.labels?[StatefulSetIdentity.podIndexLabel] == "0")
        #expect(p.metadata.labels?[ControllerHistory.revisionHashLabel] == "web-new")
        #expect(p.spec?.containers.first?.image == "nginx:1")
        #expect(p.spec?.volumes?.first { $0.name == "data" }?.persistentVolumeClaim?.claimName == "data-web-0")
        #expect(claims.map { $0.metadata.name } == ["data-web-0"])
        // The claim has the template's labels and the selector's; Retain/Retain gives it no owner.
        #expect(claims.first?.metadata.labels == ["tier": "db", "app": "web"])
        #expect(claims.first?.metadata.ownerReferences == nil)
        #expect(p.metadata.controllerRef?.kind == "StatefulSet")
    }

    @Test func orderedReadyWaitsForEachPodToBeRunningAndReady() throws {
        let s = set()
        var plan = try StatefulSetPlanner.plan(s, pods: [pod(0, ready: false, phase: "Pending")], claims: [:], revisions: revs, now: now)
        // A pending pod whose claim is missing gets it again, and nothing else happens.
        #expect(plan.actions == [.createClaims(StatefulSetIdentity.claims(s, ordinal: 0), pod: "web-0")])
        plan = try StatefulSetPlanner.plan(s, pods: [pod(0)], claims: [:], revisions: revs, now: now)
        #expect(created(plan) == ["web-1"])
        plan = try StatefulSetPlanner.plan(s, pods: [pod(0), pod(1, deleting: true)], claims: [:], revisions: revs, now: now)
        #expect(plan.actions.isEmpty)
    }

    @Test func minReadySecondsHoldsTheNextPodUntilAvailable() throws {
        var s = set()
        s.spec?.minReadySeconds = 30
        var p0 = pod(0)
        p0.status?.conditions?[0].lastTransitionTime = Timestamp(now.addingTimeInterval(-10))
        let plan = try StatefulSetPlanner.plan(s, pods: [p0], claims: [:], revisions: revs, now: now)
        #expect(plan.actions.isEmpty)
        #expect(plan.recheckAfter.map { abs($0 - 20) < 0.01 } == true)
        #expect(plan.status.readyReplicas == 1 && plan.status.availableReplicas == 0)
    }

    @Test func parallelCreatesEveryMissingPodAtOnce() throws {
        let plan = try StatefulSetPlanner.plan(set(policy: "Parallel"), pods: [pod(1, ready: false, phase: "Pending")], claims: [:],
                                               revisions: revs, now: now)
        #expect(created(plan) == ["web-0", "web-2"])
    }

    @Test func ordinalsStartNamesThePods() throws {
        let plan = try StatefulSetPlanner.plan(set(start: 5), pods: [pod(5)], claims: [:], revisions: revs, now: now)
        #expect(created(plan) == ["web-6"])
    }

    @Test func scalingDownRemovesTheHighestFirstOneAtATime() throws {
        let pods = [pod(0), pod(1), pod(2), pod(3)]
        var plan = try StatefulSetPlanner.plan(set(replicas: 1), pods: pods, claims: [:], revisions: revs, now: now)
        #expect(deleted(plan) == ["web-3"])
        plan = try StatefulSetPlanner.plan(set(replicas: 1), pods: [pod(0), pod(1), pod(2), pod(3, deleting: true)], claims: [:],
                                           revisions: revs, now: now)
        #expect(plan.actions.isEmpty)
        plan = try StatefulSetPlanner.plan(set(replicas: 1, policy: "Parallel"), pods: pods, claims: [:], revisions: revs, now: now)
        #expect(deleted(plan) == ["web-3", "web-2", "web-1"])
    }

    @Test func failedAndFinishedPodsAreDeletedToBeRecreated() throws {
        let plan = try StatefulSetPlanner.plan(set(), pods: [pod(0), pod(1, ready: false, phase: "Failed")], claims: [:],
                                               revisions: revs, now: now)
        #expect(plan.actions.count == 1)
        guard case .deletePod(let p, let reason)? = plan.actions.first else { Issue.record("no delete"); return }
        #expect(p.metadata.name == "web-1" && reason == .failed)
    }

    @Test func rollingUpdateGoesFromTheHighestOrdinalDownToThePartition() throws {
        let s = set(partition: 1)
        let old = [pod(0, rev: "web-old"), pod(1, rev: "web-old"), pod(2, rev: "web-old")]
        var plan = try StatefulSetPlanner.plan(s, pods: old, claims: [:], revisions: revs, now: now)
        #expect(deleted(plan) == ["web-2"])
        // web-2 is back at the new revision but not ready: wait.
        plan = try StatefulSetPlanner.plan(s, pods: [old[0], old[1], pod(2, ready: false)], claims: [:], revisions: revs, now: now)
        #expect(plan.actions.isEmpty)
        plan = try StatefulSetPlanner.plan(s, pods: [old[0], old[1], pod(2)], claims: [:], revisions: revs, now: now)
        #expect(deleted(plan) == ["web-1"])
        // Ordinals below the partition keep the current revision, also when recreated.
        plan = try StatefulSetPlanner.plan(s, pods: [old[1], pod(2)], claims: [:], revisions: revs, now: now)
        guard case .createPod(let p, _)? = plan.actions.first else { Issue.record("no create"); return }
        #expect(p.metadata.name == "web-0" && p.metadata.labels?[ControllerHistory.revisionHashLabel] == "web-old")
        #expect(p.spec?.containers.first?.image == "nginx:0")
        // Everything at or above the partition updated: done.
        plan = try StatefulSetPlanner.plan(s, pods: [old[0], pod(1), pod(2)], claims: [:], revisions: revs, now: now)
        #expect(plan.actions.isEmpty)
        #expect(plan.status.updatedReplicas == 2 && plan.status.currentReplicas == 1 && plan.status.currentRevision == "web-old")
    }

    @Test func maxUnavailableUpdatesSeveralPodsAtOnce() throws {
        let old = (0..<4).map { pod($0, rev: "web-old") }
        var plan = try StatefulSetPlanner.plan(set(replicas: 4, maxUnavailable: .int(2)), pods: old, claims: [:], revisions: revs, now: now)
        #expect(deleted(plan) == ["web-3", "web-2"])
        // One pod already down counts against the budget (Parallel: OrderedReady would wait for it first).
        let someDown = [old[0], old[1], old[2], pod(3, ready: false)]
        plan = try StatefulSetPlanner.plan(set(replicas: 4, policy: "Parallel", maxUnavailable: .string("50%")), pods: someDown, claims: [:],
                                           revisions: revs, now: now)
        #expect(deleted(plan) == ["web-2"])
    }

    @Test func onDeleteNeverDeletesForAnUpdate() throws {
        let old = (0..<3).map { pod($0, rev: "web-old") }
        let plan = try StatefulSetPlanner.plan(set(strategy: "OnDelete"), pods: old, claims: [:], revisions: revs, now: now)
        #expect(plan.actions.isEmpty)
        #expect(plan.status.currentReplicas == 3 && plan.status.updatedReplicas == 0 && plan.status.updateRevision == "web-new")
    }

    @Test func aCompletedRollingUpdateMakesTheUpdateRevisionCurrent() throws {
        let plan = try StatefulSetPlanner.plan(set(), pods: [pod(0), pod(1), pod(2)], claims: [:], revisions: revs, now: now)
        #expect(plan.actions.isEmpty)
        #expect(plan.status.replicas == 3 && plan.status.readyReplicas == 3 && plan.status.availableReplicas == 3)
        #expect(plan.status.currentRevision == "web-new" && plan.status.currentReplicas == 3 && plan.status.observedGeneration == 2)
    }

    @Test func retentionPolicyOwnsClaimsThroughOwnerReferences() throws {
        let both = StatefulSetPersistentVolumeClaimRetentionPolicy(whenDeleted: "Delete", whenScaled: "Delete")
        var plan = try StatefulSetPlanner.plan(set(retention: both), pods: [], claims: [:], revisions: revs, now: now)
        guard case .createPod(_, let claims)? = plan.actions.first else { Issue.record("no create"); return }
        #expect(claims.first?.metadata.ownerReferences?.map(\.kind) == ["StatefulSet"])
        #expect(claims.first?.metadata.ownerReferences?.first?.controller == true)
        // Scaled down: the claim of web-1 passes from the set to its pod before the pod goes.
        let s = set(replicas: 1, retention: both)
        var claim = StatefulSetIdentity.claims(s, ordinal: 1)[0]
        claim.metadata.ownerReferences = [OwnerReference(apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: "uid-web")]
        plan = try StatefulSetPlanner.plan(s, pods: [pod(0), pod(1)], claims: ["data-web-1": claim], revisions: revs, now: now)
        #expect(plan.actions == [.setClaimOwners(claim: "data-web-1", [OwnerReference(apiVersion: "v1", kind: "Pod", name: "web-1", uid: "uid-web-1",
                                                                                      controller: true, blockOwnerDeletion: true)]),
                                 .deletePod(pod(1), reason: .condemned)])
        // A claim still owned by a removed pod is about to go: a new pod waits.
        plan = try StatefulSetPlanner.plan(set(retention: both), pods: [pod(0)],
                                           claims: ["data-web-1": { var c = claim; c.metadata.ownerReferences = [OwnerReference(apiVersion: "v1", kind: "Pod", name: "web-1", uid: "gone")]; return c }()],
                                           revisions: revs, now: now)
        #expect(plan.actions.isEmpty)
        // Retain: an existing claim is left alone and reused.
        plan = try StatefulSetPlanner.plan(set(), pods: [pod(0)], claims: ["data-web-1": StatefulSetIdentity.claims(set(), ordinal: 1)[0]],
                                           revisions: revs, now: now)
        guard case .createPod(_, let none)? = plan.actions.first else { Issue.record("no create"); return }
        #expect(none.isEmpty)
    }

    @Test func claimsOfOthersOrEarlierIncarnationsAreLeftAlone() {
        let s = set(retention: StatefulSetPersistentVolumeClaimRetentionPolicy(whenDeleted: "Delete", whenScaled: "Retain"))
        var claim = StatefulSetIdentity.claims(s, ordinal: 0)[0]
        // An earlier set of the same name: not touched (the collector decides).
        claim.metadata.ownerReferences = [OwnerReference(apiVersion: "apps/v1", kind: "StatefulSet", name: "web", uid: "old-uid", controller: true)]
        #expect(StatefulSetClaimRetention.owners(of: claim, set: s, pod: pod(0)) == nil)
        // Another controller: ours is not added.
        claim.metadata.ownerReferences = [OwnerReference(apiVersion: "v1", kind: "ConfigMap", name: "x", uid: "x", controller: true)]
        #expect(StatefulSetClaimRetention.owners(of: claim, set: s, pod: pod(0)) == nil)
        // Retain/Retain removes our references.
        claim.metadata.ownerReferences = [controllerReference(to: s)]
        #expect(StatefulSetClaimRetention.owners(of: claim, set: set(), pod: pod(0)) == [])
        // A stale pod reference blocks a new pod only when scaled-down claims are deleted.
        claim.metadata.ownerReferences = [OwnerReference(apiVersion: "v1", kind: "Pod", name: "web-0", uid: "gone", controller: true)]
        #expect(!StatefulSetClaimRetention.isStale(claim, for: pod(0), set: s))
        let scaled = set(retention: StatefulSetPersistentVolumeClaimRetentionPolicy(whenDeleted: "Retain", whenScaled: "Delete"))
        #expect(StatefulSetClaimRetention.isStale(claim, for: pod(0), set: scaled))
    }

    @Test func aPodWithoutItsIdentityLabelsGetsThemBack() throws {
        var p0 = pod(0)
        p0.metadata.labels?[StatefulSetIdentity.podIndexLabel] = nil
        let plan = try StatefulSetPlanner.plan(set(replicas: 1), pods: [p0], claims: [:], revisions: revs, now: now)
        #expect(plan.actions == [.setPodLabels(pod: "web-0", [StatefulSetIdentity.podNameLabel: "web-0", StatefulSetIdentity.podIndexLabel: "0"])])
    }

    @Test func podNamesParseOnlyForTheirSet() {
        #expect(StatefulSetIdentity.ordinal(of: "web-12", setName: "web") == 12)
        #expect(StatefulSetIdentity.ordinal(of: "web-x-1", setName: "web") == nil)
        #expect(StatefulSetIdentity.ordinal(of: "web-", setName: "web") == nil)
        #expect(StatefulSetIdentity.ordinal(of: "other-1", setName: "web") == nil)
    }
}

/// ControllerRevisions: data, names, numbering, rollbacks and trimming.
@Suite struct ControllerHistoryTests {
    func set(image: String) -> StatefulSet {
        var s = StatefulSet(metadata: ObjectMeta(name: "web", namespace: "default"))
        s.metadata.uid = "uid-web"
        s.metadata.annotations = ["kubernetes.io/change-cause": "image \(image)"]
        var spec = StatefulSetSpec()
        spec.template = PodTemplateSpec(metadata: ObjectMeta(labels: ["app": "web"]), spec: PodSpec(containers: [Container(name: "c", image: image)]))
        s.spec = spec
        return s
    }

    @Test func aRevisionIsThePatchOfTheTemplate() {
        let s = set(image: "nginx:1")
        let r = ControllerHistory.revision(of: s, template: PodTemplate.json(of: s), revision: 1, collisionCount: nil)
        #expect(r.data?[path: ["spec", "template", "$patch"]] == "replace")
        #expect(r.data?[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["image"] == "nginx:1")
        #expect(r.metadata.name == "web-\(ControllerHistory.hash(of: r))")
        #expect(r.metadata.labels == ["app": "web", ControllerHistory.revisionHashLabel: ControllerHistory.hash(of: r)])
        #expect(r.metadata.annotations?["kubernetes.io/change-cause"] == "image nginx:1")
        #expect(r.metadata.controllerRef?.uid == "uid-web")
        // The collision count changes the name.
        let other = ControllerHistory.revision(of: s, template: PodTemplate.json(of: s), revision: 1, collisionCount: 1)
        #expect(other.metadata.name != r.metadata.name)
    }

    @Test func newTemplatesAreNumberedAndRollbacksRenumbered() {
        let v1 = set(image: "nginx:1"), v2 = set(image: "nginx:2")
        var r = ControllerHistory.resolve(owner: v1, template: PodTemplate.json(of: v1), revisions: [], collisionCount: nil, currentName: nil)
        #expect(r.create && r.update.revision == 1 && r.current == r.update)
        let rev1 = r.update
        r = ControllerHistory.resolve(owner: v2, template: PodTemplate.json(of: v2), revisions: [rev1], collisionCount: nil, currentName: rev1.metadata.name)
        #expect(r.create && r.update.revision == 2 && r.current.metadata.name == rev1.metadata.name)
        let rev2 = r.update
        // Unchanged: the same revision.
        r = ControllerHistory.resolve(owner: v2, template: PodTemplate.json(of: v2), revisions: [rev1, rev2], collisionCount: nil, currentName: nil)
        #expect(!r.create && r.renumber == nil && r.update.metadata.name == rev2.metadata.name)
        // Back to v1 (kubectl rollout undo): revision 1 becomes 3.
        r = ControllerHistory.resolve(owner: v1, template: PodTemplate.json(of: v1), revisions: [rev1, rev2], collisionCount: nil, currentName: nil)
        #expect(!r.create && r.renumber == 3 && r.update.metadata.name == rev1.metadata.name)
    }

    @Test func historyIsTrimmedOldestFirstKeepingLiveRevisions() {
        let revs = (1...5).map { ControllerRevision(metadata: ObjectMeta(name: "r\($0)"), revision: Int64($0)) }
        #expect(ControllerHistory.toTrim(revs, live: ["r5", "r1"], limit: 2).map { $0.metadata.name } == ["r2"])
        #expect(ControllerHistory.toTrim(revs, live: ["r5"], limit: 0).map { $0.metadata.name } == ["r1", "r2", "r3", "r4"])
    }
}
