public import CSI
import Synchronization

/// A CSI node plugin registered with this kubelet.
public struct CSIRegisteredDriver: Sendable, Hashable {
    /// The driver's name (`hostpath.csi.k8s.io`), as PersistentVolumes' `csi.driver` names it.
    public var name: String
    /// Where its CSI services listen.
    public var endpoint: CSIEndpoint
    /// The CSI versions it says it supports (`1.0.0`, …).
    public var supportedVersions: [String]
    /// The registration socket it came through (under `<root-dir>/plugins_registry/`).
    public var registrationSocket: String
    /// NodeGetInfo: the driver's ID for this node, its volume limit (0: none)
    /// and the topology segments this node is in.
    public var nodeID: String
    public var maxVolumesPerNode: Int64
    public var accessibleTopology: [String: String]

    public init(name: String, endpoint: CSIEndpoint, supportedVersions: [String], registrationSocket: String,
                nodeID: String, maxVolumesPerNode: Int64 = 0, accessibleTopology: [String: String] = [:]) {
        self.name = name
        self.endpoint = endpoint
        self.supportedVersions = supportedVersions
        self.registrationSocket = registrationSocket
        self.nodeID = nodeID
        self.maxVolumesPerNode = maxVolumesPerNode
        self.accessibleTopology = accessibleTopology
    }
}

/// The live CSI drivers of this node, by name: what the volume code asks to
/// find a driver's socket (upstream's `csiDrivers` store). Filled and emptied
/// by `CSIPluginRegistration` as registration sockets come and go.
public final class CSIDriverRegistry: Sendable {
    private let drivers = Mutex<[String: CSIRegisteredDriver]>([:])

    public init() {}

    /// The driver registered under `name`, if any.
    public func driver(named name: String) -> CSIRegisteredDriver? {
        drivers.withLock { $0[name] }
    }

    /// The endpoint of the driver registered under `name`, if any.
    public func endpoint(forDriver name: String) -> CSIEndpoint? {
        driver(named: name)?.endpoint
    }

    /// Every registered driver, by name.
    public var all: [CSIRegisteredDriver] {
        drivers.withLock { $0.values.sorted { $0.name < $1.name } }
    }

    /// Adds or replaces the driver of that name.
    public func register(_ driver: CSIRegisteredDriver) {
        drivers.withLock { $0[driver.name] = driver }
    }

    /// Removes the driver of that name, and returns it.
    @discardableResult
    public func deregister(named name: String) -> CSIRegisteredDriver? {
        drivers.withLock { $0.removeValue(forKey: name) }
    }
}
