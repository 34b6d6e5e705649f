public import Netfilter
public import Netlink

/// What the ruleset depends on besides Services: the node and the cluster.
public struct RulesetConfiguration: Sendable, Hashable {
    public var family: IPFamily
    /// The proxy's table (`kube-proxy`).
    public var table: String
    /// This node's name, to tell local endpoints (traffic policies Local).
    public var nodeName: String
    /// Pods' range: ClusterIP traffic from outside it is masqueraded. Nil: none is.
    public var clusterCIDR: CIDR?
    /// Services that keep no state per client (no sessionAffinity, no
    /// externalTrafficPolicy Local) get their endpoints as elements of
    /// shared maps (``EndpointMap``) instead of chains of their own. False:
    /// every Service gets upstream's chains.
    public var endpointMaps: Bool

    public init(family: IPFamily = .ipv4, table: String = "kube-proxy", nodeName: String, clusterCIDR: CIDR?, endpointMaps: Bool = true) {
        self.family = family
        self.table = table
        self.nodeName = nodeName
        self.clusterCIDR = clusterCIDR
        self.endpointMaps = endpointMaps
    }
}

/// Builds the table's fragments: the fixed chains, and each Service's chains
/// and map elements, laid out like kube-proxy's nftables mode, except that
/// Services without per-client state put their endpoints in shared maps
/// (``EndpointMap``) rather than in chains of their own.
public struct RulesetBuilder: Sendable {
    public let configuration: RulesetConfiguration

    public init(_ configuration: RulesetConfiguration) { self.configuration = configuration }

    /// Base chains: hook, type and priority (filter chains run just before NAT).
    public var baseChains: [String: NFTBatch.BaseChain] {
        [
            ChainNames.natPrerouting: .init(type: "nat", hook: .prerouting, priority: -100),
            ChainNames.natOutput: .init(type: "nat", hook: .output, priority: -100),
            ChainNames.natPostrouting: .init(type: "nat", hook: .postrouting, priority: 100),
            ChainNames.filterInput: .init(type: "filter", hook: .input, priority: -110),
            ChainNames.filterForward: .init(type: "filter", hook: .forward, priority: -110),
            ChainNames.filterOutput: .init(type: "filter", hook: .output, priority: -110),
        ]
    }

