public import CSI
public import KubeAPI
public import Logging

/// Registers CSI node plugins as upstream's kubelet does: a plugin (the
/// node-driver-registrar beside a driver) puts a socket serving
/// `pluginregistration.Registration` in `<root-dir>/plugins_registry/`; the
/// kubelet asks it `GetInfo`, accepts `CSIPlugin`s that speak CSI 1.x, calls
/// the driver's `NodeGetInfo` and adds the driver to the node's CSINode and
/// to the `CSIDriverRegistry`, then answers `NotifyRegistrationStatus`. When
/// the socket goes away the driver is removed from both.
///
/// `run()` polls the directory; `register(socketPath:)` and
/// `deregister(socketPath:)` are the steps, callable directly.
public actor CSIPluginRegistration {
    public typealias RegistrationClientFactory = @Sendable (_ socketPath: String) throws -> any PluginRegistrationClient
    public typealias NodeClientFactory = @Sendable (_ endpoint: CSIEndpoint) throws -> any CSINodeClient

    /// The plugin type CSI drivers register as.
    public static let csiPluginType = "CSIPlugin"

    public let directory: String
    public let registry: CSIDriverRegistry
    private let nodeWriter: any CSINodeWriter
    private let makeRegistrationClient: RegistrationClientFactory
    private let makeNodeClient: NodeClientFactory
    private let logger: Logger
    private let clock = ContinuousClock()
    /// The sockets seen and registered (path → inode, so a socket made anew
    /// at the same path registers again).
    private var registered: [String: UInt64] = [:]
    /// Sockets whose registration failed: when to try again, and the delay after that.
    private var retries: [String: (inode: UInt64, next: ContinuousClock.Instant, delay: Duration)] = [:]

    /// - Parameters:
    ///   - directory: `<root-dir>/plugins_registry` (made if missing).
    public init(
        directory: String,
        registry: CSIDriverRegistry,
        nodeWriter: any CSINodeWriter,
        makeRegistrationClient: @escaping RegistrationClientFactory = { try GRPCPluginRegistrationClient(socketPath: $0) },
        makeNodeClient: @escaping NodeClientFactory = { try GRPCCSIClient(endpoint: $0, timeout: .seconds(30)) },
        logger: Logger = Logger(label: "kubelet.csi")
    ) {
        self.directory = directory
        self.registry = registry
        self.nodeWriter = nodeWriter
        self.makeRegistrationClient = makeRegistrationClient
        self.makeNodeClient = makeNodeClient
        self.logger = logger
    }

    /// Watches the directory every `interval` until cancelled.
    public func run(interval: Duration = .seconds(1)) async {
        do {
            try PluginSocketScanner.makeDirectory(directory)
        } catch {
            logger.error("cannot create the plugin registration directory \(directory): \(error)")
        }
        while !Task.isCancelled {
            await scan()
            try? await Task.sleep(for: interval)
        }
    }

    /// One pass: registers new sockets (and failed ones whose retry is due),
    /// deregisters those gone.
    public func scan() async {
        let sockets = PluginSocketScanner.sockets(in: directory)
        for (path, inode) in registered where sockets[path] != inode {
            await deregister(socketPath: path)
        }
        for (path, retry) in retries where sockets[path] != retry.inode {
            retries[path] = nil
        }
        for (path, inode) in sockets.sorted(by: { $0.key < $1.key }) where registered[path] != inode {
            if let retry = retries[path], retry.inode == inode, clock.now < retry.next { continue }
            do {
                try await register(socketPath: path)
                registered[path] = inode
                retries[path] = nil
            } catch {
                let delay = min((retries[path]?.delay ?? .milliseconds(500)) * 2, .seconds(120))
                retries[path] = (inode, clock.now + delay, delay)
            }
        }
    }

    /// Registers the plugin behind one registration socket, and tells it the
    /// outcome. Throws the reason it was refused.
    public func register(socketPath: String) async throws {
        let plugin = try makeRegistrationClient(socketPath)
        defer { Task { await plugin.close() } }
        let outcome: Result<CSIRegisteredDriver, any Error>
        do {
            let info = try await plugin.getInfo()
            outcome = .success(try await install(info, registrationSocket: socketPath))
        } catch {
            outcome = .failure(error)
        }
        switch outcome {
        case .success(let driver):
            logger.info("registered CSI driver \(driver.name) at \(driver.endpoint) (node ID \(driver.nodeID))")
            try? await plugin.notifyRegistrationStatus(registered: true, error: "")
        case .failure(let error):
            logger.warning("plugin registration through \(socketPath) failed: \(error)")
            try? await plugin.notifyRegistrationStatus(registered: false, error: "\(error)")
            throw error
        }
    }

    /// Removes the driver that registered through `socketPath` from the
    /// registry and from the CSINode.
    public func deregister(socketPath: String) async {
        registered[socketPath] = nil
        guard let driver = registry.all.first(where: { $0.registrationSocket == socketPath }) else { return }
        registry.deregister(named: driver.name)
        do {
            try await nodeWriter.uninstallDriver(named: driver.name)
            logger.info("deregistered CSI driver \(driver.name): \(socketPath) is gone")
        } catch {
            logger.error("deregistered CSI driver \(driver.name) but could not remove it from the CSINode: \(error)")
        }
    }

    private func install(_ info: PluginRegistration.PluginInfo, registrationSocket: String) async throws -> CSIRegisteredDriver {
        guard info.type == Self.csiPluginType else {
            throw CSIRegistrationError.unsupportedType(info.type)
        }
        guard !info.name.isEmpty else { throw CSIRegistrationError.missingName }
        guard Self.highestSupportedVersion(info.supportedVersions) != nil else {
            throw CSIRegistrationError.unsupportedVersions(driver: info.name, versions: info.supportedVersions)
        }
        let endpointText = info.endpoint.isEmpty ? registrationSocket : info.endpoint
        guard let endpoint = CSIEndpoint(endpointText) else {
            throw CSIRegistrationError.badEndpoint(driver: info.name, endpoint: endpointText)
        }
        let driverClient = try makeNodeClient(endpoint)
        defer { Task { await driverClient.close() } }
        let nodeInfo = try await driverClient.nodeGetInfo()
        guard !nodeInfo.nodeID.isEmpty else { throw CSIRegistrationError.missingNodeID(driver: info.name) }
        let topology = nodeInfo.accessibleTopology?.segments ?? [:]
        let driver = CSIRegisteredDriver(
            name: info.name, endpoint: endpoint, supportedVersions: info.supportedVersions,
            registrationSocket: registrationSocket, nodeID: nodeInfo.nodeID,
            maxVolumesPerNode: nodeInfo.maxVolumesPerNode, accessibleTopology: topology
        )
        try await nodeWriter.installDriver(driver.csiNodeDriver, topology: driver.accessibleTopology)
        registry.register(driver)
        return driver
    }

    /// The highest of `versions` the kubelet speaks (CSI 1.x; a leading `v`
    /// allowed), or nil when there is none.
    public static func highestSupportedVersion(_ versions: [String]) -> String? {
        func parse(_ text: String) -> [Int]? {
            let trimmed = text.hasPrefix("v") ? String(text.dropFirst()) : text
            let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false).map { Int($0) }
            guard (1...3).contains(parts.count), parts.allSatisfy({ $0 != nil }) else { return nil }
            return parts.map { $0 ?? 0 } + Array(repeating: 0, count: 3 - parts.count)
        }
        return versions
            .compactMap { text in parse(text).map { (text, $0) } }
            .filter { $0.1[0] == 1 }
            .max { $0.1.lexicographicallyPrecedes($1.1) }?.0
    }
}

