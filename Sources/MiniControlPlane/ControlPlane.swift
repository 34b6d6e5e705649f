import Foundation
import KubeAPI
public import Logging
import ControllerRuntime
import Scheduler
import Controllers
import NIOSSL
import HTTPServing

/// Why the control plane could not start.
public struct ControlPlaneError: Error, CustomStringConvertible {
    public var description: String
}

/// The control plane process: API server over a store, with certificates,
/// tokens and kubeconfig in the data directory, plus the scheduler and the
/// controllers, which run in the one process holding the leader Lease.
public final class ControlPlane: Sendable {
    public let configuration: ControlPlaneConfiguration
    let logger: Logger
    let instanceID = String(UUID().uuidString.prefix(8)).lowercased()

    public init(configuration: ControlPlaneConfiguration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The audit log of `--audit-log-path` and `--audit-policy-file`
    /// (both are needed, as upstream logs nothing without a policy).
    static func auditLog(_ c: ControlPlaneConfiguration) throws -> AuditLog? {
        guard let path = c.auditLogPath, !path.isEmpty, let policyFile = c.auditPolicyFile else { return nil }
        let policy: AuditPolicy
        do {
            policy = try AuditPolicy.parse(Array(try Data(contentsOf: URL(fileURLWithPath: policyFile))))
        } catch let e as AuditPolicyError {
            throw ControlPlaneError(description: "--audit-policy-file \(policyFile): \(e.description)")
        } catch {
            throw ControlPlaneError(description: "cannot read --audit-policy-file \(policyFile): \(error.localizedDescription)")
        }
        return AuditLog(policy: policy, path: path, maxSize: c.auditLogMaxSize * 1_048_576, maxBackups: c.auditLogMaxBackups)
    }

    /// Opens the configured store.
    public static func openStore(_ c: ControlPlaneConfiguration) throws -> any Store {
        if let ds = c.datastore, !ds.isEmpty {
            guard let endpoints = EtcdStore.endpoints(fromDatastore: ds) else {
                throw ControlPlaneError(description: "unsupported --datastore \(ds): expected etcd://host:2379[,host:2379]")
            }
            return EtcdStore(endpoints: endpoints)
        }
        do {
            return try SQLiteStore(path: c.dataDir.appendingPathComponent("state.db").path)
        } catch {
            throw ControlPlaneError(description: error.description)
        }
    }

    /// Holds `DIR/controlplane.lock` so that two processes never serve one
    /// SQLite database (their watches would miss each other's writes).
    /// The lock goes with the process, also on kill -9.
    static func lockDataDir(_ dir: URL) throws -> Int32 {
        let path = dir.appendingPathComponent("controlplane.lock").path
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw ControlPlaneError(description: "cannot open \(path): errno \(errno)") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw ControlPlaneError(description: "another controlplane is using \(dir.path) (\(path) is locked); with SQLite storage only one process may serve a data directory")
        }
        return fd
    }

    /// Subject alternative names of the serving certificate.
    func subjectAltNames(serviceIP: String) -> [String] {
        var sans = ["127.0.0.1", "localhost", "::1", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
                    "kubernetes.default.svc.cluster.local", serviceIP]
        if let host = ProcessInfo.processInfo.hostName.split(separator: ".").first { sans.append(String(host)) }
        sans.append(ProcessInfo.processInfo.hostName)
        if configuration.bindAddress != "0.0.0.0" && configuration.bindAddress != "::" { sans.append(configuration.bindAddress) }
        if let advertised = configuration.advertiseAddress { sans.append(advertised) }
        return sans + configuration.tlsSANs
    }

