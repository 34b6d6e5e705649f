import Foundation
import Testing
import TestSupport
@testable import KubeAPI
@testable import MiniControlPlane

/// The audit log: upstream's Policy decides each request's level, events
/// are `audit.k8s.io/v1` JSON lines, and the file rotates by size.
@Suite struct AuditPolicyTests {
    static let policy = """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: [RequestReceived]
        rules:
        - level: None
          users: ["system:kube-proxy"]
          verbs: [watch]
        - level: None
          nonResourceURLs: ["/healthz*", "/version"]
        - level: Metadata
          resources: [{group: "", resources: [secrets, "pods/log"]}]
        - level: RequestResponse
          resources: [{group: apps, resources: ["*/scale"]}]
          namespaces: [prod]
        - level: Request
          resources: [{group: "", resources: [configmaps], resourceNames: [settings]}]
        - level: Metadata
        """

    func attributes(user: String = "alice", _ verb: String, _ group: String, _ resource: String, sub: String? = nil,
                    ns: String? = "default", name: String? = nil) -> AuditAttributes {
        AuditAttributes(user: user, groups: ["system:authenticated"], verb: verb, resource: (group, resource, sub, ns, name), path: "/")
    }

    @Test func theFirstMatchingRuleDecides() throws {
        let p = try AuditPolicy.parse(Array(Self.policy.utf8))
        #expect(p.decide(attributes(user: "system:kube-proxy", "watch", "", "services")).level == .none)
        #expect(p.decide(attributes(user: "system:kube-proxy", "list", "", "services")).level == .metadata)
        #expect(p.decide(attributes("get", "", "secrets")).level == .metadata)
        #expect(p.decide(attributes("get", "", "pods", sub: "log")).level == .metadata)
        #expect(p.decide(attributes("update", "apps", "deployments", sub: "scale", ns: "prod")).level == .requestResponse)
        #expect(p.decide(attributes("update", "apps", "deployments", sub: "scale", ns: "dev")).level == .metadata)
        #expect(p.decide(attributes("update", "", "configmaps", name: "settings")).level == .request)
        #expect(p.decide(attributes("update", "", "configmaps", name: "other")).level == .metadata)
        let health = AuditAttributes(user: "system:anonymous", groups: [], verb: "get", resource: nil, path: "/healthz/etcd")
        #expect(p.decide(health).level == .none)
        #expect(p.decide(health).omitStages == ["RequestReceived"])
        #expect(throws: AuditPolicyError.self) { try AuditPolicy.parse(Array("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: [{level: Loud}]".utf8)) }
    }

    @Test func eventsAreJSONLinesAndTheFileRotates() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("audit.log").path
        let log = AuditLog(policy: try AuditPolicy.parse(Array(Self.policy.utf8)), path: path, maxSize: 4096, maxBackups: 2)
        let entry = AuditLog.Entry(id: "id-1", received: Date(), attributes: attributes("create", "", "configmaps", name: "settings"),
                                   uri: "/api/v1/namespaces/default/configmaps", sourceIP: nil, userAgent: "kubectl/v1.32.0",
                                   apiVersion: "v1", code: 201, requestBody: Array(#"{"metadata":{"name":"settings"},"data":{"k":"v"}}"#.utf8),
                                   requestContentType: "application/json", responseBody: nil, streamed: false)
        log.record(entry)
        let first = try #require(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").first)
        let event = try JSONParser.parse(Array(first.utf8))
        #expect(event["kind"] == "Event" && event["apiVersion"] == "audit.k8s.io/v1" && event["stage"] == "ResponseComplete")
        #expect(event["level"] == "Request" && event[path: ["requestObject", "data", "k"]] == "v")
        #expect(event[path: ["objectRef", "name"]] == "settings" && event[path: ["responseStatus", "code"]] == 201)
        for _ in 0..<60 { log.record(entry) }
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()
        #expect(files.count == 3 && files.last == "audit.log", "\(files)")
        #expect(files.dropLast().allSatisfy { $0.hasPrefix("audit-") && $0.hasSuffix(".log") }, "\(files)")
        for f in files {
            let size = (try FileManager.default.attributesOfItem(atPath: dir.appendingPathComponent(f).path)[.size] as? Int) ?? 0
            #expect(size <= 4096, "\(f): \(size) bytes")
        }
    }
}

@Suite(.requires(.product("controlplane"), .kubectl))
struct AuditLogTests {
    @Test func kubectlRequestsAreAuditedAtThePolicysLevels() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let policy = dir.appendingPathComponent("policy.yaml")
        try """
            apiVersion: audit.k8s.io/v1
            kind: Policy
            omitStages: [RequestReceived]
            rules:
            - level: Metadata
              resources: [{group: "", resources: [secrets]}]
            - level: RequestResponse
              resources: [{group: "", resources: [configmaps]}]
            - level: None
            """.write(to: policy, atomically: true, encoding: .utf8)
        let logPath = dir.appendingPathComponent("audit.log")
        try await withCluster(.sqlite, extraArgs: ["--audit-log-path", logPath.path, "--audit-policy-file", policy.path]) { c in
            #expect(try c.kubectl("create", "configmap", "settings", "--from-literal=mode=fast").status == 0)
            #expect(try c.kubectl("create", "secret", "generic", "db", "--from-literal=password=hunter2").status == 0)
            #expect(try c.kubectl("get", "pods").status == 0)
            let events = try String(contentsOf: logPath, encoding: .utf8).split(separator: "\n").map { try JSONParser.parse(Array($0.utf8)) }
            let cm = try #require(events.first { $0["verb"] == "create" && $0[path: ["objectRef", "resource"]] == "configmaps" })
            #expect(cm["level"] == "RequestResponse" && cm[path: ["objectRef", "name"]] == "settings" && cm[path: ["objectRef", "namespace"]] == "default",
                    "\(JSONWriter.string(cm))")
            #expect(cm[path: ["user", "username"]]?.stringValue?.isEmpty == false && cm[path: ["responseStatus", "code"]] == 201)
            #expect(cm[path: ["requestObject", "data", "mode"]] == "fast" && cm[path: ["responseObject", "metadata", "uid"]] != nil)
            #expect(cm["userAgent"]?.stringValue?.hasPrefix("kubectl") == true)
            let secret = try #require(events.first { $0["verb"] == "create" && $0[path: ["objectRef", "resource"]] == "secrets" })
            #expect(secret["level"] == "Metadata" && secret["requestObject"] == nil && secret["responseObject"] == nil)
            #expect(!events.contains { $0[path: ["objectRef", "resource"]] == "pods" }, "None leaves pods out")
            #expect(!events.contains { $0["stage"] == "RequestReceived" })
        }
    }
}
