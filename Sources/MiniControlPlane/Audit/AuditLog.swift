import Foundation
import KubeAPI
import Synchronization

/// The audit log (`--audit-log-path`, `--audit-policy-file`): one
/// `audit.k8s.io/v1` Event per stage of each request the policy does not
/// leave at `None`, as JSON lines, written before the response leaves (the
/// blocking mode of upstream's log backend). The file is rotated when it
/// passes `maxSize` bytes, keeping `maxBackups` older files named as
/// upstream names them (`audit-2006-01-02T15-04-05.000.log`); `-` writes to
/// standard output.
final class AuditLog: Sendable {
    let policy: AuditPolicy
    let path: String
    let maxSize: Int
    let maxBackups: Int

    private struct State {
        var handle: FileHandle?
        var size = 0
    }
    private let state = Mutex(State())

    /// `maxSize` in bytes (0: never rotated), `maxBackups` rotated files kept (0: all).
    init(policy: AuditPolicy, path: String, maxSize: Int, maxBackups: Int) {
        self.policy = policy
        self.path = path
        self.maxSize = maxSize
        self.maxBackups = maxBackups
    }

    /// What one request did, as the log records it.
    struct Entry: Sendable {
        var id: String
        var received: Date
        var attributes: AuditAttributes
        var uri: String
        var sourceIP: String?
        var userAgent: String?
        var apiVersion: String
        var code: Int
        var requestBody: [UInt8]
        var requestContentType: String?
        var responseBody: [UInt8]?
        var streamed: Bool
        /// Admission's annotations (PodSecurity's, ...).
        var annotations: [String: String] = [:]
    }

    /// Records a request that has its response (streams: when it starts).
    func record(_ e: Entry) {
        let (level, omit) = policy.decide(e.attributes)
        guard level != .none else { return }
        var lines: [UInt8] = []
        if !omit.contains("RequestReceived") { lines += line(e, level: level, stage: "RequestReceived", at: e.received) }
        let stage = e.streamed ? "ResponseStarted" : "ResponseComplete"
        if !omit.contains(stage) { lines += line(e, level: level, stage: stage, at: Date()) }
        if !lines.isEmpty { write(lines) }
    }

    static func timestamp(_ d: Date) -> String { Timestamp(d, precision: .micro).description }

    func line(_ e: Entry, level: AuditLevel, stage: String, at: Date) -> [UInt8] {
        var event: JSONValue = [
            "kind": "Event", "apiVersion": "audit.k8s.io/v1", "level": .string(level.rawValue), "auditID": .string(e.id),
            "stage": .string(stage), "requestURI": .string(e.uri), "verb": .string(e.attributes.verb),
            "user": ["username": .string(e.attributes.user), "groups": .array(e.attributes.groups.map(JSONValue.string))],
            "requestReceivedTimestamp": .string(Self.timestamp(e.received)), "stageTimestamp": .string(Self.timestamp(at)),
        ]
        if let ip = e.sourceIP { event["sourceIPs"] = [.string(ip)] }
        if let agent = e.userAgent { event["userAgent"] = .string(agent) }
        // JSON, YAML or protobuf, logged as JSON as upstream logs it.
        let requestObject = ["create", "update", "patch"].contains(e.attributes.verb) && !e.requestBody.isEmpty
            ? (try? BodyDecoder.decode(e.requestBody, contentType: e.requestContentType))?.0 : nil
        if let r = e.attributes.resource {
            var ref: JSONValue = ["resource": .string(r.resource), "apiVersion": .string(e.apiVersion)]
            if !r.group.isEmpty { ref["apiGroup"] = .string(r.group) }
            if let ns = r.namespace { ref["namespace"] = .string(ns) }
            // A create names its object in the body, as upstream fills it in.
            if let name = r.name ?? requestObject?[path: ["metadata", "name"]]?.stringValue { ref["name"] = .string(name) }
            if let sub = r.subresource { ref["subresource"] = .string(sub) }
            event["objectRef"] = ref
        }
        if stage != "RequestReceived" { event["responseStatus"] = ["metadata": .emptyObject, "code": .int(Int64(e.code))] }
        if stage != "RequestReceived", !e.annotations.isEmpty { event["annotations"] = .object(e.annotations.mapValues(JSONValue.string)) }
        // Bodies: the request's of writes at Request and above, the response's at RequestResponse.
        if level >= .request, let requestObject { event["requestObject"] = requestObject }
        if level == .requestResponse, stage == "ResponseComplete", let bytes = e.responseBody, let body = try? JSONParser.parse(bytes) {
            event["responseObject"] = body
        }
        return JSONWriter.bytes(event) + [0x0A]
    }

    func write(_ bytes: [UInt8]) {
        if path == "-" {
            FileHandle.standardOutput.write(Data(bytes))
            return
        }
        state.withLock { s in
            if s.handle == nil { open(&s) }
            if maxSize > 0, s.size > 0, s.size + bytes.count > maxSize {
                try? s.handle?.close()
                s.handle = nil
                rotate()
                open(&s)
            }
            s.handle?.write(Data(bytes))
            s.size += bytes.count
        }
    }

    private func open(_ s: inout State) {
        let fm = FileManager.default
        if !fm.fileExists(atPath: path) { _ = fm.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) }
        s.handle = FileHandle(forWritingAtPath: path)
        s.size = Int((try? s.handle?.seekToEnd()) ?? 0)
    }

    /// `audit.log` → `audit-TIMESTAMP.log`, dropping the oldest beyond `maxBackups`.
    private func rotate() {
        let url = URL(fileURLWithPath: path)
        let base = url.deletingPathExtension().lastPathComponent
        let ext = url.pathExtension.isEmpty ? "" : "." + url.pathExtension
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd'T'HH-mm-ss.SSS"
        let dir = url.deletingLastPathComponent()
        let stamp = f.string(from: Date())
        var target = dir.appendingPathComponent("\(base)-\(stamp)\(ext)")
        // Two rotations in one millisecond: the later gets a counter.
        var n = 1
        while FileManager.default.fileExists(atPath: target.path) {
            target = dir.appendingPathComponent("\(base)-\(stamp)-\(n)\(ext)")
            n += 1
        }
        try? FileManager.default.moveItem(at: url, to: target)
        guard maxBackups > 0 else { return }
        // Oldest first by the time they were last written.
        let backups = ((try? FileManager.default.contentsOfDirectory(at: dir, includingPropertiesForKeys: [.contentModificationDateKey])) ?? [])
            .filter { $0.lastPathComponent.hasPrefix(base + "-") && $0.lastPathComponent.hasSuffix(ext) }
            .map { ($0, (try? $0.resourceValues(forKeys: [.contentModificationDateKey]).contentModificationDate) ?? .distantPast) }
            .sorted { ($0.1, $0.0.lastPathComponent.count, $0.0.lastPathComponent) < ($1.1, $1.0.lastPathComponent.count, $1.0.lastPathComponent) }
        for (old, _) in backups.dropLast(maxBackups) { try? FileManager.default.removeItem(at: old) }
    }
}
