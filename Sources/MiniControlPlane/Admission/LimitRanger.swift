import Foundation
import KubeAPI

/// The LimitRanger admission plugin: a new pod's containers get the
/// `default` limits and `defaultRequest` requests of the namespace's
/// LimitRanges where they state none (noted in the pod's
/// `kubernetes.io/limit-ranger` annotation), and pods whose containers (or
/// the pod as a whole) fall outside a range's `min`, `max` or
/// `maxLimitRequestRatio` are refused with upstream's messages
/// (`maximum cpu usage per Container is 1, but limit is 2`).
struct LimitRanger: AdmissionPlugin {
    var name: String { "LimitRanger" }
    static let annotation = "kubernetes.io/limit-ranger"

    func applies(_ a: AdmissionAttributes) -> Bool {
        a.info.builtinKind == "Pod" && a.info.group.isEmpty && a.operation == .create && a.subresource == nil && a.namespace != nil
    }

    /// The `spec.limits` items of the namespace's LimitRanges.
    static func items(_ ns: String, _ registry: ResourceStorage) async throws(Status) -> [JSONValue] {
        try await registry.admissionList(ResourceCatalog.info(for: LimitRange.self), ns).flatMap { $0[path: ["spec", "limits"]]?.arrayValue ?? [] }
    }

    func admit(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard applies(a), var pod = a.object else { return }
        let containerItems = try await Self.items(a.namespace ?? "", registry).filter { $0["type"]?.stringValue == "Container" }
        guard !containerItems.isEmpty else { return }
        var limits: [String: JSONValue] = [:], requests: [String: JSONValue] = [:]
        // The first range naming a resource decides its default (upstream's defaultContainerResourceRequirements).
        for item in containerItems {
            for (k, v) in item["default"]?.objectValue ?? [:] where limits[k] == nil { limits[k] = v }
            for (k, v) in item["defaultRequest"]?.objectValue ?? [:] where requests[k] == nil { requests[k] = v }
        }
        var notes: [String] = []
        var spec = pod["spec"] ?? .emptyObject
        for (field, prefix) in [("containers", "container"), ("initContainers", "init container")] {
            guard var cs = spec[field]?.arrayValue else { continue }
            for i in cs.indices {
                var res = cs[i]["resources"] ?? .emptyObject
                var lim = res["limits"]?.objectValue ?? [:], req = res["requests"]?.objectValue ?? [:]
                var setLimits: [String] = [], setRequests: [String] = []
                for (k, v) in limits where lim[k] == nil { lim[k] = v; setLimits.append(k) }
                for (k, v) in requests where req[k] == nil { req[k] = v; setRequests.append(k) }
                if !lim.isEmpty { res["limits"] = .object(lim) }
                if !req.isEmpty { res["requests"] = .object(req) }
                cs[i]["resources"] = res
                let cname = cs[i]["name"]?.stringValue ?? ""
                if !setRequests.isEmpty { notes.append("\(setRequests.sorted().joined(separator: ", ")) request for \(prefix) \(cname)") }
                if !setLimits.isEmpty { notes.append("\(setLimits.sorted().joined(separator: ", ")) limit for \(prefix) \(cname)") }
            }
            spec[field] = .array(cs)
        }
        guard !notes.isEmpty else { return }
        pod["spec"] = spec
        pod.set(path: ["metadata", "annotations", Self.annotation], to: .string("LimitRanger plugin set: " + notes.joined(separator: "; ")))
        // The QoS class follows the new requests and limits.
        pod.set(path: ["status", "qosClass"], to: .string(Defaulter.qosClass(spec)))
        a.object = pod
    }

