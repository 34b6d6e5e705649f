import Foundation
import KubeAPI
import Logging

/// kube-aggregator's controllers in one loop, run by every API server:
/// - **autoregistration**: a `Local` APIService for each group-version the
///   server serves itself: the built-ins and metrics.k8s.io made once if
///   missing (`kube-aggregator.kubernetes.io/automanaged: onstart`, so an
///   APIService applied over one, as metrics-server's, stays), the custom
///   resources' kept in step with their definitions (`automanaged: true`);
/// - **availability**: the `Available` condition of each, `Local` for local
///   ones and, for remote ones, the result of ``Aggregator/check(_:)``
///   (service, port, endpoints, then a discovery request).
/// It runs after every change of APIServices, Services, Endpoints and
/// definitions, every 30 s, and every 5 s while a remote one fails.
struct APIServiceController: Sendable {
    let registry: ResourceStorage
    let aggregator: Aggregator
    /// Whether metrics.k8s.io is served in-process.
    let localMetrics: Bool
    let logger: Logger

    static let automanagedLabel = "kube-aggregator.kubernetes.io/automanaged"
    static let fieldManager = "kube-aggregator"
    static let resync: Duration = .seconds(30)
    static let retry: Duration = .seconds(5)

    /// Upstream's discovery ranks of the built-in groups (`apiVersionPriorities`): group, version.
    static let priorities: [String: (Int32, Int32)] = [
        "": (18000, 1), "apiregistration.k8s.io": (18000, 15), "apps": (17800, 15), "events.k8s.io": (17750, 15),
        "authentication.k8s.io": (17700, 15), "authorization.k8s.io": (17600, 15), "autoscaling": (17500, 15), "batch": (17400, 15),
        "certificates.k8s.io": (17300, 15), "networking.k8s.io": (17200, 15), "policy": (17100, 15),
        "rbac.authorization.k8s.io": (17000, 15), "storage.k8s.io": (16800, 15), "apiextensions.k8s.io": (16700, 15),
        "admissionregistration.k8s.io": (16700, 15), "scheduling.k8s.io": (16600, 15), "coordination.k8s.io": (16500, 15),
        "node.k8s.io": (16300, 15), "discovery.k8s.io": (16200, 15), "flowcontrol.apiserver.k8s.io": (16100, 21),
        // metrics-server's own APIService asks for these.
        NodeMetricsAPI.group: (100, 100),
    ]

    var info: ResourceInfo { ResourceCatalog.info(for: APIService.self) }

    /// A Local APIService for `group`/`version`.
    static func local(group: String, version: String, automanaged: String) -> APIService {
        // Custom resources rank low, as upstream's crdregistration controller ranks them.
        let (g, v) = priorities[group] ?? (1000, 100)
        var meta = ObjectMeta(name: "\(version).\(group)")
        meta.labels = [automanagedLabel: automanaged]
        return APIService(metadata: meta, spec: APIServiceSpec(group: group.isEmpty ? nil : group, version: version,
                                                               groupPriorityMinimum: g, versionPriority: v))
    }

    /// The Local APIServices this server needs: built-in group-versions (`onstart`) and established definitions' served versions (`true`).
    func wanted(definitions: [CustomResourceDefinition]) -> [APIService] {
        var out = [Self.local(group: "", version: "v1", automanaged: "onstart")]
        let builtins = ResourceCatalog.builtins
        for g in builtins.groups {
            for v in builtins.versions(group: g) { out.append(Self.local(group: g, version: v, automanaged: "onstart")) }
        }
        for g in [AccessReview.group, SelfSubjectReview.group] { out.append(Self.local(group: g, version: "v1", automanaged: "onstart")) }
        if localMetrics { out.append(Self.local(group: NodeMetricsAPI.group, version: "v1beta1", automanaged: "onstart")) }
        for crd in definitions where crd.condition("Established")?.status == "True" && crd.metadata.deletionTimestamp == nil {
            for v in crd.spec.versions where v.served {
                out.append(Self.local(group: crd.spec.group, version: v.name, automanaged: "true"))
            }
        }
        return out
    }

