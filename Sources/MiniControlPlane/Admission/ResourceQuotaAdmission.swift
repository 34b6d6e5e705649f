import Foundation
import KubeAPI

/// The ResourceQuota admission plugin: a create (or an update that grows
/// what an object uses) in a namespace with ResourceQuotas is refused with
/// 403 when it would take a quota's `status.used` beyond `spec.hard`
/// (`exceeded quota: NAME, requested: cpu=2, used: cpu=1, limited: cpu=2`),
/// or when a pod leaves out a request or limit the quota limits
/// (`failed quota: NAME: must specify limits.cpu for: c`). Admitted writes
/// are charged to `status.used` at once, compare-and-swap, so two creates
/// cannot both take the last of a quota; the quota controller later
/// recounts from what exists. Pods are charged on create only (their
/// resources are immutable); subresources are not charged.
struct ResourceQuotaAdmission: AdmissionPlugin {
    var name: String { "ResourceQuota" }

    func validate(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard a.operation == .create || a.operation == .update, a.subresource == nil, a.info.namespaced,
              let ns = a.namespace, let obj = a.object else { return }
        if a.info.builtinKind == "Pod" && a.operation == .update { return }
        let quotaInfo = ResourceCatalog.info(for: ResourceQuota.self)
        // Most namespaces have none; charging reads them fresh.
        if try await registry.admissionList(quotaInfo, ns).isEmpty { return }
        for _ in 0..<8 {
            let page = try await registry.list(quotaInfo, ns, ListQuery())
            if page.items.isEmpty { return }
            var charged: [(StoredValue, JSONValue)] = []
            for item in page.items {
                let quota = try registry.decode(item, quotaInfo)
                if let updated = try await charge(quota, a, obj, registry) { charged.append((item, updated)) }
            }
            if a.dryRun || charged.isEmpty { return }
            var conflict = false
            for (item, updated) in charged {
                do {
                    _ = try await registry.store.update(key: item.key, value: StoredObject.encode(quotaInfo.toStorage(updated)),
                                                        expectedRevision: item.modRevision)
                } catch .conflict {
                    conflict = true
                    break
                } catch {
                    throw ResourceStorage.status(error, quotaInfo, updated[path: ["metadata", "name"]]?.stringValue ?? "")
                }
            }
            if !conflict { return }
        }
        throw a.forbidden("failed quota: too many concurrent updates to the namespace's quotas; try again")
    }

    /// Checks one quota; returns it with the request charged to
    /// `status.used`, or nil when the request does not concern it.
    func charge(_ quota: JSONValue, _ a: AdmissionAttributes, _ obj: JSONValue, _ registry: ResourceStorage) async throws(Status) -> JSONValue? {
        let quotaName = quota[path: ["metadata", "name"]]?.stringValue ?? ""
        let spec = quota["spec"] ?? .emptyObject
        let hard = spec["hard"]?.objectValue ?? [:]
        let relevant = Set(hard.keys.filter { QuotaEvaluator.tracks($0, a.info) })
        guard !relevant.isEmpty, QuotaEvaluator.matches(spec, obj, a.info) else { return nil }
        if a.info.builtinKind == "Pod" && a.info.group.isEmpty {
            let missing = QuotaEvaluator.missing(obj, required: relevant)
            if !missing.isEmpty {
                let text = missing.keys.sorted().map { "\($0) for: \(Set(missing[$0] ?? []).sorted().joined(separator: ","))" }.joined(separator: "; ")
                throw a.forbidden("failed quota: \(quotaName): must specify \(text)")
            }
        }
        var delta = QuotaEvaluator.usage(obj, a.info).filter { relevant.contains($0.key) }
        if a.operation == .update, let old = a.oldObject, QuotaEvaluator.matches(spec, old, a.info) {
            let before = QuotaEvaluator.usage(old, a.info)
            for (k, v) in delta { delta[k] = v - (before[k] ?? 0) }
        }
        delta = delta.filter { $0.value > 0 }
        guard !delta.isEmpty else { return nil }
        var usedList = quota[path: ["status", "used"]]?.objectValue ?? [:]
        if relevant.contains(where: { usedList[$0] == nil }) {
            // No status yet (the controller has not seen the quota): count now.
            let counted = try await QuotaUsageCounter.usage(of: spec, names: Set(hard.keys), namespace: a.namespace ?? "", registry)
            for k in hard.keys where usedList[k] == nil {
                usedList[k] = .string(QuotaEvaluator.format(counted[k] ?? 0, binary: QuotaEvaluator.isBinary(hard[k]?.stringValue)))
            }
        }
        func dec(_ v: JSONValue?) -> Decimal { v?.stringValue.flatMap { Quantity($0).decimal } ?? v?.intValue.map { Decimal($0) } ?? 0 }
        var failed: [String] = []
        for (k, d) in delta where dec(usedList[k]) + d > dec(hard[k]) { failed.append(k) }
        if !failed.isEmpty {
            failed.sort()
            func pretty(_ value: (String) -> Decimal) -> String {
                failed.map { "\($0)=\(QuotaEvaluator.format(value($0), binary: QuotaEvaluator.isBinary(hard[$0]?.stringValue)))" }.joined(separator: ",")
            }
            throw a.forbidden("exceeded quota: \(quotaName), requested: \(pretty { delta[$0] ?? 0 }), used: \(pretty { dec(usedList[$0]) }), limited: \(pretty { dec(hard[$0]) })")
        }
        for (k, d) in delta {
            usedList[k] = .string(QuotaEvaluator.format(dec(usedList[k]) + d, binary: QuotaEvaluator.isBinary(hard[k]?.stringValue)))
        }
        var updated = quota
        updated.set(path: ["status", "hard"], to: .object(hard))
        updated.set(path: ["status", "used"], to: .object(usedList))
        updated.set(path: ["metadata", "resourceVersion"], to: nil)
        return updated
    }
}

/// Counts what a namespace uses of a quota's resources by listing the
/// objects (for a quota whose status the controller has not filled yet).
enum QuotaUsageCounter {
    static func usage(of quotaSpec: JSONValue, names: Set<String>, namespace: String,
                      _ registry: ResourceStorage) async throws(Status) -> [String: Decimal] {
        var resources: [ResourceInfo] = []
        for n in names.sorted() {
            if let r = QuotaEvaluator.resource(for: n), !resources.contains(r) { resources.append(r) }
        }
        var total: [String: Decimal] = [:]
        for r in resources {
            let page = try await registry.list(r, namespace, ListQuery())
            for item in page.items {
                let obj = try registry.decode(item, r)
                guard QuotaEvaluator.matches(quotaSpec, obj, r) else { continue }
                total = QuotaEvaluator.add(total, QuotaEvaluator.usage(obj, r).filter { names.contains($0.key) })
            }
        }
        return total
    }
}