    /// The chains every table has, and the rules and maps of the endpoint
    /// maps in use.
    public func baseFragment(endpointMaps: Set<EndpointMap> = []) -> RulesetFragment {
        let mark = ChainNames.masqueradeMark
        let loopback = configuration.family.loopback
        var f = RulesetFragment()
        f.add(ChainNames.natPrerouting, [ProxyRule([], [], .jump(ChainNames.services))])
        f.add(ChainNames.natOutput, [ProxyRule([], [], .jump(ChainNames.services))])
        f.add(ChainNames.natPostrouting, [ProxyRule([], [], .jump(ChainNames.masquerading))])
        f.add(ChainNames.filterInput, [ProxyRule([.ctStateNew], [], .jump(ChainNames.nodePortEndpointsCheck)),
                                       ProxyRule([.ctStateNew], [], .jump(ChainNames.serviceEndpointsCheck))])
        f.add(ChainNames.filterForward, [ProxyRule([.ctStateNew], [], .jump(ChainNames.serviceEndpointsCheck))])
        f.add(ChainNames.filterOutput, [ProxyRule([.ctStateNew], [], .jump(ChainNames.serviceEndpointsCheck))])
        f.add(ChainNames.markForMasquerade, [ProxyRule([], [.setMarkBits(mark)])])
        let masquerade = [ProxyRule([.markBitsClear(mark)], [], .return), ProxyRule([], [.toggleMarkBits(mark), .masquerade])]
        if configuration.endpointMaps {
            f.add(ChainNames.masquerading, [ProxyRule([.hairpinInSet(ChainNames.hairpinSet)], [.masquerade], comment: "hairpin")] + masquerade)
            f.sets[ChainNames.hairpinSet] = .hairpin
            let maps = endpointMaps.sorted()
            for map in maps { f.sets[map.name] = .indexed(map.serviceKey) }
            var serviceIPs: [ProxyRule] = []
            if let cidr = configuration.clusterCIDR {
                serviceIPs.append(ProxyRule([.sourceNotIn(cidr)], [], .jump(ChainNames.markForMasquerade), comment: "cluster IP from outside the cluster"))
            }
            f.add(ChainNames.dnatServiceIPs, serviceIPs + maps.filter { $0.path == .serviceIP }.map(\.rule))
            f.add(ChainNames.dnatExternalIPs, [ProxyRule([], [], .jump(ChainNames.markForMasquerade), comment: "masquerade traffic from outside"),
                                               ProxyRule([], [], .goto(ChainNames.dnatServiceIPs))])
            f.add(ChainNames.dnatNodePorts, [ProxyRule([], [], .jump(ChainNames.markForMasquerade), comment: "masquerade traffic from outside")]
                + maps.filter { $0.path == .nodePort }.map(\.rule))
        } else {
            f.add(ChainNames.masquerading, masquerade)
        }
        f.add(ChainNames.services, [
            ProxyRule([], [], .vmap(ChainNames.serviceIPsMap, .addressProtocolPort)),
            ProxyRule([.destinationLocal, .destinationNotIn(loopback)], [], .vmap(ChainNames.serviceNodePortsMap, .protocolPort)),
        ])
        f.add(ChainNames.serviceEndpointsCheck, [ProxyRule([], [], .vmap(ChainNames.noEndpointServicesMap, .addressProtocolPort))])
        f.add(ChainNames.nodePortEndpointsCheck, [ProxyRule([.destinationLocal, .destinationNotIn(loopback)], [],
                                                            .vmap(ChainNames.noEndpointNodePortsMap, .protocolPort))])
        f.add(ChainNames.rejectChain, [ProxyRule([.l4proto(.tcp)], [], .reject(tcpReset: true)), ProxyRule([], [], .reject(tcpReset: false))])
        return f
    }

    /// The fragment of one Service. `claim` is asked before each map key is
    /// used and says no when another Service owns it (the key is then skipped).
    public func serviceFragment(_ ports: [ServicePortInfo], claim: (MapKey) -> Bool = { _ in true }) -> RulesetFragment {
        var f = RulesetFragment()
        for port in ports { add(port, to: &f, claim: claim) }
        return f
    }

