import KubeAPI
import Synchronization

/// The Priority admission plugin: a new pod gets the priority (and
/// preemption policy) of the PriorityClass it names, or of the class marked
/// `globalDefault` when it names none (priority 0 without one); a pod naming
/// a missing class, or stating a priority other than its class's, is
/// refused; at most one class is the global default. Messages as upstream's.
struct PriorityAdmission: AdmissionPlugin {
    var name: String { "Priority" }

    func admit(_ a: inout AdmissionAttributes, _ registry: ResourceStorage) async throws(Status) {
        guard a.isMainResource, var obj = a.object else { return }
        switch (a.info.kind, a.operation) {
        case ("Pod", .create):
            try await Self.admitPod(&obj, registry: registry)
        case ("Pod", .update):
            // Set on create; an update that omits it keeps it.
            if obj[path: ["spec", "priority"]] == nil, let old = a.oldObject?[path: ["spec", "priority"]] {
                obj.set(path: ["spec", "priority"], to: old)
            }
        case ("PriorityClass", .create), ("PriorityClass", .update):
            try await Self.admitClass(obj, registry: registry)
            registry.priorityClasses.forget()
        default:
            return
        }
        a.object = obj
    }

    static func forbidden(_ info: ResourceInfo, _ name: String, _ reason: String) -> Status {
        APIErrors.forbidden("\(info.groupResource) \"\(name)\" is forbidden: \(reason)", kind: info.plural, name: name)
    }

    /// The classes, read at most once a second (every pod create needs the
    /// global default; upstream reads it from an informer, as current).
    static func classes(_ registry: ResourceStorage) async throws(Status) -> [JSONValue] {
        if let cached = registry.priorityClasses.current() { return cached }
        let info = ResourceCatalog.info(for: PriorityClass.self)
        var out: [JSONValue] = []
        for item in try await registry.list(info, nil, ListQuery()).items { out.append(try registry.decode(item, info)) }
        registry.priorityClasses.set(out)
        return out
    }


    /// Sets a new pod's `spec.priority` from its class.
    static func admitPod(_ pod: inout JSONValue, registry: ResourceStorage) async throws(Status) {
        let podInfo = ResourceCatalog.info(for: Pod.self)
        let podName = pod[path: ["metadata", "name"]]?.stringValue ?? ""
        var spec = pod["spec"] ?? .emptyObject
        let named = spec["priorityClassName"]?.stringValue ?? ""
        var priority: Int64 = 0
        // Without a class (and no default), upstream's DefaultPriorityWhenNoDefaultClassExists.
        var policy: String? = "PreemptLowerPriority"
        if named.isEmpty {
            if let d = try await classes(registry).first(where: { $0["globalDefault"]?.boolValue == true }) {
                spec["priorityClassName"] = d[path: ["metadata", "name"]]
                priority = d["value"]?.intValue ?? 0
                policy = d["preemptionPolicy"]?.stringValue
            }
        } else {
            let pcInfo = ResourceCatalog.info(for: PriorityClass.self)
            let pc: JSONValue
            do {
                pc = try await registry.get(pcInfo, nil, named)
            } catch where error.code == 404 {
                throw forbidden(podInfo, podName, "no PriorityClass with name \(named) was found")
            }
            priority = pc["value"]?.intValue ?? 0
            policy = pc["preemptionPolicy"]?.stringValue
        }
        if let stated = spec["priority"]?.intValue, stated != priority {
            throw forbidden(podInfo, podName, "the integer value of priority (\(stated)) must not be provided in pod spec; priority admission controller computed \(priority) from the given PriorityClass name")
        }
        spec["priority"] = .int(priority)
        if let policy {
            if let stated = spec["preemptionPolicy"]?.stringValue, stated != policy {
                throw forbidden(podInfo, podName, "the string value of PreemptionPolicy (\(stated)) must not be provided in pod spec; priority admission controller computed \(policy) from the given PriorityClass name")
            }
            spec["preemptionPolicy"] = .string(policy)
        }
        pod["spec"] = spec
    }

    /// Refuses a second global default.
    static func admitClass(_ pc: JSONValue, registry: ResourceStorage) async throws(Status) {
        guard pc["globalDefault"]?.boolValue == true else { return }
        let name = pc[path: ["metadata", "name"]]?.stringValue ?? ""
        if let other = try await classes(registry).first(where: {
            $0["globalDefault"]?.boolValue == true && $0[path: ["metadata", "name"]]?.stringValue != name
        }) {
            throw forbidden(ResourceCatalog.info(for: PriorityClass.self), name,
                            "PriorityClass \(other[path: ["metadata", "name"]]?.stringValue ?? "") is already marked as default. Only one default can exist")
        }
    }
}

/// The PriorityClasses as last read, trusted for a second; writes of
/// classes through this server forget them at once.
final class PriorityClassCache: Sendable {
    private let entry = Mutex<([JSONValue], ContinuousClock.Instant)?>(nil)
    static let ttl: Duration = .seconds(1)

    func current() -> [JSONValue]? {
        entry.withLock { e in
            guard let (classes, at) = e, ContinuousClock.now - at < Self.ttl else { return nil }
            return classes
        }
    }

    func set(_ classes: [JSONValue]) { entry.withLock { $0 = (classes, ContinuousClock.now) } }
    func forget() { entry.withLock { $0 = nil } }
}