    /// Runs until cancelled (SIGTERM/SIGINT through ServiceLifecycle).
    public func run() async throws {
        let c = configuration
        let enabled: Set<String>
        do {
            enabled = try ControllerManager.enabled(c.controllers, known: ControlLoops.knownNames)
        } catch {
            throw ControlPlaneError(description: error.description)
        }
        try FileManager.default.createDirectory(at: c.dataDir, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        let credentials = try Credentials.loadOrCreate(dir: c.dataDir)
        let allocator = ServiceAllocator(serviceCIDR: c.serviceCIDR)
        let ca = try CertificateAuthority.prepare(dir: c.dataDir, sans: subjectAltNames(serviceIP: allocator.kubernetesServiceIP))
        var tlsConfig = TLSConfiguration.makeServerConfiguration(
            certificateChain: [.certificate(try NIOSSLCertificate(bytes: Array(ca.servingCertificatePEM.utf8), format: .pem))],
            privateKey: .privateKey(try NIOSSLPrivateKey(bytes: Array(ca.servingKeyPEM.utf8), format: .pem)))
        tlsConfig.applicationProtocols = ["http/1.1"]
        // Client certificates are requested, never required; APIHandler verifies them.
        tlsConfig.certificateVerification = .optionalVerification
        tlsConfig.trustRoots = .certificates([try NIOSSLCertificate(bytes: Array(ca.caCertificatePEM.utf8), format: .pem)])
        let tls = try NIOSSLContext(configuration: tlsConfig)
        if c.datastore == nil || c.datastore?.isEmpty == true {
            _ = try Self.lockDataDir(c.dataDir)
        }
        let kubelets = try KubeletProxy(clientCertificatePEM: ca.kubeletClientCertificatePEM, clientKeyPEM: ca.kubeletClientKeyPEM)
        let store: any Store
        do {
            let opened = try Self.openStore(c)
            store = c.encryptionConfiguration.map { EncryptingStore(base: opened, configuration: $0) } ?? opened
        } catch {
            await kubelets.shutdown()
            throw error
        }
        let rbac = RBACAuthorizer()
        let authorizer = Authorizer(rbac: rbac, modes: c.authorizationModes)
        let registry = ResourceStorage(
            store: store,
            defaulter: Defaulter(),
            allocator: allocator,
            admission: .standard(defaultTolerations: DefaultTolerationSeconds(notReadySeconds: c.defaultNotReadyTolerationSeconds,
                                                                              unreachableSeconds: c.defaultUnreachableTolerationSeconds)),
            authorizer: authorizer)
        let schedulerMetrics = SchedulerMetrics()
        let tokens = ServiceAccountTokens()
        let advertised = c.advertiseAddress ?? ((c.bindAddress == "0.0.0.0" || c.bindAddress == "::") ? "127.0.0.1" : c.bindAddress)
        let hostForURL = advertised.contains(":") ? "[\(advertised)]" : advertised
        let audit = try Self.auditLog(c)
        let authenticator = Authenticator(credentials: credentials, staticTokens: c.staticTokens,
                                          clientCertificates: ClientCertificateAuthenticator(ca: ca.caCertificate), anonymousAuth: c.anonymousAuth)
        let aggregator = try Aggregator(registry: registry, clientCertificatePEM: ca.frontProxyClientCertificatePEM,
                                        clientKeyPEM: ca.frontProxyClientKeyPEM, logger: logger)
        let logs = try c.logStore.map { try ClusterLogService(dataDir: c.dataDir, configuration: $0, logger: self.logger) }
        let handler = APIHandler(registry: registry, authenticator: authenticator, authorizer: authorizer, metrics: APIMetrics(),
                                 logger: logger, serverAddress: "\(hostForURL):\(c.securePort)",
                                 bookmarkInterval: c.watchBookmarkInterval, kubelets: kubelets, tokens: tokens,
                                 extraMetrics: { schedulerMetrics.render() }, audit: audit, aggregator: aggregator, logs: logs,
                                 leaderIdentity: c.leaderElect && !(c.datastore ?? "").isEmpty ? identity : nil,
                                 dashboard: c.disabled.contains("dashboard") ? nil : DashboardServer(prometheusURL: c.prometheusURL),
                                 readiness: { (try? await store.currentRevision()) != nil })
        let server = HTTPServer(host: c.bindAddress, port: c.securePort, tls: tls, acceptsClientCertificates: true, logger: logger) { req in await handler.handle(req) }
        let logger = self.logger
        // The port first: a taken one fails the start before any object is written.
        let listener: HTTPServer.Listener
        do {
            listener = try await server.bind()
        } catch {
            await kubelets.shutdown()
            await store.close()
            throw ControlPlaneError(description: error.addressInUse
                ? "port \(c.securePort) on \(c.bindAddress) is already in use (another controlplane or API server?): stop that process, or serve on another port with --secure-port (or another address with --bind-address)"
                : "\(error); check --bind-address and --secure-port")
        }
        defer { logger.info("control plane stopped") }
        do {
            // Storage may come up after us (etcd restarting): retry with back-off.
            var delay = 0.5
            var rbacRevision: Int64 = 0
            while true {
                do {
                    try await Bootstrap.run(registry: registry, allocator: allocator, advertiseAddress: advertised, port: c.securePort,
                                           localStorage: !c.disabled.contains("local-storage"), logger: logger)
                    try await Bootstrap.publishAuthentication(registry: registry, ca: ca)
                    try await BootstrapPolicyReconciler.run(registry, logger: logger)
                    try await tokens.load(store: store)
                    try await NodeToken.ensure(dir: c.dataDir, registry: registry)
                    rbacRevision = try await rbac.load(registry)
                    // Custom resources are served from the first request on.
                    try await CustomResourceDefinitionController(registry: registry, logger: logger).sync()
                    break
                } catch {
                    logger.warning("waiting for storage: \(error)")
                    try await Task.sleep(for: .milliseconds(Int64(delay * 1000)))
                    delay = min(delay * 2, 10)
                }
            }
            // Requests and control loops (child tasks inherit the preference)
            // run on large stacks: see `JSONParser.maxDepth`.
            try await withTaskExecutorPreference(LargeStackExecutor.shared) {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        do {
                            try credentials.writeAdminKubeconfig(dir: c.dataDir, server: "https://\(hostForURL):\(listener.port)", ca: ca)
                            try credentials.writeKubeProxyKubeconfig(dir: c.dataDir, server: "https://\(hostForURL):\(listener.port)", ca: ca)
                        } catch {
                            logger.error("cannot write admin.kubeconfig and kube-proxy.kubeconfig: \(error)")
                        }
                        try await server.serve(listener)
                    }
                    group.addTask { await Self.compactionLoop(store: store, interval: c.compactionInterval, logger: logger) }
                    if !enabled.isEmpty {
                        let loops = ControlLoops(client: LocalClusterClient(registry: registry), configuration: c, enabled: enabled,
                                                 identity: self.identity, schedulerMetrics: schedulerMetrics, caPEM: ca.caCertificatePEM, issuer: ca,
                                                 reviewer: AuthorizerReviewer(authorizer: authorizer), podMetrics: handler.nodeMetrics, logger: logger)
                        group.addTask { await self.runLeading(loops) }
                    }
                    group.addTask { await Self.eventExpiryLoop(store: store, ttl: c.eventTTL, logger: logger) }
                    if let logs {
                        group.addTask { await logs.run() }
                        group.addTask { await logs.shipOwnLogs(tap: .shared, node: ProcessInfo.processInfo.hostName) }
                    }
                    group.addTask { await FlowConfigurationWatcher(registry: registry, flowControl: handler.flowControl, logger: logger).run() }
                    group.addTask { await CustomResourceDefinitionController(registry: registry, logger: logger).run() }
                    group.addTask { [rbacRevision] in await rbac.run(registry, from: rbacRevision, logger: logger) }
                    group.addTask { await ClusterRoleAggregator(registry: registry, logger: logger).run() }
                    group.addTask {
                        await APIServiceController(registry: registry, aggregator: aggregator, localMetrics: handler.nodeMetrics != nil,
                                                   logger: logger).run()
                    }
                    group.addTask {
                        await LegacyTokenController(registry: registry, tokens: tokens, caPEM: ca.caCertificatePEM, logger: logger).run()
                    }
                    _ = try await group.next()
                    group.cancelAll()
                }
            }
        } catch {
            await listener.close()
            await kubelets.shutdown()
            await aggregator.shutdown()
            await logs?.shutdown()
            await store.close()
            throw error
        }
        await listener.close()
        await kubelets.shutdown()
        await aggregator.shutdown()
        await logs?.shutdown()
        await store.close()
    }

    /// A name for this process in the leader Lease: host name and a random suffix.
    var identity: String {
        "\(ProcessInfo.processInfo.hostName)_\(ProcessInfo.processInfo.processIdentifier)_\(instanceID)"
    }

    /// Runs the scheduler and controllers; with etcd only while holding the
    /// leader Lease (several controlplanes may share one etcd).
    func runLeading(_ loops: ControlLoops) async {
        let c = configuration
        guard c.leaderElect, let ds = c.datastore, !ds.isEmpty else {
            await loops.run()
            return
        }
        var lec = LeaderElectionConfiguration(identity: identity)
        lec.leaseDuration = c.leaderElectLeaseDuration
        lec.renewDeadline = c.leaderElectRenewDeadline
        lec.retryPeriod = c.leaderElectRetryPeriod
        let elector = LeaderElector(configuration: lec, client: loops.client, logger: logger)
        await elector.run { await loops.run() }
    }

    /// Deletes events whose last occurrence is older than `ttl`, once a minute.
    static func eventExpiryLoop(store: any Store, ttl: Duration, logger: Logger) async {
        let info = ResourceCatalog.info(for: Event.self)
        let ttlSeconds = Double(ttl.components.seconds)
        while !Task.isCancelled {
            do { try await Task.sleep(for: .seconds(60)) } catch { return }
            let removed = await expireEvents(store: store, info: info, olderThan: Date().addingTimeInterval(-ttlSeconds))
            if removed > 0 { logger.debug("expired \(removed) events") }
        }
    }

    /// Deletes events last written before `cutoff`; returns how many. As
    /// upstream's TTL counts from the write (an etcd lease per write), the age
    /// is that of the latest of the server's creation time, the last
    /// timestamp and the series' last observation: a client's own old
    /// `eventTime` does not make a new event expire at once.
    static func expireEvents(store: any Store, info: ResourceInfo, olderThan cutoff: Date) async -> Int {
        guard let page = try? await store.list(prefix: info.keyPrefix, startAfter: nil, limit: 0, revision: 0) else { return 0 }
        var removed = 0
        for item in page.items {
            guard let v = try? JSONParser.parse(item.value) else { continue }
            let written = [v[path: ["metadata", "creationTimestamp"]], v["lastTimestamp"], v[path: ["series", "lastObservedTime"]]]
                .compactMap { $0?.stringValue.flatMap(Timestamp.init(rfc3339:))?.date }.max()
            guard let t = written ?? v["eventTime"]?.stringValue.flatMap(Timestamp.init(rfc3339:))?.date, t < cutoff else { continue }
            if (try? await store.delete(key: item.key, expectedRevision: item.modRevision)) != nil { removed += 1 }
        }
        return removed
    }

    /// Every interval, compacts history older than the previous interval.
    static func compactionLoop(store: any Store, interval: Duration, logger: Logger) async {
        var previous: Int64?
        while !Task.isCancelled {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            guard let now = try? await store.currentRevision() else { continue }
            if let previous, previous > 0 {
                do {
                    try await store.compact(revision: previous)
                    logger.debug("compacted store up to revision \(previous)")
                } catch {
                    logger.warning("compaction failed: \(error)")
                }
            }
            previous = now
        }
    }
}

