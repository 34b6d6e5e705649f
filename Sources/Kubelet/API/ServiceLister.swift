public import KubeAPI

/// Every Service, from one list and watch (the upstream kubelet's service
/// lister), for the service environment variables of each container. Until
/// the first list has arrived, it asks the API server.
public final class ServiceLister: Sendable {
    private let client: KubeClient
    private let informer: Informer<Service>

    public init(client: KubeClient) {
        self.client = client
        informer = Informer(Service.self, client: client)
    }

    /// Lists and watches until cancelled.
    public func run() async {
        await informer.run()
    }

    /// The Services a container in `namespace` sees: that namespace's and
    /// `default/kubernetes` (none that the API server could not be asked for).
    public func services(for namespace: String) async -> [Service] {
        guard informer.hasSynced else {
            var services = (try? await client.list(Service.self, namespace: namespace))?.items ?? []
            if namespace != "default", let api = try? await client.get(Service.self, name: "kubernetes", namespace: "default") {
                services.append(api)
            }
            return services
        }
        var services = informer.list(namespace: namespace)
        if namespace != "default", let api = informer.get(namespace: "default", name: "kubernetes") { services.append(api) }
        return services
    }
}
