import KubeAPI
import Logging

/// Upstream's `clusterrole-aggregation` controller: the rules of a
/// ClusterRole with an `aggregationRule` are the rules of every other
/// ClusterRole its selectors match (deduplicated, in name order), rewritten
/// after every ClusterRole change. So `admin`, `edit` and `view` grow when
/// a ClusterRole labelled `rbac.authorization.k8s.io/aggregate-to-view: "true"` appears.
struct ClusterRoleAggregator: Sendable {
    let registry: ResourceStorage
    let logger: Logger

    /// The rules each aggregated role should have, for roles whose rules differ.
    static func plan(_ roles: [JSONValue]) -> [(name: String, rules: [JSONValue])] {
        let byName = roles.sorted { ($0[path: ["metadata", "name"]]?.stringValue ?? "") < ($1[path: ["metadata", "name"]]?.stringValue ?? "") }
        var out: [(String, [JSONValue])] = []
        for role in byName {
            guard let selectors = role[path: ["aggregationRule", "clusterRoleSelectors"]]?.arrayValue else { continue }
            let name = role[path: ["metadata", "name"]]?.stringValue ?? ""
            let requirements = selectors.compactMap { s -> LabelRequirements? in
                guard let sel = try? JSONValueDecoder.decode(LabelSelector.self, from: s) else { return nil }
                return try? LabelRequirements(sel)
            }
            var rules: [JSONValue] = []
            for other in byName where other[path: ["metadata", "name"]]?.stringValue != name {
                let labels = other[path: ["metadata", "labels"]]?.objectValue?.compactMapValues(\.stringValue) ?? [:]
                guard requirements.contains(where: { $0.matches(labels) }) else { continue }
                for r in other["rules"]?.arrayValue ?? [] where !rules.contains(r) { rules.append(r) }
            }
            if (role["rules"]?.arrayValue ?? []) != rules { out.append((name, rules)) }
        }
        return out
    }

    /// Writes an aggregated role; one changed meanwhile is left to the next pass.
    func write(_ role: JSONValue, info: ResourceInfo, name: String) async throws(Status) {
        var options = WriteOptions()
        options.fieldManager = "clusterrole-aggregation-controller"
        do {
            _ = try await registry.update(info, nil, name, role, subresource: nil, options)
        } catch {
            if error.code != 409 { throw error }
        }
    }

    /// Runs until cancelled.
    func run() async {
        let info = ResourceCatalog.info(for: ClusterRole.self)
        while !Task.isCancelled {
            do {
                let list = try await registry.list(info, nil, ListQuery())
                let roles = try list.items.map { item throws(Status) in try registry.decode(item, info) }
                for (name, rules) in Self.plan(roles) {
                    guard var role = roles.first(where: { $0[path: ["metadata", "name"]]?.stringValue == name }) else { continue }
                    role["rules"] = .array(rules)
                    try await write(role, info: info, name: name)
                }
                try await registry.waitForChange(of: [info], after: list.revision, resync: .seconds(300))
            } catch is CancellationError {
                return
            } catch {
                logger.debug("aggregating cluster roles: \(error)")
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }
}