/// Objects every cluster has: the system namespaces and the `kubernetes` Service.
enum Bootstrap {
    /// `kube-system/extension-apiserver-authentication`, written on every start as
    /// kube-apiserver writes it: how aggregated API servers (metrics-server, …)
    /// authenticate the requests the API server proxies to them.
    static func publishAuthentication(registry: ResourceStorage, ca: CertificateAuthority) async throws(Status) {
        let info = ResourceCatalog.info(for: ConfigMap.self)
        let name = "extension-apiserver-authentication"
        let data: JSONValue = [
            "client-ca-file": .string(ca.caCertificatePEM),
            "requestheader-client-ca-file": .string(ca.frontProxyCACertificatePEM),
            "requestheader-allowed-names": .string("[\"\(CertificateAuthority.frontProxyClientName)\"]"),
            "requestheader-username-headers": "[\"X-Remote-User\"]",
            "requestheader-group-headers": "[\"X-Remote-Group\"]",
            "requestheader-extra-headers-prefix": "[\"X-Remote-Extra-\"]",
        ]
        let obj: JSONValue = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": "kube-system"], "data": data]
        if try await !createIfMissing(registry, info, "kube-system", obj) {
            var current = try await registry.get(info, "kube-system", name)
            guard current["data"] != data else { return }
            current["data"] = data
            _ = try await registry.update(info, "kube-system", name, current, subresource: nil, WriteOptions())
        }
    }