extension CSIRegisteredDriver {
    /// The driver's entry in the CSINode: node ID, topology keys (sorted) and
    /// the volume limit when the driver sets one.
    public var csiNodeDriver: CSINodeDriver {
        var entry = CSINodeDriver(name: name, nodeID: nodeID)
        entry.topologyKeys = accessibleTopology.isEmpty ? nil : accessibleTopology.keys.sorted()
        if maxVolumesPerNode > 0 {
            var allocatable = VolumeNodeResources()
            allocatable.count = Int32(clamping: maxVolumesPerNode)
            entry.allocatable = allocatable
        }
        return entry
    }
}

/// Why a plugin was not registered.
public enum CSIRegistrationError: Error, Sendable, Equatable, CustomStringConvertible {
    case unsupportedType(String)
    case missingName
    case unsupportedVersions(driver: String, versions: [String])
    case badEndpoint(driver: String, endpoint: String)
    case missingNodeID(driver: String)
    case topologyCollision(key: String, reported: String, existing: String)

    public var description: String {
        switch self {
        case .unsupportedType(let type):
            "plugin type \"\(type)\" is not supported: this kubelet registers \(CSIPluginRegistration.csiPluginType)s only"
        case .missingName:
            "the plugin gave no name in GetInfo"
        case .unsupportedVersions(let driver, let versions):
            "CSI driver \(driver) supports versions \(versions), none of them 1.x, the version this kubelet speaks"
        case .badEndpoint(let driver, let endpoint):
            "CSI driver \(driver) gave endpoint \"\(endpoint)\": the kubelet dials Unix sockets only (unix:///path or /path)"
        case .missingNodeID(let driver):
            "CSI driver \(driver) answered NodeGetInfo without a node ID"
        case .topologyCollision(let key, let reported, let existing):
            "detected topology value collision: driver reported \(key):\(reported) but existing label is \(key):\(existing)"
        }
    }
}
