import Foundation
import Testing
@testable import KubeAPI

@Suite struct ServerSideApplyTests {
    let manager = FieldManager(kind: "Deployment", apiVersion: "apps/v1", statusSubresource: true)

    func parse(_ s: String) throws -> JSONValue { try JSONParser.parse(Array(s.utf8)) }

    let config = #"""
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","labels":{"app":"web"}},
         "spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},
                 "template":{"metadata":{"labels":{"app":"web"}},
                             "spec":{"containers":[{"name":"nginx","image":"nginx:1.25","env":[{"name":"A","value":"1"}]}]}}}}
        """#

    @Test func moreThanTenUpdateManagersFoldTheOldestIntoAncientChanges() throws {
        var live = try manager.apply(live: nil, config: try parse(config), manager: "kubectl", force: false, subresource: nil, now: "2026-12-05T10:00:00Z")
        for i in 0..<13 {
            var next = live
            next.set(path: ["metadata", "labels", "writer-\(i)"], to: "x")
            try manager.update(old: live, new: &next, manager: "writer-\(i)", subresource: nil, now: String(format: "2026-12-05T11:%02d:00Z", i))
            live = next
        }
        let entries = try ManagedFieldsEntry.entries(of: live)
        let updates = entries.filter { $0.operation == "Update" }
        #expect(updates.count == 10, "\(updates.map(\.manager))")
        #expect(entries.contains { $0.manager == "kubectl" && $0.operation == "Apply" }, "apply managers are never folded")
        let bucket = try #require(entries.first { $0.manager == ManagerCap.bucketManager })
        // writer-0 … writer-3 are in the bucket, which carries the newest time merged.
        for i in 0...3 {
            #expect(bucket.fields.contains([.field("metadata"), .field("labels"), .field("writer-\(i)")]))
            #expect(!entries.contains { $0.manager == "writer-\(i)" })
        }
        #expect(bucket.time == "2026-12-05T11:03:00Z")
        #expect(entries.contains { $0.manager == "writer-4" } && entries.contains { $0.manager == "writer-12" })
    }

    @Test func fieldsV1RoundTripsAndNamesListItemsByKey() throws {
        let live = try manager.apply(live: nil, config: try parse(config), manager: "kubectl", force: false, subresource: nil, now: "t0")
        let entries = try ManagedFieldsEntry.entries(of: live)
        #expect(entries.count == 1)
        let e = try #require(entries.first)
        #expect(e.manager == "kubectl" && e.operation == "Apply" && e.apiVersion == "apps/v1")
        let fields = e.fields
        #expect(fields.contains([.field("spec"), .field("replicas")]))
        let item = PathElement.key(ListItemKey(["name": "nginx"]))
        #expect(fields.contains([.field("spec"), .field("template"), .field("spec"), .field("containers"), item]))
        #expect(fields.contains([.field("spec"), .field("template"), .field("spec"), .field("containers"), item, .field("image")]))
        #expect(!fields.contains([.field("metadata"), .field("name")]), "server-set metadata is never owned")
        let json = fields.fieldsV1
        #expect(JSONWriter.string(json[path: ["f:spec", "f:template", "f:spec", "f:containers"]] ?? .null).contains(#""k:{\"name\":\"nginx\"}""#))
        #expect(try FieldSet(fieldsV1: json) == fields)
        #expect(e.json["fieldsType"] == "FieldsV1")
    }

    @Test func updatesTakeOwnershipAndApplyReportsConflicts() throws {
        var live = try manager.apply(live: nil, config: try parse(config), manager: "kubectl", force: false, subresource: nil, now: "t0")
        var scaled = live
        scaled.set(path: ["spec", "replicas"], to: 5)
        try manager.update(old: live, new: &scaled, manager: "hpa", subresource: nil, now: "t1")
        live = scaled
        let owners = try ManagedFieldsEntry.entries(of: live)
        #expect(owners.map(\.manager) == ["kubectl", "hpa"])
        #expect(!owners[0].fields.contains([.field("spec"), .field("replicas")]), "the update took spec.replicas from the applier")

        // Re-applying replicas: 2 now changes a field hpa owns.
        do {
            _ = try manager.apply(live: live, config: try parse(config), manager: "kubectl", force: false, subresource: nil, now: "t2")
            Issue.record("expected a conflict")
        } catch {
            guard case .conflicts(let c)? = error as? ApplyError else { throw error }
            #expect(c.message == #"Apply failed with 1 conflict: conflict with "hpa" using apps/v1 at t1: .spec.replicas"#)
            #expect(c.causes.first?.reason == "FieldManagerConflict" && c.causes.first?.field == ".spec.replicas")
        }
        // An apply that agrees with the live value is shared ownership, not a conflict.
        var agreeing = try parse(config)
        agreeing.set(path: ["spec", "replicas"], to: 5)
        _ = try manager.apply(live: live, config: agreeing, manager: "kubectl", force: false, subresource: nil, now: "t2")
        // Forcing takes the field.
        let forced = try manager.apply(live: live, config: try parse(config), manager: "kubectl", force: true, subresource: nil, now: "t3")
        #expect(forced[path: ["spec", "replicas"]] == 2)
        #expect(try ManagedFieldsEntry.entries(of: forced).map(\.manager) == ["kubectl"], "hpa owned only replicas and lost it")
    }

    @Test func applyRemovesWhatTheManagerStoppedApplyingButKeepsOthersFields() throws {
        var live = try manager.apply(live: nil, config: try parse(config), manager: "kubectl", force: false, subresource: nil, now: "t0")
        // Someone else adds a label and an env var.
        var edited = live
        edited.set(path: ["metadata", "labels", "team"], to: "blue")
        var containers = edited[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
        containers[0]["env"] = [["name": "A", "value": "1"], ["name": "B", "value": "2"]]
        edited.set(path: ["spec", "template", "spec", "containers"], to: .array(containers))
        try manager.update(old: live, new: &edited, manager: "kubectl-edit", subresource: nil, now: "t1")
        live = edited
        // The applier drops its label and env var A.
        var smaller = try parse(config)
        smaller.set(path: ["metadata", "labels"], to: nil)
        var c2 = smaller[path: ["spec", "template", "spec", "containers"]]?.arrayValue ?? []
        c2[0]["env"] = nil
        smaller.set(path: ["spec", "template", "spec", "containers"], to: .array(c2))
        let out = try manager.apply(live: live, config: smaller, manager: "kubectl", force: false, subresource: nil, now: "t2")
        #expect(out[path: ["metadata", "labels"]] == ["team": "blue"])
        let env = out[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["env"]
        #expect(env == [["name": "B", "value": "2"]])
        #expect(out[path: ["spec", "template", "spec", "containers"]]?.arrayValue?.first?["image"] == "nginx:1.25")
    }

    @Test func clientSideApplyFieldsMoveToServerSideApplyWithoutForce() throws {
        var live = try parse(config)
        live.set(path: ["metadata", "annotations", FieldManager.lastAppliedAnnotation], to: .string(config))
        try manager.update(old: nil, new: &live, manager: "kubectl-client-side-apply", subresource: nil, now: "t0")
        var changed = try parse(config)
        changed.set(path: ["spec", "replicas"], to: 4)
        let out = try manager.apply(live: live, config: changed, manager: "kubectl", force: false, subresource: nil, now: "t1")
        #expect(out[path: ["spec", "replicas"]] == 4)
        let record = out[path: ["metadata", "annotations", FieldManager.lastAppliedAnnotation]]?.stringValue ?? ""
        #expect(record.contains(#""replicas":4"#), "the client-side record follows the applied configuration")
    }

    @Test func objectsWrittenBeforeTrackingBelongToBeforeFirstApply() throws {
        var untracked = try parse(config)
        untracked.set(path: ["spec", "replicas"], to: 7)
        do {
            _ = try manager.apply(live: untracked, config: try parse(config), manager: "kubectl", force: false, subresource: nil, now: "t1")
            Issue.record("expected a conflict")
        } catch {
            guard case .conflicts(let c)? = error as? ApplyError else { throw error }
            #expect(c.message.contains(#"conflict with "before-first-apply""#))
        }
    }

    @Test func statusWritesOwnOnlyStatus() throws {
        let live = try manager.apply(live: nil, config: try parse(config), manager: "kubectl", force: false, subresource: nil, now: "t0")
        var withStatus = live
        withStatus["status"] = ["replicas": 2, "conditions": [["type": "Available", "status": "True"]]]
        try manager.update(old: live, new: &withStatus, manager: "kube-controller-manager", subresource: "status", now: "t1")
        let e = try #require(try ManagedFieldsEntry.entries(of: withStatus).last)
        #expect(e.subresource == "status")
        #expect(e.fields.contains([.field("status"), .field("conditions"), .key(ListItemKey(["type": "Available"]))]))
        #expect(e.fields.children.keys.map(\.fieldsV1Key) == ["f:status"])
    }

    @Test func requestsMayReplaceOrResetManagedFields() throws {
        let live = try manager.apply(live: nil, config: try parse(config), manager: "kubectl", force: false, subresource: nil, now: "t0")
        var reset = live
        reset.set(path: ["metadata", "managedFields"], to: [.emptyObject])
        try manager.update(old: live, new: &reset, manager: "x", subresource: nil, now: "t1")
        #expect(reset[path: ["metadata", "managedFields"]] == nil)
        var bad = live
        bad.set(path: ["metadata", "managedFields"], to: [["manager": "m", "operation": "Delete"]])
        #expect(throws: FieldSetError.self) { try manager.update(old: live, new: &bad, manager: "x", subresource: nil, now: "t1") }
    }
}
