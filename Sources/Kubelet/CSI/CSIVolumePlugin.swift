public import CSI
import Crypto
import Foundation
import KubeAPI

/// The kubelet's CSI volume plugin (`kubernetes.io/csi`): the drivers
/// registered on this node and where their volumes go. Volumes are staged
/// once per node at `<root>/plugins/kubernetes.io/csi/<driver>/<sha256(handle)>/globalmount`
/// and published into each pod at `<pod>/volumes/kubernetes.io~csi/<volume>/mount`,
/// beside a `vol_data.json` that lets a restarted kubelet (or nodectl)
/// unpublish and unstage them without the API: upstream's layout.
public struct CSIVolumePlugin: Sendable {
    public typealias ClientFactory = @Sendable (CSIEndpoint) throws -> any CSINodeClient

    public let registry: CSIDriverRegistry
    /// The kubelet's `--root-dir`.
    public let rootDirectory: String
    public let nodeName: String
    let makeClient: ClientFactory

    public init(registry: CSIDriverRegistry, rootDirectory: String, nodeName: String,
                makeClient: @escaping ClientFactory = { try GRPCCSIClient(endpoint: $0, timeout: .seconds(120)) }) {
        self.registry = registry
        self.rootDirectory = rootDirectory
        self.nodeName = nodeName
        self.makeClient = makeClient
    }

    /// The directory under a pod's volumes where CSI volumes are published.
    public static let podDirectory = "kubernetes.io~csi"

    /// Where a driver's volume is staged on this node.
    public func stagingPath(driver: String, volumeHandle: String) -> String {
        rootDirectory + "/plugins/kubernetes.io/csi/" + driver + "/" + Self.sha256(volumeHandle) + "/globalmount"
    }

    /// A client for the registered driver `name`, or upstream's error when there is none.
    func client(forDriver name: String) throws -> (any CSINodeClient, CSIEndpoint) {
        guard let driver = registry.driver(named: name) else {
            throw VolumeError("kubernetes.io/csi: driver name \(name) not found in the list of registered CSI drivers")
        }
        return (try makeClient(driver.endpoint), driver.endpoint)
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }
}

/// What the kubelet records beside a published CSI volume (`vol_data.json`):
/// upstream's keys, plus the staging path and the driver's endpoint so the
/// volume can be torn down without the API or the driver registry.
struct CSIVolumeData: Codable, Equatable {
    var driverName: String
    var volumeHandle: String
    var specVolID: String
    var nodeName: String
    var attachmentID: String?
    var volumeLifecycleMode: String
    var stagingTargetPath: String?
    var endpoint: String?

    static let fileName = "vol_data.json"

    static func load(_ directory: String) -> CSIVolumeData? {
        guard let data = FileManager.default.contents(atPath: directory + "/" + fileName) else { return nil }
        return try? JSONDecoder().decode(CSIVolumeData.self, from: data)
    }

    func save(_ directory: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        try encoder.encode(self).write(to: URL(fileURLWithPath: directory + "/" + Self.fileName), options: .atomic)
    }
}
