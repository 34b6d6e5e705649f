import Foundation
import KubeAPI
import Testing
@testable import Controllers

@Suite struct RevisionsTests {
    @Test func newReplicaSetGetsAnnotationsAndRevision() {
        var d = DeploymentStatusTests.deployment(replicas: 4)
        d.metadata.annotations = ["kubernetes.io/change-cause": "v2", Revisions.lastApplied: "{}", Revisions.revision: "7"]
        var rs = ReplicaSet(metadata: ObjectMeta(name: "web-1"))
        #expect(Revisions.setNewReplicaSetAnnotations(d, &rs, newRevision: 3, exists: false, maxSurge: 1))
        let a = rs.metadata.annotations ?? [:]
        #expect(a["kubernetes.io/change-cause"] == "v2")
        #expect(a[Revisions.lastApplied] == nil)
        #expect(a[Revisions.revision] == "3")
        #expect(a[Revisions.desiredReplicas] == "4" && a[Revisions.maxReplicas] == "5")
        #expect(a[Revisions.revisionHistory] == nil)
    }

    @Test func rollbackKeepsTheOldRevisionInHistory() {
        let d = DeploymentStatusTests.deployment()
        var rs = ReplicaSet(metadata: ObjectMeta(name: "web-1"))
        rs.metadata.annotations = [Revisions.revision: "1"]
        #expect(Revisions.setNewReplicaSetAnnotations(d, &rs, newRevision: 3, exists: true, maxSurge: 1))
        #expect(rs.metadata.annotations?[Revisions.revision] == "3")
        #expect(rs.metadata.annotations?[Revisions.revisionHistory] == "1")
        #expect(Revisions.setNewReplicaSetAnnotations(d, &rs, newRevision: 5, exists: true, maxSurge: 1))
        #expect(rs.metadata.annotations?[Revisions.revisionHistory] == "1,3")
        // Nothing to do when already current.
        #expect(!Revisions.setNewReplicaSetAnnotations(d, &rs, newRevision: 5, exists: true, maxSurge: 1))
    }
}