    /// Creates an object; false when it already existed.
    static func createIfMissing(_ registry: ResourceStorage, _ info: ResourceInfo, _ ns: String?, _ obj: JSONValue) async throws(Status) -> Bool {
        do {
            _ = try await registry.create(info, ns, obj, WriteOptions())
            return true
        } catch {
            if error.code == 409 { return false }
            throw error
        }
    }

    static func run(registry: ResourceStorage, allocator: ServiceAllocator, advertiseAddress: String, port: Int, localStorage: Bool,
                    logger: Logger) async throws {
        let nsInfo = ResourceCatalog.info(for: Namespace.self)
        for ns in ["default", "kube-system", "kube-public", "kube-node-lease"] {
            if try await createIfMissing(registry, nsInfo, nil, ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(ns)]]) {
                logger.info("created namespace \(ns)")
            }
        }
        let pcInfo = ResourceCatalog.info(for: PriorityClass.self)
        for (name, value, description) in PriorityClass.systemClasses {
            _ = try await createIfMissing(registry, pcInfo, nil, [
                "apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": ["name": .string(name)],
                "value": .int(Int64(value)), "description": .string(description),
            ])
        }
        if localStorage {
            // k3s's default class; one deleted comes back at the next start, as in k3s.
            _ = try await createIfMissing(registry, ResourceCatalog.info(for: StorageClass.self), nil, [
                "apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                "metadata": ["name": .string(StorageNames.localPathClass), "annotations": [StorageClass.defaultClassAnnotation: "true"]],
                "provisioner": .string(StorageNames.localPathProvisioner), "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer",
                "allowVolumeExpansion": true,
            ])
        }
        for obj in FlowControl.defaultObjects {
            if let kind = obj["kind"]?.stringValue, let info = ResourceCatalog.find(apiVersion: "flowcontrol.apiserver.k8s.io/v1", kind: kind) {
                _ = try await createIfMissing(registry, info, nil, obj)
            }
        }
        let svcInfo = ResourceCatalog.info(for: Service.self)
        let svc: JSONValue = [
            "apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "kubernetes", "namespace": "default", "labels": ["component": "apiserver", "provider": "kubernetes"]],
            "spec": ["type": "ClusterIP", "clusterIP": .string(allocator.kubernetesServiceIP),
                     "ports": [["name": "https", "port": 443, "protocol": "TCP", "targetPort": .int(Int64(port))]]],
        ]
        _ = try await createIfMissing(registry, svcInfo, "default", svc)
        guard IPAddressSyntax.isIPv4(advertiseAddress) else { return }
        let epInfo = ResourceCatalog.info(for: Endpoints.self)
        let ep: JSONValue = [
            "apiVersion": "v1", "kind": "Endpoints", "metadata": ["name": "kubernetes", "namespace": "default"],
            "subsets": [["addresses": [["ip": .string(advertiseAddress)]], "ports": [["name": "https", "port": .int(Int64(port)), "protocol": "TCP"]]]],
        ]
        let sliceInfo = ResourceCatalog.info(for: EndpointSlice.self)
        let slice: JSONValue = [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": ["name": "kubernetes", "namespace": "default", "labels": ["kubernetes.io/service-name": "kubernetes"]],
            "addressType": "IPv4",
            "endpoints": [["addresses": [.string(advertiseAddress)], "conditions": ["ready": true]]],
            "ports": [["name": "https", "port": .int(Int64(port)), "protocol": "TCP"]],
        ]
        for (info, obj) in [(epInfo, ep), (sliceInfo, slice)] {
            if try await !createIfMissing(registry, info, "default", obj) {
                if var cur = try? await registry.get(info, "default", "kubernetes") {
                    cur["subsets"] = obj["subsets"]
                    cur["endpoints"] = obj["endpoints"]
                    cur["ports"] = obj["ports"]
                    _ = try? await registry.update(info, "default", "kubernetes", cur, subresource: nil, WriteOptions())
                }
            }
        }
    }
}