    func add(_ port: ServicePortInfo, to f: inout RulesetFragment, claim: (MapKey) -> Bool) {
        if configuration.endpointMaps && port.affinitySeconds == nil && !port.externalPolicyLocal && port.sourceRanges == nil {
            return addMapped(port, to: &f, claim: claim)
        }
        let node = configuration.nodeName
        let clusterEndpoints = port.clusterEndpoints(node: node)
        let localEndpoints = ServicePortInfo.usable(port.endpoints.filter { $0.nodeName == node })
        let allEndpoints = ServicePortInfo.usable(port.endpoints)
        let reject = MapTarget.reject(service: port.displayName)
        var usesClusterChain = false, usesLocalChain = false

        // ClusterIP.
        if let vip = port.clusterIP {
            let key = MapKey.addressProtocolPort(vip, port.proto, port.port)
            if claim(key) {
                if !port.hasEndpoints {
                    f.add(ChainNames.noEndpointServicesMap, key, reject)
                } else if clusterEndpoints.isEmpty {
                    f.add(ChainNames.noEndpointServicesMap, key, .drop(service: port.displayName))
                } else {
                    f.add(ChainNames.serviceIPsMap, key, .goto(port.internalPolicyLocal ? ChainNames.local(port) : ChainNames.service(port)))
                    if port.internalPolicyLocal { usesLocalChain = true } else { usesClusterChain = true }
                }
            }
        }

        // NodePort and external IPs share the external chain.
        if port.hasExternalPath {
            // (map, key, no-endpoints map, behind the load balancer's firewall)
            var externalKeys: [(String, MapKey, String, Bool)] = []
            if let n = port.nodePort {
                externalKeys.append((ChainNames.serviceNodePortsMap, .protocolPort(port.proto, n), ChainNames.noEndpointNodePortsMap, false))
            }
            for ip in port.externalIPs {
                externalKeys.append((ChainNames.serviceIPsMap, .addressProtocolPort(ip, port.proto, port.port), ChainNames.noEndpointServicesMap, false))
            }
            for ip in port.loadBalancerIPs {
                externalKeys.append((ChainNames.serviceIPsMap, .addressProtocolPort(ip, port.proto, port.port), ChainNames.noEndpointServicesMap,
                                     port.sourceRanges != nil))
            }
            var usesExternalChain = false, usesFirewall = false
            for (map, key, noEndpointMap, firewalled) in externalKeys where claim(key) {
                if port.hasEndpoints {
                    f.add(map, key, .goto(firewalled ? ChainNames.firewall(port) : ChainNames.external(port)))
                    usesExternalChain = true
                    usesFirewall = usesFirewall || firewalled
                } else {
                    f.add(noEndpointMap, key, reject)
                }
            }
            if usesFirewall, let ranges = port.sourceRanges {
                // loadBalancerSourceRanges: listed clients, and this node itself, go on; the rest is dropped.
                var rules = ranges.map { ProxyRule([.sourceIn($0)], [], .goto(ChainNames.external(port))) }
                rules.append(ProxyRule([.sourceLocal], [], .goto(ChainNames.external(port)), comment: "traffic from this node"))
                rules.append(ProxyRule([], [], .drop, comment: "\(port.displayName) is not open to this source (loadBalancerSourceRanges)"))
                f.add(ChainNames.firewall(port), rules)
            }
            if usesExternalChain {
                var rules: [ProxyRule] = []
                if port.externalPolicyLocal {
                    // Clients on this node itself may use any endpoint, masqueraded.
                    rules.append(ProxyRule([.sourceLocal], [], .jump(ChainNames.markForMasquerade), comment: "masquerade traffic from this node"))
                    if !allEndpoints.isEmpty {
                        rules.append(ProxyRule([.sourceLocal], [], .goto(ChainNames.service(port)), comment: "traffic from this node may use any endpoint"))
                        usesClusterChain = true
                    }
                    if localEndpoints.isEmpty {
                        rules.append(ProxyRule([], [], .drop, comment: "\(port.displayName) has no local endpoints"))
                    } else {
                        rules.append(ProxyRule([], [], .goto(ChainNames.local(port))))
                        usesLocalChain = true
                    }
                } else {
                    rules.append(ProxyRule([], [], .jump(ChainNames.markForMasquerade), comment: "masquerade traffic from outside"))
                    rules.append(ProxyRule([], [], .goto(ChainNames.service(port))))
                    usesClusterChain = true
                }
                f.add(ChainNames.external(port), rules)
            }
        }

        if usesClusterChain { addDispatchChain(ChainNames.service(port), port, allEndpoints, to: &f) }
        if usesLocalChain { addDispatchChain(ChainNames.local(port), port, localEndpoints, to: &f) }
    }

