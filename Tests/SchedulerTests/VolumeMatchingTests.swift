import KubeAPI
import Testing
@testable import Scheduler

/// `VolumeMatching.findMatchingVolume`, shared by the scheduler and the PV controller.
@Suite struct VolumeMatchingTests {
    typealias F = StorageFixtures
    let nodeA = VolumeMatching.Node(name: "a", labels: ["kubernetes.io/hostname": "a"])

    func match(_ c: PersistentVolumeClaim, _ vs: [PersistentVolume], node: VolumeMatching.Node? = nil, excluding: Set<String> = [],
               delayBinding: Bool = false) -> String? {
        VolumeMatching.findMatchingVolume(for: c, among: vs, node: node, excluding: excluding, delayBinding: delayBinding)?.metadata.name
    }

    @Test func smallestSufficientCapacityThenName() {
        let vs = [F.pv("big", size: "10Gi"), F.pv("small", size: "500Mi"), F.pv("mid-b", size: "2Gi"), F.pv("mid-a", size: "2Gi")]
        #expect(match(F.pvc("c", size: "1Gi"), vs) == "mid-a")
        #expect(match(F.pvc("c", size: "100Mi"), vs) == "small")
        #expect(match(F.pvc("c", size: "20Gi"), vs) == nil)
        #expect(match(F.pvc("c", size: "10Gi"), vs) == "big")
    }

    @Test func accessModesMustAllBeOffered() {
        let vs = [F.pv("rwo", modes: ["ReadWriteOnce"]), F.pv("rwx", size: "5Gi", modes: ["ReadWriteOnce", "ReadWriteMany"])]
        #expect(match(F.pvc("c", modes: ["ReadWriteOnce"]), vs) == "rwo")
        #expect(match(F.pvc("c", modes: ["ReadWriteMany"]), vs) == "rwx")
        #expect(match(F.pvc("c", modes: ["ReadWriteOncePod"]), vs) == nil)
    }

    @Test func classMustBeEqualAndEmptyOnlyMatchesEmpty() {
        let vs = [F.pv("fast", storageClass: "fast"), F.pv("none", size: "2Gi", storageClass: nil), F.pv("empty", size: "3Gi", storageClass: "")]
        #expect(match(F.pvc("c", storageClass: "fast"), vs) == "fast")
        #expect(match(F.pvc("c", storageClass: ""), vs) == "none")
        #expect(match(F.pvc("c", storageClass: "slow"), vs) == nil)
        // The beta annotation wins over the field.
        var annotated = F.pvc("c", storageClass: "slow")
        annotated.metadata.annotations = [StorageNames.betaStorageClass: "fast"]
        #expect(match(annotated, vs) == "fast")
    }

