import KubeAPI
import Testing
@testable import Controllers

/// Which StatefulSets look again when one of their pods changes.
@Suite struct StatefulSetEventTests {
    func pod(owner uid: String?, labels: [String: String] = ["app": "db"]) -> Pod {
        var p = Make.pod("db-0", labels: labels)
        if let uid { p.metadata.ownerReferences = [OwnerReference(apiVersion: "apps/v1", kind: "StatefulSet", name: "db", uid: uid, controller: true)] }
        return p
    }

    @Test func aPodOrphanedWhenItsSetWasDeletedIsOfferedToTheSetsThatMatchIt() {
        // The set made again synced while the pod still named the old one; the orphaning comes after.
        let keys = StatefulSetController.setsToSync(old: pod(owner: "old"), new: pod(owner: nil)) { _ in ["default/db"] }
        #expect(keys == ["default/db", "default/db"])
        // An orphan that did not change is not.
        #expect(StatefulSetController.setsToSync(old: pod(owner: nil), new: pod(owner: nil)) { _ in ["default/db"] }.isEmpty)
        // Nor does an orphan whose labels changed wake the sets when it is owned.
        #expect(StatefulSetController.setsToSync(old: pod(owner: "a", labels: ["app": "x"]), new: pod(owner: "a")) { _ in ["other"] } == ["default/db"])
    }

    @Test func anOrphanWhoseLabelsChangedAndAnAdoptedPodWakeTheirSets() {
        #expect(StatefulSetController.setsToSync(old: pod(owner: nil, labels: ["app": "x"]), new: pod(owner: nil)) { _ in ["default/db"] } == ["default/db"])
        #expect(StatefulSetController.setsToSync(old: pod(owner: nil), new: pod(owner: "new")) { _ in ["unused"] } == ["default/db"])
    }
}