    func validate(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard applies(a), let pod = a.object else { return }
        let items = try await Self.items(a.namespace ?? "", registry)
        guard !items.isEmpty else { return }
        let spec = pod["spec"] ?? .emptyObject
        var errors: [String] = []
        for item in items {
            switch item["type"]?.stringValue {
            case "Container":
                for c in (spec["containers"]?.arrayValue ?? []) + (spec["initContainers"]?.arrayValue ?? []) {
                    errors += Self.check(item, "Container", requests: Self.list(c[path: ["resources", "requests"]]),
                                         limits: Self.list(c[path: ["resources", "limits"]]))
                }
            case "Pod":
                let (requests, limits) = Self.podTotals(spec)
                errors += Self.check(item, "Pod", requests: requests, limits: limits)
            default:
                continue
            }
        }
        guard !errors.isEmpty else { return }
        // utilerrors.NewAggregate's wording.
        throw a.forbidden(errors.count == 1 ? errors[0] : "[" + errors.joined(separator: ", ") + "]")
    }

    typealias Amounts = [String: (text: String, value: Decimal)]

    static func list(_ v: JSONValue?) -> Amounts {
        var out: Amounts = [:]
        for (k, q) in v?.objectValue ?? [:] {
            let text = q.stringValue ?? q.intValue.map(String.init) ?? ""
            if let d = Quantity(text).decimal { out[k] = (text, d) }
        }
        return out
    }

    /// A pod's requests and limits: its containers' sums, or its largest init container's when larger.
    static func podTotals(_ spec: JSONValue) -> (Amounts, Amounts) {
        func total(_ key: String) -> Amounts {
            var sum: [String: Decimal] = [:]
            for c in spec["containers"]?.arrayValue ?? [] {
                for (k, v) in list(c[path: ["resources", key]]) { sum[k, default: 0] += v.value }
            }
            for c in spec["initContainers"]?.arrayValue ?? [] {
                for (k, v) in list(c[path: ["resources", key]]) where v.value > sum[k, default: 0] { sum[k] = v.value }
            }
            return sum.mapValues { (QuotaEvaluator.format($0, binary: false), $0) }
        }
        return (total("requests"), total("limits"))
    }

    /// Upstream's minConstraint, maxConstraint and limitRequestRatioConstraint.
    static func check(_ item: JSONValue, _ type: String, requests: Amounts, limits: Amounts) -> [String] {
        var errs: [String] = []
        for (r, enforced) in list(item["min"]).sorted(by: { $0.key < $1.key }) {
            if let req = requests[r] {
                if req.value < enforced.value {
                    errs.append("minimum \(r) usage per \(type) is \(enforced.text), but request is \(req.text)")
                } else if let lim = limits[r], lim.value < enforced.value {
                    errs.append("minimum \(r) usage per \(type) is \(enforced.text), but limit is \(lim.text)")
                }
            } else {
                errs.append("minimum \(r) usage per \(type) is \(enforced.text).  No request is specified")
            }
        }
        for (r, enforced) in list(item["max"]).sorted(by: { $0.key < $1.key }) {
            if let lim = limits[r] {
                if lim.value > enforced.value {
                    errs.append("maximum \(r) usage per \(type) is \(enforced.text), but limit is \(lim.text)")
                } else if let req = requests[r], req.value > enforced.value {
                    errs.append("maximum \(r) usage per \(type) is \(enforced.text), but request is \(req.text)")
                }
            } else {
                errs.append("maximum \(r) usage per \(type) is \(enforced.text).  No limit is specified")
            }
        }
        for (r, enforced) in list(item["maxLimitRequestRatio"]).sorted(by: { $0.key < $1.key }) {
            guard let req = requests[r], req.value != 0 else {
                errs.append("\(r) max limit to request ratio per \(type) is \(enforced.text), but no request is specified or request is 0")
                continue
            }
            guard let lim = limits[r], lim.value != 0 else {
                errs.append("\(r) max limit to request ratio per \(type) is \(enforced.text), but no limit is specified or limit is 0")
                continue
            }
            let ratio = NSDecimalNumber(decimal: lim.value / req.value).doubleValue
            if lim.value / req.value > enforced.value {
                errs.append("\(r) max limit to request ratio per \(type) is \(enforced.text), but provided ratio is \(String(format: "%f", ratio))")
            }
        }
        return errs
    }
}