    /// A Service port whose endpoints are elements of the shared endpoint maps.
    func addMapped(_ port: ServicePortInfo, to f: inout RulesetFragment, claim: (MapKey) -> Bool) {
        let service = port.displayName
        let reject = MapTarget.reject(service: service)
        let allEndpoints = ServicePortInfo.usable(port.endpoints)
        if let vip = port.clusterIP {
            let key = MapKey.addressProtocolPort(vip, port.proto, port.port)
            let endpoints = port.clusterEndpoints(node: configuration.nodeName)
            if claim(key) {
                if !port.hasEndpoints {
                    f.add(ChainNames.noEndpointServicesMap, key, reject)
                } else if endpoints.isEmpty {
                    f.add(ChainNames.noEndpointServicesMap, key, .drop(service: service))
                } else {
                    f.add(ChainNames.serviceIPsMap, key, .gotoShared(ChainNames.dnatServiceIPs, service: service))
                    addEndpoints(key, endpoints, .serviceIP, to: &f)
                    for e in endpoints { f.add(ChainNames.hairpinSet, .hairpin(service: vip, endpoint: e.address), .member) }
                }
            }
        }
        var external: [(map: String, key: MapKey, noEndpoints: String, chain: String, path: EndpointMap.Path)] = []
        if let n = port.nodePort {
            external.append((ChainNames.serviceNodePortsMap, .protocolPort(port.proto, n), ChainNames.noEndpointNodePortsMap, ChainNames.dnatNodePorts, .nodePort))
        }
        for ip in port.externalIPs + port.loadBalancerIPs {
            external.append((ChainNames.serviceIPsMap, .addressProtocolPort(ip, port.proto, port.port), ChainNames.noEndpointServicesMap,
                             ChainNames.dnatExternalIPs, .serviceIP))
        }
        for entry in external where claim(entry.key) {
            if allEndpoints.isEmpty {
                f.add(entry.noEndpoints, entry.key, reject)
            } else {
                f.add(entry.map, entry.key, .gotoShared(entry.chain, service: service))
                addEndpoints(entry.key, allEndpoints, entry.path, to: &f)
            }
        }
    }

    /// `key . 0 : endpoint 0`, … in the endpoint map for this many endpoints.
    func addEndpoints(_ key: MapKey, _ endpoints: [ProxyEndpoint], _ path: EndpointMap.Path, to f: inout RulesetFragment) {
        let map = EndpointMap(path: path, modulus: endpoints.count)
        f.endpointMaps.insert(map)
        for (i, e) in endpoints.enumerated() { f.add(map.name, .indexed(key, UInt32(i)), .endpoint(ProxyEndpoint(address: e.address, port: e.port))) }
    }

    /// A chain that picks one of `endpoints` (sticky with affinity) and the
    /// endpoints' DNAT chains.
    func addDispatchChain(_ name: String, _ port: ServicePortInfo, _ endpoints: [ProxyEndpoint], to f: inout RulesetFragment) {
        var rules: [ProxyRule] = []
        if let vip = port.clusterIP, let cidr = configuration.clusterCIDR {
            rules.append(ProxyRule([.destination(vip), .l4proto(port.proto), .destinationPort(port.port), .sourceNotIn(cidr)], [],
                                   .jump(ChainNames.markForMasquerade), comment: "\(port.displayName) cluster IP from outside the cluster"))
        }
        if port.affinitySeconds != nil {
            for e in endpoints {
                rules.append(ProxyRule([.sourceInSet(ChainNames.affinity(port, e))], [], .goto(ChainNames.endpoint(port, e))))
            }
        }
        let chains = endpoints.map { ChainNames.endpoint(port, $0) }
        switch chains.count {
        case 0: rules.append(ProxyRule([], [], .drop, comment: "\(port.displayName) has no usable endpoints"))
        case 1: rules.append(ProxyRule([], [], .goto(chains[0]), comment: port.displayName))
        default: rules.append(ProxyRule([], [], .numgen(chains), comment: port.displayName))
        }
        f.add(name, rules)
        for e in endpoints { addEndpointChain(port, e, to: &f) }
    }

    func addEndpointChain(_ port: ServicePortInfo, _ e: ProxyEndpoint, to f: inout RulesetFragment) {
        var rules = [ProxyRule([.source(e.address)], [], .jump(ChainNames.markForMasquerade), comment: "hairpin")]
        if let timeout = port.affinitySeconds {
            let set = ChainNames.affinity(port, e)
            f.affinitySets[set] = timeout
            rules.append(ProxyRule([], [.updateSourceInSet(set)]))
        }
        rules.append(ProxyRule([.l4proto(port.proto)], [.dnat(e.address, e.port)], nil, comment: "\(port.displayName) -> \(e)"))
        f.add(ChainNames.endpoint(port, e), rules)
    }
}
