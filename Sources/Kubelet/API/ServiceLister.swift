public import KubeAPI

/// Every Service, from one list and watch (the upstream kubelet's service
/// lister), for the service environment variables of each container.
public final class ServiceLister: Sendable {
    private let informer: Informer<Service>

    public init(client: KubeClient) {
        informer = Informer(Service.self, client: client)
    }

    /// Lists and watches until cancelled.
    public func run() async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.informer.run() }
            group.addTask { for await _ in self.informer.events {} }
        }
    }

    /// The Services a container in `namespace` sees: that namespace's and
    /// `default/kubernetes`; nil until the first list has arrived.
    public func services(for namespace: String) async -> [Service]? {
        guard await informer.hasSynced else { return nil }
        var services = await informer.list().filter { ($0.metadata.namespace ?? "default") == namespace }
        if namespace != "default", let api = await informer.get(namespace: "default", name: "kubernetes") { services.append(api) }
        return services
    }
}