    /// One pass; returns the revision read and whether a remote APIService is unavailable.
    func sync(startup: Bool) async throws -> (revision: Int64, failing: Bool) {
        let page = try await registry.list(info, nil, ListQuery())
        var existing: [String: APIService] = [:]
        for item in page.items {
            if let s = try? JSONValueDecoder.decode(APIService.self, from: registry.decode(item, info)) { existing[s.metadata.name ?? ""] = s }
        }
        let crdInfo = ResourceCatalog.info(for: CustomResourceDefinition.self)
        let definitions = try await registry.list(crdInfo, nil, ListQuery()).items.compactMap {
            try? JSONValueDecoder.decode(CustomResourceDefinition.self, from: registry.decode($0, crdInfo))
        }
        let wanted = wanted(definitions: definitions)
        let wantedNames = Set(wanted.compactMap(\.metadata.name))
        var options = WriteOptions()
        options.fieldManager = Self.fieldManager
        for s in wanted {
            let name = s.metadata.name ?? ""
            let automanaged = s.metadata.labels?[Self.automanagedLabel]
            if let current = existing[name] {
                // `true` ones follow their definition; anything else someone applied stays.
                guard automanaged == "true", current.metadata.labels?[Self.automanagedLabel] == "true", current.spec != s.spec else { continue }
                var updated = current
                updated.spec = s.spec
                if let written = try? await registry.update(info, nil, name, KubeCodec.encode(updated), subresource: nil, options),
                   let decoded = try? JSONValueDecoder.decode(APIService.self, from: written.object) {
                    existing[name] = decoded
                }
            } else if automanaged == "true" || startup {
                if let made = try? await registry.create(info, nil, KubeCodec.encode(s), options),
                   let decoded = try? JSONValueDecoder.decode(APIService.self, from: made.object) {
                    existing[name] = decoded
                }
            }
        }
        // A definition's version no longer served: its APIService goes.
        for (name, s) in existing where s.metadata.labels?[Self.automanagedLabel] == "true" && !wantedNames.contains(name) {
            _ = try? await registry.delete(info, nil, name, options: DeleteOptions(), dryRun: false)
            existing[name] = nil
        }
        var failing = false
        await withTaskGroup(of: Bool.self) { group in
            for s in existing.values {
                group.addTask { await self.updateAvailability(s) }
            }
            for await ok in group where !ok { failing = true }
        }
        return (page.revision, failing)
    }

    /// Decides and writes one APIService's `Available` condition; false when a remote one is unavailable.
    func updateAvailability(_ s: APIService) async -> Bool {
        let condition = s.spec.service == nil
            ? APIServiceCondition(type: "Available", status: "True", reason: "Local", message: "Local APIServices are always available")
            : await aggregator.check(s)
        let previous = s.available
        if previous?.status != condition.status || previous?.reason != condition.reason || previous?.message != condition.message {
            var updated = s
            var c = condition
            c.lastTransitionTime = previous?.status == condition.status ? previous?.lastTransitionTime : Timestamp()
            var conditions = (s.status?.conditions ?? []).filter { $0.type != "Available" }
            conditions.append(c)
            updated.status = APIServiceStatus(conditions: conditions)
            var options = WriteOptions()
            options.fieldManager = Self.fieldManager
            do {
                _ = try await registry.update(info, nil, s.metadata.name ?? "", KubeCodec.encode(updated), subresource: "status", options)
                if previous?.status != condition.status, s.spec.service != nil {
                    logger.info("apiservice \(s.metadata.name ?? ""): Available \(condition.status) (\(condition.reason ?? "")): \(condition.message ?? "")")
                }
            } catch {
                if error.code != 409 && error.code != 404 { logger.info("apiservice \(s.metadata.name ?? ""): writing its status: \(error)") }
            }
        }
        return condition.status == "True"
    }

    /// Runs until cancelled.
    func run() async {
        var startup = true
        let watched = [info, ResourceCatalog.info(for: Service.self), ResourceCatalog.info(for: Endpoints.self),
                       ResourceCatalog.info(for: CustomResourceDefinition.self)]
        while !Task.isCancelled {
            do {
                let (revision, failing) = try await sync(startup: startup)
                startup = false
                try await registry.waitForChange(of: watched, after: revision, resync: failing ? Self.retry : Self.resync)
            } catch is CancellationError {
                return
            } catch {
                logger.debug("apiservices: \(error)")
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }
}
