import KubeAPI
import Netlink

extension Kubelet {
    /// Routes to other nodes' podCIDRs through their InternalIPs (host-gw),
    /// from one Node informer's cache. Routes are synced again only when a
    /// node comes or goes or its podCIDR(s) or addresses change: heartbeats,
    /// every node's every 10 s, cost nothing, and no sync lists the nodes.
    func followNodeRoutes(_ network: NodeNetwork) async {
        let nodes = Informer(Node.self, client: client, logger: logger)
        let bell = Doorbell()
        nodes.addHandler { event in
            if Self.changesRoutes(event) { bell.ring() }
        }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await nodes.run() }
            var retryAt: ContinuousClock.Instant?
            while !Task.isCancelled {
                if let retryAt {
                    await bell.wait(until: retryAt)
                } else if await !bell.wait() {
                    break
                }
                let routes = Self.routes(nodes.list(), except: configuration.nodeName)
                do {
                    try await Blocking.run { try network.syncRoutes(routes) }
                    retryAt = nil
                } catch {
                    logger.warning("node routes: \(error); retrying")
                    retryAt = .now + .seconds(2)
                }
            }
            group.cancelAll()
        }
    }

    /// Whether a change of the Node informer can change the routes: a node
    /// added or deleted, a (re)list, or a new podCIDR, podCIDRs or addresses.
    static func changesRoutes(_ event: InformerEvent<Node>) -> Bool {
        switch event {
        case .added, .deleted, .synced:
            return true
        case .updated(let old, let new):
            return old.spec?.podCIDR != new.spec?.podCIDR || old.spec?.podCIDRs != new.spec?.podCIDRs
                || old.status?.addresses != new.status?.addresses
        }
    }

    /// podCIDR → InternalIP of every node but `nodeName` that has both.
    static func routes(_ nodes: [Node], except nodeName: String) -> [CIDR: IPAddress] {
        var routes: [CIDR: IPAddress] = [:]
        for n in nodes where n.metadata.name != nodeName {
            guard let cidr = n.spec?.podCIDR.flatMap(CIDR.init),
                  let ip = n.status?.addresses?.first(where: { $0.type == "InternalIP" }).flatMap({ IPAddress($0.address) }) else { continue }
            routes[cidr] = ip
        }
        return routes
    }
}
