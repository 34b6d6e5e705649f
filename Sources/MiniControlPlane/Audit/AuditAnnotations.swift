import Synchronization

/// The annotations of the audit event of the request being served
/// (upstream's `audit.AddAuditAnnotation`): admission plugins add
/// `key: value` pairs, such as PodSecurity's `pod-security.kubernetes.io/
/// audit-violations`, and the audit log writes them in the event's
/// `annotations`. One collector per request, found through a task-local
/// so that the storage layer needs no handle on the request.
final class AuditAnnotations: Sendable {
    @TaskLocal static var current: AuditAnnotations?
    private let values = Mutex<[String: String]>([:])

    /// Adds annotations; the first value of a key stays, as upstream's.
    func add(_ annotations: [String: String]) {
        values.withLock { v in
            for (k, value) in annotations where v[k] == nil { v[k] = value }
        }
    }

    var all: [String: String] { values.withLock { $0 } }
}
