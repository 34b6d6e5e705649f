public import KubeAPI

/// The endpoints of a Service computed from its pods (pure): which pods
/// count, their ready/serving/terminating conditions, target ports resolved
/// by number or by container port name, and grouping by port mapping, for
/// both EndpointSlices and the legacy Endpoints object.
public enum EndpointBuilder {
    /// One EndpointSlice's worth of content.
    public struct SliceContent: Sendable, Hashable {
        public var addressType: String
        public var ports: [EndpointSlicePort]
        public var endpoints: [Endpoint]
    }

    static func podIP(_ p: Pod) -> String? {
        if let ip = p.status?.podIP, !ip.isEmpty { return ip }
        return p.status?.podIPs?.first?.ip
    }

    /// The container port a service port targets in a pod, or nil when the
    /// pod has no container port of that name.
    public static func resolvePort(_ sp: ServicePort, _ pod: Pod) -> Int? {
        switch sp.targetPort {
        case .int(let n)?: return n
        case nil: return sp.port
        case .string(let name)?:
            if let n = Int(name) { return n }
            let proto = sp.protocol ?? "TCP"
            for c in (pod.spec?.containers ?? []) + (pod.spec?.initContainers ?? []) {
                for p in c.ports ?? [] where p.name == name && (p.protocol ?? "TCP") == proto {
                    return p.containerPort
                }
            }
            return nil
        }
    }

    /// The resolved ports of a pod for every service port it has.
    static func ports(_ svc: Service, _ pod: Pod) -> [EndpointSlicePort] {
        var out: [EndpointSlicePort] = []
        for sp in svc.spec?.ports ?? [] {
            guard let n = resolvePort(sp, pod) else { continue }
            var port = EndpointSlicePort(name: sp.name ?? "", port: n, protocol: sp.protocol ?? "TCP")
            port.appProtocol = sp.appProtocol
            out.append(port)
        }
        return out.sorted { ($0.name ?? "", $0.protocol ?? "") < ($1.name ?? "", $1.protocol ?? "") }
    }

    static func isTerminal(_ p: Pod) -> Bool {
        p.status?.phase == "Succeeded" || p.status?.phase == "Failed"
    }

    /// EndpointSlice contents for a Service: endpoints grouped by address
    /// type and port mapping, at most `maxPerSlice` per slice, sorted. A
    /// Service without endpoints gets one empty slice.
    public static func slices(service: Service, pods: [Pod], nodeZones: [String: String], maxPerSlice: Int = 100) -> [SliceContent] {
        let publishNotReady = service.spec?.publishNotReadyAddresses ?? false
        var groups: [String: (type: String, ports: [EndpointSlicePort], endpoints: [Endpoint])] = [:]
        for pod in pods {
            guard let ip = podIP(pod), !isTerminal(pod) else { continue }
            let serving = PodState.isReady(pod)
            let terminating = pod.metadata.deletionTimestamp != nil
            let ready = publishNotReady || (serving && !terminating)
            var ep = Endpoint(addresses: [ip], conditions: EndpointConditions(ready: ready, serving: serving, terminating: terminating))
            var ref = ObjectReference(kind: "Pod", namespace: pod.namespace, name: pod.name, uid: pod.metadata.uid)
            ref.apiVersion = nil
            ep.targetRef = ref
            if let node = pod.spec?.nodeName, !node.isEmpty {
                ep.nodeName = node
                ep.zone = nodeZones[node]
            }
            if let h = pod.spec?.hostname, !h.isEmpty, pod.spec?.subdomain == service.name { ep.hostname = h }
            let type = ip.contains(":") ? "IPv6" : "IPv4"
            let ports = self.ports(service, pod)
            let key = type + "|" + ports.map { "\($0.name ?? "")/\($0.protocol ?? "")/\($0.port ?? 0)" }.joined(separator: ",")
            groups[key, default: (type, ports, [])].endpoints.append(ep)
        }
        var out: [SliceContent] = []
        for key in groups.keys.sorted() {
            guard let g = groups[key] else { continue }
            let sorted = g.endpoints.sorted { ($0.addresses.first ?? "") < ($1.addresses.first ?? "") }
            var i = 0
            while i < sorted.count {
                out.append(SliceContent(addressType: g.type, ports: g.ports, endpoints: Array(sorted[i..<min(i + maxPerSlice, sorted.count)])))
                i += maxPerSlice
            }
        }
        if out.isEmpty {
            let type = (service.spec?.ipFamilies?.first == "IPv6") ? "IPv6" : "IPv4"
            out.append(SliceContent(addressType: type, ports: [], endpoints: []))
        }
        return out
    }

    /// Subsets of the legacy Endpoints object: ready pods as addresses, others
    /// as notReadyAddresses (terminating pods left out unless
    /// publishNotReadyAddresses), addresses with the same ports together.
    public static func subsets(service: Service, pods: [Pod]) -> [EndpointSubset] {
        let publishNotReady = service.spec?.publishNotReadyAddresses ?? false
        struct Entry { var address: EndpointAddress; var ready: Bool; var ports: [EndpointPort] }
        var entries: [Entry] = []
        for pod in pods {
            guard let ip = podIP(pod), !isTerminal(pod) else { continue }
            if pod.metadata.deletionTimestamp != nil && !publishNotReady { continue }
            var a = EndpointAddress(ip: ip)
            if let node = pod.spec?.nodeName, !node.isEmpty { a.nodeName = node }
            a.targetRef = ObjectReference(kind: "Pod", namespace: pod.namespace, name: pod.name, uid: pod.metadata.uid)
            if let h = pod.spec?.hostname, !h.isEmpty, pod.spec?.subdomain == service.name { a.hostname = h }
            let ports = self.ports(service, pod).map { p -> EndpointPort in
                var e = EndpointPort(name: (p.name ?? "").isEmpty ? nil : p.name, port: p.port ?? 0, protocol: p.protocol)
                e.appProtocol = p.appProtocol
                return e
            }
            if !(service.spec?.ports ?? []).isEmpty && ports.isEmpty { continue }
            entries.append(Entry(address: a, ready: publishNotReady || PodState.isReady(pod), ports: ports))
        }
        var groups: [String: EndpointSubset] = [:]
        for e in entries {
            let key = e.ports.map { "\($0.name ?? "")/\($0.protocol ?? "")/\($0.port)" }.joined(separator: ",")
            var s = groups[key] ?? {
                var n = EndpointSubset()
                n.ports = e.ports.isEmpty ? nil : e.ports
                return n
            }()
            if e.ready { s.addresses = (s.addresses ?? []) + [e.address] } else { s.notReadyAddresses = (s.notReadyAddresses ?? []) + [e.address] }
            groups[key] = s
        }
        return groups.keys.sorted().compactMap { k in
            guard var s = groups[k] else { return nil }
            s.addresses = s.addresses?.sorted { $0.ip < $1.ip }
            s.notReadyAddresses = s.notReadyAddresses?.sorted { $0.ip < $1.ip }
            return s
        }
    }
}
