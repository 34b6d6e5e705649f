/// Events validated as kube-apiserver validates them (`ValidateEventCreate`
/// and `ValidateEventUpdate` of `pkg/apis/core/validation/events.go`): every
/// event passes the legacy checks; one written through `events.k8s.io/v1`
/// also the strict ones. Field paths are upstream's internal names
/// (`message`, `firstTimestamp`), whichever version the request used, as
/// upstream reports them.
enum EventValidation {
    static let reportingInstanceLengthLimit = 128
    static let actionLengthLimit = 128
    static let reasonLengthLimit = 128
    static let noteLengthLimit = 1024

    /// Errors of a new event (`old == nil`) or an update; `strict` for
    /// writes through `events.k8s.io/v1`.
    static func validate(_ e: Event, old: Event?, strict: Bool) -> [FieldError] {
        var errs = legacy(e)
        guard strict else { return errs }
        guard let old else {
            errs += series(e)
            if e.eventTime == nil { errs.append(.required("eventTime")) }
            if e.type != "Normal" && e.type != "Warning" {
                errs.append(.invalid("type", "", "has invalid value: \(e.type ?? "")"))
            }
            if e.firstTimestamp != nil { errs.append(.invalid("firstTimestamp", "", "needs to be unset")) }
            if e.lastTimestamp != nil { errs.append(.invalid("lastTimestamp", "", "needs to be unset")) }
            if (e.count ?? 0) != 0 { errs.append(.invalid("count", "", "needs to be unset")) }
            if !(e.source?.component ?? "").isEmpty || !(e.source?.host ?? "").isEmpty {
                errs.append(.invalid("source", "", "needs to be unset"))
            }
            return errs
        }
        if e.series != old.series { errs += series(e) }
        func immutable<T: Equatable & Encodable>(_ path: String, _ new: T?, _ was: T?) {
            guard new != was else { return }
            let shown = new.map { JSONWriter.string(KubeCodec.encode($0)) } ?? "null"
            errs.append(FieldError(kind: .invalid, field: path, value: shown, detail: "field is immutable"))
        }
        immutable("involvedObject", e.involvedObject, old.involvedObject)
        immutable("reason", e.reason, old.reason)
        immutable("message", e.message, old.message)
        immutable("source", e.source, old.source)
        immutable("firstTimestamp", e.firstTimestamp, old.firstTimestamp)
        immutable("lastTimestamp", e.lastTimestamp, old.lastTimestamp)
        immutable("count", e.count, old.count)
        immutable("type", e.type, old.type)
        immutable("eventTime", e.eventTime, old.eventTime)
        immutable("action", e.action, old.action)
        immutable("related", e.related, old.related)
        immutable("reportingController", e.reportingComponent, old.reportingComponent)
        immutable("reportingInstance", e.reportingInstance, old.reportingInstance)
        return errs
    }

    static func series(_ e: Event) -> [FieldError] {
        guard let s = e.series else { return [] }
        var errs: [FieldError] = []
        if (s.count ?? 0) < 2 { errs.append(.invalid("series.count", "", "should be at least 2")) }
        if s.lastObservedTime == nil { errs.append(.required("series.lastObservedTime")) }
        return errs
    }

    /// The checks every event passes, whatever version wrote it.
    static func legacy(_ e: Event) -> [FieldError] {
        var errs: [FieldError] = []
        let ns = e.metadata.namespace ?? ""
        let involvedNS = e.involvedObject.namespace ?? ""
        let mismatch = FieldError.invalid("involvedObject.namespace", involvedNS, "does not match event.namespace")
        guard e.eventTime != nil else {
            // Old-style events: the event's namespace is the object's (or default, for cluster-scoped objects).
            if involvedNS.isEmpty ? !(ns.isEmpty || ns == "default") : ns != involvedNS { errs.append(mismatch) }
            return errs
        }
        if involvedNS.isEmpty && ns != "default" && ns != "kube-system" { errs.append(mismatch) }
        let controller = e.reportingComponent ?? ""
        if controller.isEmpty { errs.append(.required("reportingController")) }
        for m in LabelValidation.qualifiedNameErrors(controller) { errs.append(.invalid("reportingController", controller, m)) }
        // Required (or not) and at most `limit` bytes long.
        func text(_ field: String, _ value: String?, limit: Int, required: Bool = true) {
            let v = value ?? ""
            if required && v.isEmpty { errs.append(.required(field)) }
            if v.utf8.count > limit { errs.append(.invalid(field, "", "can have at most \(limit) characters")) }
        }
        text("reportingInstance", e.reportingInstance, limit: reportingInstanceLengthLimit)
        text("action", e.action, limit: actionLengthLimit)
        text("reason", e.reason, limit: reasonLengthLimit)
        text("message", e.message, limit: noteLengthLimit, required: false)
        return errs
    }
}
