import KubeAPI
import Testing
@testable import Scheduler

/// VolumeBinding and VolumeRestrictions: what fits where, and kube-scheduler's messages.
@Suite struct VolumeFilterTests {
    typealias F = StorageFixtures
    let nodes = [Fixtures.node("a", labels: ["topology.kubernetes.io/zone": "z1"]), Fixtures.node("b", labels: ["topology.kubernetes.io/zone": "z2"])]
    let wffc = F.storageClass("local")
    let immediate = F.storageClass("fast", mode: "Immediate")
    let staticOnly = F.storageClass("manual", provisioner: "kubernetes.io/no-provisioner")

    func schedule(_ pod: Pod, _ cache: SchedulerCache) -> Result<ScheduleResult, FitError> {
        var algorithm = ScheduleAlgorithm()
        var rng = SeededGenerator(state: 1)
        return algorithm.schedule(PodInfo(pod), cache: cache, using: &rng)
    }

    func message(_ pod: Pod, _ cache: SchedulerCache) -> String? {
        if case .failure(let f) = schedule(pod, cache) { return f.message }
        return nil
    }

    func node(_ pod: Pod, _ cache: SchedulerCache) -> String? {
        if case .success(let r) = schedule(pod, cache) { return r.node }
        return nil
    }

    @Test func podsWithoutClaimsSkipTheVolumePlugins() {
        let state = CycleState.prepare(PodInfo(Fixtures.pod("p")), F.cache(nodes: nodes))
        #expect(VolumeBindingPlugin().skipsFilter(PodInfo(Fixtures.pod("p")), state))
        #expect(VolumeRestrictionsPlugin().skipsFilter(PodInfo(Fixtures.pod("p")), state))
    }

