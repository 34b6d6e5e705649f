public import KubeAPI
import Netlink

/// The Services and EndpointSlices the proxy has seen, and which Services
/// changed since the last sync (only a spec or endpoint change counts; a new
/// resourceVersion alone does not).
public struct ServiceTracker: Sendable {
    public private(set) var services: [ServiceName: Service] = [:]
    /// Slices by the Service they name (label kubernetes.io/service-name), then by slice name.
    public private(set) var slices: [ServiceName: [String: EndpointSlice]] = [:]
    /// `namespace/slice` → the Service it was filed under.
    var sliceOwners: [String: ServiceName] = [:]
    /// Services to rebuild at the next sync.
    public private(set) var dirty: Set<ServiceName> = []
    public private(set) var serviceChanges: UInt64 = 0
    public private(set) var endpointChanges: UInt64 = 0

    public init() {}

    static func name(_ s: Service) -> ServiceName {
        ServiceName(namespace: s.metadata.namespace ?? "default", name: s.metadata.name ?? "")
    }

    /// The Service a slice belongs to, from its label.
    public static func owner(_ slice: EndpointSlice) -> ServiceName? {
        guard let service = slice.metadata.labels?[ServiceModel.serviceNameLabel], !service.isEmpty else { return nil }
        return ServiceName(namespace: slice.metadata.namespace ?? "default", name: service)
    }

    /// A Service was added or modified.
    public mutating func update(_ service: Service) {
        let name = Self.name(service)
        if services[name]?.spec != service.spec || services[name] == nil {
            dirty.insert(name)
            serviceChanges += 1
        }
        services[name] = service
    }

    /// A Service was deleted.
    public mutating func remove(_ service: Service) {
        let name = Self.name(service)
        if services.removeValue(forKey: name) != nil {
            dirty.insert(name)
            serviceChanges += 1
        }
    }

    /// An EndpointSlice was added or modified. Slices without the service-name label are ignored.
    public mutating func update(_ slice: EndpointSlice) {
        guard let owner = Self.owner(slice), let sliceName = slice.metadata.name else { return }
        // A slice may be relabelled to another Service.
        let id = "\(slice.metadata.namespace ?? "default")/\(sliceName)"
        if let previous = sliceOwners[id], previous != owner {
            slices[previous]?[sliceName] = nil
            if slices[previous]?.isEmpty == true { slices[previous] = nil }
            dirty.insert(previous)
        }
        sliceOwners[id] = owner
        let old = slices[owner]?[sliceName]
        if old?.endpoints != slice.endpoints || old?.ports != slice.ports || old?.addressType != slice.addressType || old == nil {
            dirty.insert(owner)
            endpointChanges += 1
        }
        slices[owner, default: [:]][sliceName] = slice
    }

    /// An EndpointSlice was deleted.
    public mutating func remove(_ slice: EndpointSlice) {
        guard let owner = Self.owner(slice), let sliceName = slice.metadata.name else { return }
        sliceOwners["\(slice.metadata.namespace ?? "default")/\(sliceName)"] = nil
        if slices[owner]?.removeValue(forKey: sliceName) != nil {
            if slices[owner]?.isEmpty == true { slices[owner] = nil }
            dirty.insert(owner)
            endpointChanges += 1
        }
    }

    /// Replaces every Service (after a list); those that differ become dirty.
    public mutating func replaceServices(_ list: [Service]) {
        let names = Set(list.map(Self.name))
        for (name, service) in services where !names.contains(name) { remove(service) }
        for s in list { update(s) }
    }

    /// Replaces every EndpointSlice (after a list).
    public mutating func replaceSlices(_ list: [EndpointSlice]) {
        let keep = Set(list.compactMap { s in Self.owner(s).map { "\($0)|\(s.metadata.name ?? "")" } })
        for (owner, bySlice) in slices {
            for (sliceName, slice) in bySlice where !keep.contains("\(owner)|\(sliceName)") { remove(slice) }
        }
        for s in list { update(s) }
    }

    /// Marks every Service dirty (a full rebuild).
    public mutating func markAllDirty() {
        dirty.formUnion(services.keys)
        dirty.formUnion(slices.keys)
    }

    /// Returns and clears the dirty set.
    public mutating func takeDirty() -> Set<ServiceName> {
        defer { dirty = [] }
        return dirty
    }

    /// Puts Services back in the dirty set (their sync failed).
    public mutating func restoreDirty(_ names: Set<ServiceName>) { dirty.formUnion(names) }

    /// The model of one Service for `family` (nil when the Service does not exist).
    public func model(_ name: ServiceName, family: IPFamily) -> ServiceModel.Result? {
        guard let service = services[name] else { return nil }
        return ServiceModel.ports(of: service, slices: slices[name].map { Array($0.values) } ?? [], family: family)
    }

    /// Whether any Service has an address of `family` (a table is kept per family in use).
    public func uses(_ family: IPFamily) -> Bool {
        services.values.contains { s in
            (s.spec?.clusterIPs ?? s.spec?.clusterIP.map { [$0] } ?? []).contains { IPAddress($0).map(family.contains) ?? false }
        }
    }
}
