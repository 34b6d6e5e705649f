import Foundation
import Testing
import TestSupport

/// `scheduling.k8s.io/v1` PriorityClasses and the Priority admission
/// plugin, with the real kubectl and upstream's messages.
@Suite(.requires(.product("controlplane"), .kubectl))
struct PriorityClassTests {
    static func pod(_ name: String, _ extra: String = "") -> String {
        "apiVersion: v1\nkind: Pod\nmetadata: {name: \(name)}\nspec:\n  containers: [{name: c, image: busybox:1.36}]\n\(extra)"
    }

    @Test func podsGetTheirClassesPriority() async throws {
        try await withCluster(.sqlite) { c in
            var r = try c.kubectl("get", "priorityclasses")
            #expect(r.stdout.contains("system-cluster-critical") && r.stdout.contains("2000000000") && r.stdout.contains("system-node-critical")
                    && r.stdout.contains("GLOBAL-DEFAULT"), "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: scheduling.k8s.io/v1
                kind: PriorityClass
                metadata: {name: high}
                value: 1000
                description: batch that must run first
                """)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.pod("urgent", "  priorityClassName: high\n"))
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl("get", "pod", "urgent", "-o", "jsonpath={.spec.priority} {.spec.preemptionPolicy}")
            #expect(r.stdout == "1000 PreemptLowerPriority", "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.pod("lost", "  priorityClassName: nope\n"))
            #expect(r.status != 0 && r.stderr.contains(#"pods "lost" is forbidden: no PriorityClass with name nope was found"#), "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.pod("sly", "  priorityClassName: high\n  priority: 5\n"))
            #expect(r.stderr.contains("the integer value of priority (5) must not be provided in pod spec; priority admission controller computed 1000"), "\(r.output)")
            // Without a class: priority 0, until a class is the global default.
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.pod("plain"))
            #expect(try c.kubectl("get", "pod", "plain", "-o", "jsonpath={.spec.priority}").stdout == "0", "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: """
                apiVersion: scheduling.k8s.io/v1
                kind: PriorityClass
                metadata: {name: standard}
                value: 10
                globalDefault: true
                preemptionPolicy: Never
                """)
            #expect(r.status == 0, "\(r.output)")
            r = try c.kubectl(["apply", "-f", "-"], stdin: Self.pod("defaulted"))
            r = try c.kubectl("get", "pod", "defaulted", "-o", "jsonpath={.spec.priorityClassName} {.spec.priority} {.spec.preemptionPolicy}")
            #expect(r.stdout == "standard 10 Never", "\(r.output)")
            // Upstream's validation and admission of the classes themselves.
            r = try c.kubectl("patch", "priorityclass", "high", "--type=merge", "-p", #"{"globalDefault":true}"#)
            #expect(r.stderr.contains("PriorityClass standard is already marked as default. Only one default can exist"), "\(r.output)")
            r = try c.kubectl("patch", "priorityclass", "high", "--type=merge", "-p", #"{"value":2000}"#)
            #expect(r.stderr.contains("value: Forbidden: may not be changed in an update."), "\(r.output)")
            r = try c.kubectl("create", "priorityclass", "huge", "--value=2000000000")
            #expect(r.stderr.contains("maximum allowed value of a user defined priority is 1000000000"), "\(r.output)")
            r = try c.kubectl("create", "priorityclass", "system-mine", "--value=5")
            #expect(r.stderr.contains("priority class names with 'system-' prefix are reserved for system use only"), "\(r.output)")
        }
    }
}
