import Foundation
import KubeAPI
import Logging

/// Serves the custom resources of the CustomResourceDefinitions: upstream's
/// naming, establishing and finalizing controllers in one loop, which runs in
/// every API server (as kube-apiserver's apiextensions controllers do, with no
/// leader election). After every change of a definition it decides the names
/// and conditions (``CustomResourceNaming``), writes the statuses that
/// differ, serves the established definitions' versions
/// (``ResourceRegistry``), and empties definitions being deleted of their
/// objects before taking their finalizer away.
struct CustomResourceDefinitionController: Sendable {
    let registry: ResourceStorage
    let logger: Logger
    static let resync: Duration = .seconds(60)
    static let fieldManager = "apiextensions-controller"

    var info: ResourceInfo { ResourceCatalog.info(for: CustomResourceDefinition.self) }

    /// Reads the definitions once and serves what they establish; called before the API server serves requests,
    /// so that custom resources are there from the first one. Returns the revision read.
    @discardableResult
    func sync() async throws -> Int64 {
        let page = try await registry.list(info, nil, ListQuery())
        var all: [CustomResourceDefinition] = []
        for item in page.items {
            let obj = try registry.decode(item, info)
            do {
                all.append(try JSONValueDecoder.decode(CustomResourceDefinition.self, from: obj))
            } catch {
                logger.warning("customresourcedefinition \(obj[path: ["metadata", "name"]]?.stringValue ?? ""): \(error)")
            }
        }
        // The oldest definition keeps a contested name.
        all.sort { ($0.metadata.creationTimestamp?.date ?? .distantPast, $0.name) < ($1.metadata.creationTimestamp?.date ?? .distantPast, $1.name) }
        for i in all.indices {
            let decision = CustomResourceNaming.decide(all[i], among: all)
            let status = CustomResourceNaming.status(of: all[i], with: decision, now: Timestamp())
            guard status != all[i].status else { continue }
            all[i].status = status
            await writeStatus(all[i])
        }
        registry.resources.replaceCustomResources(CustomResourceNaming.served(all))
        for crd in all where crd.metadata.deletionTimestamp != nil && (crd.metadata.finalizers ?? []).contains(CustomResourceDefinition.cleanupFinalizer) {
            await finalize(crd)
        }
        return page.revision
    }

    /// Runs until cancelled.
    func run() async {
        while !Task.isCancelled {
            do {
                let revision = try await sync()
                try await registry.waitForChange(of: [info], after: revision, resync: Self.resync)
            } catch is CancellationError {
                return
            } catch {
                logger.debug("serving custom resource definitions: \(error)")
                try? await Task.sleep(for: .seconds(2))
            }
        }
    }

    /// Writes a definition's status; one changed meanwhile is decided again on the next pass.
    func writeStatus(_ crd: CustomResourceDefinition) async {
        var options = WriteOptions()
        options.fieldManager = Self.fieldManager
        do {
            _ = try await registry.update(info, nil, crd.name, KubeCodec.encode(crd), subresource: "status", options)
        } catch {
            if error.code != 409 { logger.info("customresourcedefinition \(crd.name): writing its status: \(error)") }
        }
    }

    /// Upstream's finalizer controller: the definition is marked `Terminating`, every object of it is deleted
    /// (all versions share one storage prefix), then the finalizer goes and the definition with it.
    func finalize(_ crd: CustomResourceDefinition) async {
        var crd = crd
        let terminating = CustomResourceDefinitionCondition(type: "Terminating", status: "True", reason: "InstanceDeletionInProgress",
                                                            message: "CustomResource deletion is in progress", lastTransitionTime: Timestamp())
        if crd.condition("Terminating")?.status != "True" {
            var conditions = (crd.status?.conditions ?? []).filter { $0.type != "Terminating" }
            conditions.append(terminating)
            crd.status = crd.status ?? CustomResourceDefinitionStatus()
            crd.status?.conditions = conditions
            await writeStatus(crd)
        }
        guard let stored = crd.resourceInfos.first(where: \.isStorageVersion) ?? crd.resourceInfos.first else {
            return await removeFinalizer(crd)
        }
        do {
            let page = try await registry.list(stored, nil, ListQuery())
            for item in page.items {
                let obj = try registry.decode(item, stored)
                let name = obj[path: ["metadata", "name"]]?.stringValue ?? ""
                let ns = obj[path: ["metadata", "namespace"]]?.stringValue
                _ = try? await registry.delete(stored, ns, name, options: DeleteOptions(), dryRun: false)
            }
            // Objects with finalizers of their own are waited for (the next pass looks again).
            let left = try await registry.list(stored, nil, ListQuery())
            if !left.items.isEmpty {
                logger.debug("customresourcedefinition \(crd.name): \(left.items.count) objects still have finalizers")
                return
            }
        } catch {
            logger.info("customresourcedefinition \(crd.name): deleting its objects: \(error)")
            return
        }
        await removeFinalizer(crd)
    }

    func removeFinalizer(_ crd: CustomResourceDefinition) async {
        do {
            let current = try await registry.get(info, nil, crd.name)
            var obj = current
            let finalizers = (obj[path: ["metadata", "finalizers"]]?.arrayValue ?? []).filter { $0 != .string(CustomResourceDefinition.cleanupFinalizer) }
            obj.set(path: ["metadata", "finalizers"], to: finalizers.isEmpty ? nil : .array(finalizers))
            var options = WriteOptions()
            options.fieldManager = Self.fieldManager
            _ = try await registry.update(info, nil, crd.name, obj, subresource: nil, options)
        } catch {
            if error.code != 404 && error.code != 409 { logger.info("customresourcedefinition \(crd.name): removing its finalizer: \(error)") }
        }
    }
}