    @Test func selectorMatchesVolumeLabels() {
        let vs = [F.pv("ssd", labels: ["disk": "ssd"]), F.pv("hdd", labels: ["disk": "hdd"])]
        #expect(match(F.pvc("c", selector: LabelSelector(matchLabels: ["disk": "hdd"])), vs) == "hdd")
        #expect(match(F.pvc("c", selector: LabelSelector(matchExpressions: [LabelSelectorRequirement(key: "disk", operator: "In", values: ["nvme"])])),
                      vs) == nil)
    }

    @Test func volumeModeFilesystemIsTheDefaultAndBlockIsDistinct() {
        let vs = [F.pv("fs"), F.pv("fs-explicit", size: "2Gi", volumeMode: "Filesystem"), F.pv("block", size: "3Gi", volumeMode: "Block")]
        #expect(match(F.pvc("c"), vs) == "fs")
        #expect(match(F.pvc("c", volumeMode: "Filesystem"), vs) == "fs")
        #expect(match(F.pvc("c", volumeMode: "Block"), vs) == "block")
        #expect(match(F.pvc("c", size: "2Gi", volumeMode: "Filesystem"), vs) == "fs-explicit")
    }

    @Test func onlyAvailableUnclaimedLiveVolumes() {
        let other = F.pvc("other")
        var deleting = F.pv("deleting")
        deleting.metadata.deletionTimestamp = Timestamp()
        let vs = [F.pv("released", phase: "Released"), F.pv("taken", claimRef: other), deleting, F.pv("free", size: "5Gi")]
        #expect(match(F.pvc("c"), vs) == "free")
        #expect(match(F.pvc("c"), vs, excluding: ["free"]) == nil)
    }

    @Test func nodeAffinityOfTheVolumeMustMatchTheNode() {
        let vs = [F.pv("on-b", hosts: ["b"]), F.pv("on-a", size: "2Gi", hosts: ["a"]), F.pv("anywhere", size: "5Gi")]
        #expect(match(F.pvc("c"), vs, node: nodeA) == "on-a")
        #expect(match(F.pvc("c"), vs, node: VolumeMatching.Node(name: "b", labels: ["kubernetes.io/hostname": "b"])) == "on-b")
        #expect(match(F.pvc("c"), vs, node: VolumeMatching.Node(name: "c", labels: ["kubernetes.io/hostname": "c"])) == "anywhere")
        // Without a node (the PV controller) affinity is not looked at.
        #expect(match(F.pvc("c"), vs) == "on-b")
    }

    @Test func preBoundClaimRefWinsWhateverItsSizeOrder() {
        let c = F.pvc("c")
        let vs = [F.pv("small", size: "1Gi"), F.pv("mine", size: "10Gi", storageClass: "other", phase: "Pending", claimRef: c)]
        #expect(match(c, vs) == "mine")
        // A claimRef with another uid is another claim of the same name.
        var stale = F.pv("stale", size: "1Gi", claimRef: c)
        stale.spec?.claimRef?.uid = "uid-old"
        #expect(match(c, [stale]) == nil)
        // Pre-bound but not reachable from the node: nothing matches.
        let far = F.pv("far", hosts: ["b"], claimRef: c)
        #expect(match(c, [far, F.pv("near", size: "2Gi", hosts: ["a"])], node: nodeA) == nil)
        // Pre-bound but too small: skipped.
        #expect(match(F.pvc("c", size: "5Gi"), [F.pv("tiny", claimRef: c), F.pv("ok", size: "5Gi")]) == "ok")
    }

    @Test func delayBindingReturnsOnlyPreBoundVolumesWithoutANode() {
        let c = F.pvc("c")
        #expect(match(c, [F.pv("free")], delayBinding: true) == nil)
        #expect(match(c, [F.pv("free"), F.pv("mine", claimRef: c)], delayBinding: true) == "mine")
        #expect(match(c, [F.pv("free")], node: nodeA, delayBinding: true) == "free")
    }

    @Test func volumeNameServesOnlyThatVolume() {
        let vs = [F.pv("small"), F.pv("named", size: "5Gi", phase: "Pending")]
        #expect(match(F.pvc("c", volumeName: "named"), vs) == "named")
        #expect(match(F.pvc("c", volumeName: "missing"), vs) == nil)
        #expect(match(F.pvc("c", size: "10Gi", volumeName: "named"), vs) == nil)
        #expect(match(F.pvc("c", modes: ["ReadWriteMany"], volumeName: "named"), vs) == nil)
        #expect(match(F.pvc("c", volumeName: "named"), [F.pv("named", claimRef: F.pvc("other"))]) == nil)
    }

    @Test func allowedTopologiesOfAClass() {
        let zoned = F.storageClass("zoned", allowedZones: ["z1"])
        #expect(VolumeMatching.allowedTopologiesMatch(zoned, nodeLabels: ["topology.kubernetes.io/zone": "z1"]))
        #expect(!VolumeMatching.allowedTopologiesMatch(zoned, nodeLabels: ["topology.kubernetes.io/zone": "z2"]))
        #expect(!VolumeMatching.allowedTopologiesMatch(zoned, nodeLabels: [:]))
        #expect(VolumeMatching.allowedTopologiesMatch(F.storageClass("any"), nodeLabels: [:]))
    }
}
