import Foundation
import Testing
import TestSupport

/// `events.k8s.io/v1` events with the real kubectl: one storage with core/v1
/// events, each version reading and writing its own field names.
@Suite(.requires(.product("controlplane"), .kubectl))
struct EventsV1APITests {
    static let event = """
        apiVersion: events.k8s.io/v1
        kind: Event
        metadata: {name: web.1}
        eventTime: "2026-12-05T10:00:00.000000Z"
        reportingController: example.com/deployer
        reportingInstance: deployer-1
        action: Deploying
        reason: Started
        type: Normal
        note: rollout started
        regarding: {kind: Deployment, name: web, namespace: default, apiVersion: apps/v1}
        """

    @Test func eventsAreServedInBothVersionsOverOneStorage() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl("api-resources", "--api-group=events.k8s.io", "-o", "name")
            #expect(r.stdout.split(separator: "\n").contains("events.events.k8s.io"), "\(r.output)")
            r = try c.kubectl(["create", "-f", "-"], stdin: Self.event)
            #expect(r.status == 0 && r.stdout.contains("event.events.k8s.io/web.1 created"), "\(r.output)")
            r = try c.kubectl("get", "events.events.k8s.io", "web.1", "-o", "jsonpath={.apiVersion}|{.note}|{.regarding.name}|{.reportingController}")
            #expect(r.stdout == "events.k8s.io/v1|rollout started|web|example.com/deployer", "\(r.output)")
            r = try c.kubectl("get", "--raw", "/api/v1/namespaces/default/events/web.1")
            let core = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
            #expect(core["apiVersion"] as? String == "v1" && core["message"] as? String == "rollout started", "\(r.output)")
            #expect((core["involvedObject"] as? [String: Any])?["name"] as? String == "web", "\(r.output)")
            #expect(core["reportingComponent"] as? String == "example.com/deployer" && core["note"] == nil, "\(r.output)")

            // A core/v1 event is read through events.k8s.io/v1 with its deprecated fields.
            r = try c.kubectl(["create", "-f", "-"], stdin: """
                apiVersion: v1
                kind: Event
                metadata: {name: p.1}
                involvedObject: {kind: Pod, name: p, namespace: default}
                reason: Pulled
                message: image pulled
                count: 3
                source: {component: kubelet, host: node-1}
                type: Normal
                """)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "events.v1.events.k8s.io", "p.1", "-o", "jsonpath={.note}|{.deprecatedCount}|{.deprecatedSource.host}|{.regarding.kind}")
            #expect(r.stdout == "image pulled|3|node-1|Pod", "\(r.output)")

            // Each version selects on its own field names.
            r = try c.kubectl("get", "events.events.k8s.io", "--field-selector", "regarding.name=web", "-o", "name")
            #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "event.events.k8s.io/web.1", "\(r.output)")
            r = try c.kubectl("get", "events.events.k8s.io", "--field-selector", "source=kubelet", "-o", "name")
            #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "event.events.k8s.io/p.1", "\(r.output)")
            r = try c.kubectl("get", "events.events.k8s.io", "--field-selector", "involvedObject.name=web")
            #expect(r.status != 0 && r.stderr.contains("field label not supported: involvedObject.name"), "\(r.output)")
            r = try c.kubectl("get", "events", "--field-selector", "involvedObject.kind=Deployment", "-o", "name")
            #expect(r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "event/web.1", "\(r.output)")

            // The table is the same printer for both versions.
            r = try c.kubectl("get", "events.events.k8s.io")
            #expect(r.stdout.contains("LAST SEEN") && r.stdout.contains("deployment/web") && r.stdout.contains("rollout started"), "\(r.output)")

            // Writes through events.k8s.io/v1 are validated strictly, with upstream's internal field names.
            r = try c.kubectl(["create", "-f", "-"], stdin: Self.event.replacingOccurrences(of: "web.1", with: "web.2")
                .replacingOccurrences(of: "eventTime: \"2026-12-05T10:00:00.000000Z\"\n", with: "deprecatedCount: 1\n"))
            #expect(r.status != 0 && r.stderr.contains("eventTime: Required value") && r.stderr.contains("count: Invalid value: \"\": needs to be unset"),
                    "\(r.output)")
            r = try c.kubectl("patch", "events.events.k8s.io", "web.1", "--type=merge", "-p", #"{"note":"changed"}"#)
            #expect(r.status != 0 && r.stderr.contains("message: Invalid value: \"changed\": field is immutable"), "\(r.output)")
            r = try c.kubectl("patch", "events.events.k8s.io", "web.1", "--type=merge", "-p",
                              #"{"series":{"count":2,"lastObservedTime":"2026-12-05T10:05:00.000000Z"}}"#)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "event", "web.1", "-o", "jsonpath={.series.count}")
            #expect(r.stdout == "2", "\(r.output)")

            // Server-side apply records the request's version.
            r = try c.kubectl(["apply", "--server-side", "--field-manager=deployer", "-f", "-"],
                              stdin: Self.event.replacingOccurrences(of: "web.1", with: "web.3"))
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "events.events.k8s.io", "web.3", "--show-managed-fields", "-o",
                              "jsonpath={.metadata.managedFields[0].manager}|{.metadata.managedFields[0].apiVersion}")
            #expect(r.stdout == "deployer|events.k8s.io/v1", "\(r.output)")

            // A watch streams each version's form.
            r = try c.kubectl("get", "--raw", "/apis/events.k8s.io/v1/namespaces/default/events?watch=true&timeoutSeconds=1&fieldSelector=metadata.name%3Dp.1")
            #expect(r.stdout.contains(#""note":"image pulled""#) && r.stdout.contains(#""apiVersion":"events.k8s.io/v1""#), "\(r.output)")
            #expect(!r.stdout.contains(#""message""#), "\(r.output)")

            r = try c.kubectl("explain", "events.note", "--api-version=events.k8s.io/v1")
            #expect(r.status == 0 && r.stdout.contains("human-readable"), "\(r.output)")
            r = try c.kubectl("delete", "events.events.k8s.io", "p.1")
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "events", "-o", "name")
            #expect(!r.stdout.contains("event/p.1") && r.stdout.contains("event/web.1"), "\(r.output)")
        }
    }
}