    @Test func missingDeletedLostAndForeignClaimsFitNowhere() {
        let cache = F.cache(nodes: nodes)
        #expect(message(F.pod("p", claims: ["data"]), cache) == "0/2 nodes are available: persistentvolumeclaim \"data\" not found.")
        var deleting = F.pvc("data", bound: true)
        deleting.spec?.volumeName = "pv1"
        deleting.metadata.deletionTimestamp = Timestamp()
        #expect(message(F.pod("p", claims: ["data"]), F.cache(nodes: nodes, claims: [deleting], volumes: [F.pv("pv1")]))
            == "0/2 nodes are available: persistentvolumeclaim \"data\" is being deleted.")
        var lost = F.pvc("data", volumeName: "gone")
        lost.status = PersistentVolumeClaimStatus(phase: "Lost")
        #expect(message(F.pod("p", claims: ["data"]), F.cache(nodes: nodes, claims: [lost]))
            == "0/2 nodes are available: persistentvolumeclaim \"data\" bound to non-existent persistentvolume \"gone\".")
        // Generic ephemeral volumes: the claim `<pod>-<volume>` must exist and belong to the pod.
        let eph = Fixtures.pod("web") { spec in
            var v = Volume()
            v.name = "scratch"
            v.ephemeral = EphemeralVolumeSource()
            spec.volumes = [v]
        }
        #expect(message(eph, cache)
            == "0/2 nodes are available: waiting for ephemeral volume controller to create the persistentvolumeclaim \"web-scratch\".")
        var foreign = F.pvc("web-scratch")
        #expect(message(eph, F.cache(nodes: nodes, claims: [foreign], classes: [wffc]))
            == "0/2 nodes are available: PVC default/web-scratch was not created for pod default/web (pod is not owner).")
        foreign.metadata.ownerReferences = [OwnerReference(apiVersion: "v1", kind: "Pod", name: "web", uid: "uid-web", controller: true)]
        #expect(node(eph, F.cache(nodes: nodes, claims: [foreign], classes: [wffc])) != nil)
    }

    @Test func unboundImmediateClaimsWaitForThePVController() {
        let pod = F.pod("p", claims: ["data"])
        let expected = "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims."
        #expect(message(pod, F.cache(nodes: nodes, claims: [F.pvc("data", storageClass: "fast")], classes: [immediate])) == expected)
        // No class at all (or an unknown one) is Immediate too.
        #expect(message(pod, F.cache(nodes: nodes, claims: [F.pvc("data", storageClass: "")])) == expected)
        #expect(message(pod, F.cache(nodes: nodes, claims: [F.pvc("data", storageClass: "nope")])) == expected)
        // Pre-bound by name but not yet bound by the controller: also the controller's.
        #expect(message(pod, F.cache(nodes: nodes, claims: [F.pvc("data", volumeName: "pv1")], volumes: [F.pv("pv1")], classes: [wffc]))
            == expected)
    }

    @Test func boundClaimsGoWhereTheirVolumeIs() {
        let pod = F.pod("p", claims: ["data"])
        let claim = F.pvc("data", volumeName: "pv1", bound: true)
        #expect(node(pod, F.cache(nodes: nodes, claims: [claim], volumes: [F.pv("pv1", phase: "Bound", hosts: ["b"])])) == "b")
        #expect(message(pod, F.cache(nodes: nodes, claims: [claim], volumes: [F.pv("pv1", phase: "Bound", hosts: ["c"])]))
            == "0/2 nodes are available: 2 node(s) had volume node affinity conflict.")
        #expect(message(pod, F.cache(nodes: nodes, claims: [claim]))
            == "0/2 nodes are available: 2 node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s).")
        // Phase Bound is taken as bound even before the bind-completed annotation.
        var byPhase = F.pvc("data", volumeName: "pv1")
        byPhase.status = PersistentVolumeClaimStatus(phase: "Bound")
        #expect(node(pod, F.cache(nodes: nodes, claims: [byPhase], volumes: [F.pv("pv1", phase: "Bound", hosts: ["a"])])) == "a")
    }

    @Test func waitForFirstConsumerClaimsFindAStaticVolumeOnTheNode() throws {
        let pod = F.pod("p", claims: ["data"])
        let claim = F.pvc("data", storageClass: "manual")
        let cache = F.cache(nodes: nodes, claims: [claim], volumes: [F.pv("pv-b", storageClass: "manual", hosts: ["b"])], classes: [staticOnly])
        let r = try schedule(pod, cache).get()
        #expect(r.node == "b")
        #expect(r.volumes?.staticBindings.map { $0.volume.metadata.name } == ["pv-b"])
        #expect(r.volumes?.provisions.isEmpty == true)
        // No volume anywhere and a class that cannot provision.
        #expect(message(pod, F.cache(nodes: nodes, claims: [claim], volumes: [F.pv("small", size: "1Mi", storageClass: "manual")],
                                     classes: [staticOnly]))
            == "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind.")
    }

    @Test func waitForFirstConsumerClaimsProvisionWhereTheClassAllows() throws {
        let pod = F.pod("p", claims: ["data"])
        let claim = F.pvc("data")
        let r = try schedule(pod, F.cache(nodes: nodes, claims: [claim], classes: [wffc])).get()
        #expect(r.volumes?.provisions.map { $0.metadata.name } == ["data"])
        let zoned = F.storageClass("local", allowedZones: ["z2"])
        #expect(node(pod, F.cache(nodes: nodes, claims: [claim], classes: [zoned])) == "b")
        let nowhere = F.storageClass("local", allowedZones: ["z9"])
        #expect(message(pod, F.cache(nodes: nodes, claims: [claim], classes: [nowhere]))
            == "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind.")
        // A claim with a selected node (a binding in flight, or a retry) goes only there.
        var selected = claim
        selected.metadata.annotations = [StorageNames.selectedNode: "a"]
        #expect(node(pod, F.cache(nodes: nodes, claims: [selected], classes: [wffc])) == "a")
    }

    @Test func claimsOfOnePodNeverShareAVolume() throws {
        let pod = F.pod("p", claims: ["one", "two"])
        let claims = [F.pvc("one", storageClass: "manual"), F.pvc("two", size: "2Gi", storageClass: "manual")]
        let one = [F.pv("pv-big", size: "5Gi", storageClass: "manual", hosts: ["a"])]
        #expect(message(pod, F.cache(nodes: nodes, claims: claims, volumes: one, classes: [staticOnly]))
            == "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind.")
        let two = one + [F.pv("pv-small", size: "1Gi", storageClass: "manual", hosts: ["a"])]
        let r = try schedule(pod, F.cache(nodes: nodes, claims: claims, volumes: two, classes: [staticOnly])).get()
        #expect(r.node == "a")
        let chosen = Dictionary(uniqueKeysWithValues: (r.volumes?.staticBindings ?? []).map { ($0.claim.metadata.name ?? "", $0.volume.metadata.name ?? "") })
        #expect(chosen == ["one": "pv-small", "two": "pv-big"])
    }

    @Test func anAssumedVolumeIsNotGivenToAnotherClaim() throws {
        let claims = [F.pvc("one", storageClass: "manual"), F.pvc("two", storageClass: "manual")]
        var cache = F.cache(nodes: nodes, claims: claims, volumes: [F.pv("pv1", storageClass: "manual")], classes: [staticOnly])
        let first = try schedule(F.pod("p1", claims: ["one"]), cache).get()
        let assumed = cache.volumes.assume(try #require(first.volumes), node: first.node)
        let pv = try #require(assumed.staticBindings.first?.volume)
        #expect(pv.spec?.claimRef?.name == "one")
        #expect(pv.spec?.claimRef?.uid == "uid-claim-one")
        #expect(pv.spec?.claimRef?.kind == "PersistentVolumeClaim")
        #expect(pv.spec?.claimRef?.apiVersion == "v1")
        #expect(pv.spec?.claimRef?.resourceVersion == "1")
        #expect(pv.metadata.annotations?["pv.kubernetes.io/bound-by-controller"] == "yes")
        #expect(message(F.pod("p2", claims: ["two"]), cache)
            == "0/2 nodes are available: 2 node(s) didn't find available persistent volumes to bind.")
        // The same claim (a retry of the pod) still gets it.
        #expect(node(F.pod("p1", claims: ["one"]), cache) != nil)
        // An informer event not newer than the assumption keeps it; reverting gives the volume back.
        cache.volumes.upsert(F.pv("pv1", storageClass: "manual"))
        #expect(cache.volumes.isAssumed(volume: "pv1"))
        cache.volumes.revert(assumed)
        #expect(node(F.pod("p2", claims: ["two"]), cache) != nil)
        // A newer version from the informer replaces the assumption.
        _ = cache.volumes.assume(try #require(first.volumes), node: first.node)
        var newer = F.pv("pv1", storageClass: "manual", claimRef: claims[0])
        newer.metadata.resourceVersion = "2"
        cache.volumes.upsert(newer)
        #expect(!cache.volumes.isAssumed(volume: "pv1"))
    }

    @Test func aProvisioningInFlightSendsOtherPodsOfTheClaimToTheSameNode() throws {
        var cache = F.cache(nodes: nodes, claims: [F.pvc("shared", modes: ["ReadWriteMany"])], classes: [wffc])
        let first = try schedule(F.pod("p1", claims: ["shared"]), cache).get()
        let assumed = cache.volumes.assume(try #require(first.volumes), node: first.node)
        #expect(assumed.provisions.first?.metadata.annotations?[StorageNames.selectedNode] == first.node)
        #expect(node(F.pod("p2", claims: ["shared"]), cache) == first.node)
    }

    @Test func readWriteOncePodClaimsServeOnePod() {
        let claim = F.pvc("solo", modes: ["ReadWriteOncePod"], volumeName: "pv1", bound: true)
        let user = F.pod("user", claims: ["solo"], node: "a")
        let volume = F.pv("pv1", modes: ["ReadWriteOncePod"], phase: "Bound")
        #expect(message(F.pod("p", claims: ["solo"]), F.cache(nodes: nodes, pods: [user], claims: [claim], volumes: [volume]))
            == "0/2 nodes are available: 2 node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode.")
        // Free once the user is gone; a claim without the mode may be shared.
        #expect(node(F.pod("p", claims: ["solo"]), F.cache(nodes: nodes, claims: [claim], volumes: [volume])) != nil)
        let shared = F.pvc("solo", modes: ["ReadWriteOnce"], volumeName: "pv1", bound: true)
        #expect(node(F.pod("p", claims: ["solo"]), F.cache(nodes: nodes, pods: [user], claims: [shared], volumes: [volume])) != nil)
        // A claim of the same name in another namespace is another claim.
        let elsewhere = F.pod("user", claims: ["solo"], namespace: "other", node: "a")
        #expect(node(F.pod("p", claims: ["solo"]), F.cache(nodes: nodes, pods: [elsewhere], claims: [claim], volumes: [volume])) != nil)
    }
}

extension StorageFixtures {
    static func cache(nodes: [Node], pods: [Pod] = [], claims: [PersistentVolumeClaim] = [], volumes: [PersistentVolume] = [],
                      classes: [StorageClass] = []) -> SchedulerCache {
        var c = Fixtures.cache(nodes, pods)
        for x in claims { c.volumes.upsert(x) }
        for x in volumes { c.volumes.upsert(x) }
        for x in classes { c.volumes.upsert(x) }
        return c
    }
}
