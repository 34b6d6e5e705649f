public import KubeAPI

/// Keeps this node's CSINode object (`storage.k8s.io/v1`, named as the node)
/// listing the registered drivers: what the scheduler and the attach/detach
/// logic read a driver's node ID, topology keys and volume limit from.
public protocol CSINodeWriter: Sendable {
    /// Adds the driver to the CSINode, or replaces the entry of that name,
    /// and labels the Node with the driver's topology segments (what a PV's
    /// node affinity from that driver names).
    func installDriver(_ driver: CSINodeDriver, topology: [String: String]) async throws
    /// Removes the driver of that name from the CSINode (nothing if absent).
    func uninstallDriver(named name: String) async throws
}

/// `CSINodeWriter` over the API server: creates the CSINode on first use with
/// an owner reference to the Node (so it goes with it), and updates it with
/// retries on conflicts, as upstream's nodeinfomanager does.
public struct KubeCSINodeWriter: CSINodeWriter {
    public let client: KubeClient
    public let nodeName: String
    /// How many times a conflicting update is retried.
    public var conflictRetries = 5

    public init(client: KubeClient, nodeName: String) {
        self.client = client
        self.nodeName = nodeName
    }

    public func installDriver(_ driver: CSINodeDriver, topology: [String: String]) async throws {
        try await labelNode(topology)
        try await modify { drivers in
            if let index = drivers.firstIndex(where: { $0.name == driver.name }) {
                if drivers[index] == driver { return false }
                drivers[index] = driver
            } else {
                drivers.append(driver)
            }
            return true
        }
    }

    public func uninstallDriver(named name: String) async throws {
        try await modify { drivers in
            let before = drivers.count
            drivers.removeAll { $0.name == name }
            return drivers.count != before
        }
    }

    /// Applies `change` (which says whether it changed anything) to the
    /// CSINode's drivers, creating the CSINode when it is missing.
    private func modify(_ change: (inout [CSINodeDriver]) -> Bool) async throws(KubeClientError) {
        var attempt = 0
        while true {
            attempt += 1
            do {
                guard var csiNode = try await existing() else {
                    var drivers: [CSINodeDriver] = []
                    _ = change(&drivers)
                    _ = try await client.create(try await newCSINode(drivers: drivers))
                    return
                }
                guard change(&csiNode.spec.drivers) else { return }
                _ = try await client.update(csiNode)
                return
            } catch {
                if !error.isConflict || attempt > conflictRetries { throw error }
            }
        }
    }

    /// Adds the topology segments to the Node's labels, as upstream's
    /// nodeinfomanager does (a label already there with another value is a
    /// conflict the driver must not cause: refused).
    private func labelNode(_ topology: [String: String]) async throws {
        guard !topology.isEmpty else { return }
        var attempt = 0
        while true {
            attempt += 1
            var node = try await client.get(Node.self, name: nodeName)
            var labels = node.metadata.labels ?? [:]
            if topology.allSatisfy({ labels[$0.key] == $0.value }) { return }
            for (key, value) in topology.sorted(by: { $0.key < $1.key }) {
                if let existing = labels[key], existing != value {
                    throw CSIRegistrationError.topologyCollision(key: key, reported: value, existing: existing)
                }
                labels[key] = value
            }
            node.metadata.labels = labels
            do {
                _ = try await client.update(node)
                return
            } catch {
                if !error.isConflict || attempt > conflictRetries { throw error }
            }
        }
    }

    /// This node's CSINode, nil when there is none yet.
    private func existing() async throws(KubeClientError) -> CSINode? {
        do {
            return try await client.get(CSINode.self, name: nodeName)
        } catch {
            if !error.isNotFound { throw error }
            return nil
        }
    }

    private func newCSINode(drivers: [CSINodeDriver]) async throws(KubeClientError) -> CSINode {
        var metadata = ObjectMeta(name: nodeName)
        let node = try await client.get(Node.self, name: nodeName)
        if let uid = node.metadata.uid {
            metadata.ownerReferences = [OwnerReference(apiVersion: "v1", kind: "Node", name: nodeName, uid: uid)]
        }
        return CSINode(metadata: metadata, spec: CSINodeSpec(drivers: drivers))
    }
}
