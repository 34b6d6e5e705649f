import ArgumentParser
import Foundation
import Netfilter
import Netlink
import NetworkPolicy
import Proxy

/// Where kube-proxy's network-policy enforcer left what it knows.
struct PolicyStateOptions: ParsableArguments {
    @Option(name: .customLong("state-file"),
            help: "The enforcer's state (kube-proxy --network-policy-state-file; default $NODECTL_NETWORK_POLICY_STATE or /run/kube-proxy/network-policy.json).")
    var stateFile: String?

    func load() throws -> PolicyState {
        let path = stateFile ?? ProcessInfo.processInfo.environment["NODECTL_NETWORK_POLICY_STATE"] ?? PolicyState.defaultPath
        do {
            return try PolicyState.read(from: path)
        } catch {
            throw NodectlError("no network policy state at \(path) (is kube-proxy running with --network-policy?): \(error)")
        }
    }
}

/// Parses `NAMESPACE/NAME`, `NAME` (namespace default) or an IPv4 address.
func resolvePod(_ text: String, _ planner: PolicyPlanner) throws -> PodInfo? {
    if case .v4(let ip)? = IPAddress(text) { return planner.pod(ip: ip) }
    let parts = text.split(separator: "/", maxSplits: 1).map(String.init)
    let ref = parts.count == 2 ? ObjectRef(namespace: parts[0], name: parts[1]) : ObjectRef(namespace: "default", name: text)
    guard let pod = planner.pods[ref] else { throw NodectlError("no pod \(ref) with an IPv4 address is known to the enforcer") }
    return pod
}

/// `nodectl netpol [POD]`: the policies that apply to a pod, their rules,
/// and what the kernel holds for them (read back over netlink).
struct NetpolCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "netpol",
        abstract: "Show the NetworkPolicies that apply to a pod and the rules programmed for them.",
        discussion: """
            Without POD: every policy, with the pods of this node it selects. \
            With POD (NAMESPACE/NAME, NAME in default, or its IP): the policies selecting it \
            for ingress and egress, and each policy's chain as the kernel holds it \
            (table ip kube-network-policy), compared with what the enforcer planned.
            """)
    @OptionGroup var node: NodeOptions
    @OptionGroup var state: PolicyStateOptions
    @Argument(help: "The pod: NAMESPACE/NAME, NAME or IP.") var pod: String?

    func run() throws {
        try reporting {
            let s = try state.load()
            let planner = s.planner(nodeName: s.node)
            let chains = PolicyChains(Array(planner.policies.values))
            guard let pod else {
                print("Node \(s.node): \(planner.policies.count) NetworkPolicies, table ip \(s.table)")
                for p in planner.policies.values.sorted(by: { $0.ref < $1.ref }) {
                    let selected = planner.elements(p.targetSet).compactMap { planner.pod(ip: $0.ip)?.key.description }.sorted()
                    let types = [p.ingress ? "Ingress" : nil, p.egress ? "Egress" : nil].compactMap { $0 }.joined(separator: ",")
                    print("  \(p.ref) [\(types)] chain \(p.id)-*: selects \(selected.isEmpty ? "no pod of this node" : selected.joined(separator: ", "))")
                }
                return
            }
            guard let info = try resolvePod(pod, planner) else { throw NodectlError("no pod has the address \(pod)") }
            let selecting = planner.policies(selecting: info)
            let ingress = selecting.filter(\.ingress), egress = selecting.filter(\.egress)
            print("Pod \(info.key) (\(IPAddress.v4(info.ip)), node \(info.node.isEmpty ? "?" : info.node))")
            print("  ingress: " + (ingress.isEmpty ? "not isolated (no policy selects it for Ingress)" : "isolated; selected by " + ingress.map(\.ref.description).joined(separator: ", ")))
            print("  egress:  " + (egress.isEmpty ? "not isolated (no policy selects it for Egress)" : "isolated; selected by " + egress.map(\.ref.description).joined(separator: ", ")))
            if info.node != s.node {
                print("  (the pod runs on \(info.node); its rules are programmed there — ask that node)")
                return
            }
            let nft = try NFTables.open()
            guard try nft.tableExists(family: .ipv4, s.table) else {
                print("table ip \(s.table) is not programmed on this node")
                return
            }
            for policy in selecting {
                for direction in [Direction.ingress, .egress] where direction == .ingress ? policy.ingress : policy.egress {
                    let name = policy.chain(direction)
                    print("\n\(policy.ref) \(direction.rawValue): chain \(name)")
                    let planned = chains.chains[name] ?? []
                    let programmed = try nft.rules(family: .ipv4, table: s.table, chain: name)
                    if programmed.isEmpty && !planned.isEmpty { print("  (not programmed)") }
                    if planned.isEmpty && programmed.isEmpty { print("  (no rule: nothing is allowed \(direction == .ingress ? "in" : "out") by this policy)") }
                    for rule in programmed {
                        if let match = planned.first(where: { $0.expressions == rule.expressions && $0.comment == rule.comment }) {
                            print("  \(match.text)")
                        } else {
                            print("  [differs from the plan] handle \(rule.handle) \(rule.comment ?? ""): \(rule.expressions)")
                        }
                    }
                    if programmed.count != planned.count { print("  [\(planned.count) rules planned, \(programmed.count) programmed]") }
                }
            }
            let member = try nft.elements(family: .ipv4, table: s.table, set: PolicyPlanner.ingressIsolated)
                .contains { SetElement(key: $0.key)?.ip == info.ip }
            let egressMember = try nft.elements(family: .ipv4, table: s.table, set: PolicyPlanner.egressIsolated)
                .contains { SetElement(key: $0.key)?.ip == info.ip }
            print("\nkernel: \(IPAddress.v4(info.ip)) \(member ? "is" : "is not") in @\(PolicyPlanner.ingressIsolated), \(egressMember ? "is" : "is not") in @\(PolicyPlanner.egressIsolated)")
        }
    }
}

/// `nodectl trace SRC DST:PORT[/PROTO]`: would this packet be allowed, and by which policy?
struct TraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace",
        abstract: "Would a new connection from SRC to DST:PORT be allowed by NetworkPolicy, and by which policy?",
        discussion: """
            SRC and DST are pods (NAMESPACE/NAME, NAME in default) or IPv4 addresses; SRC may be \
            `node` for this node itself. PROTO is tcp (default), udp or sctp. A DST that is a \
            Service's ClusterIP is traced, as the kernel judges it, after DNAT: once per endpoint \
            kube-proxy programmed on this node. The answer walks the same chains and sets the \
            enforcer programs, for the whole cluster (each pod's own node enforces its rules).
            """)
    @OptionGroup var node: NodeOptions
    @OptionGroup var state: PolicyStateOptions
    @Argument(help: "Source: pod, IP or `node`.") var source: String
    @Argument(help: "Destination: POD_OR_IP:PORT[/PROTO].") var destination: String
    @Flag(name: .customLong("json"), help: "Print the answers as JSON.") var json = false

    func run() throws {
        try reporting {
            let s = try state.load()
            let planner = s.planner(nodeName: nil)
            let tracer = PolicyTracer(planner: planner)
            var dst = destination
            var proto = Proto.tcp
            if let slash = dst.lastIndex(of: "/"), let p = Proto(dst[dst.index(after: slash)...].uppercased()) {
                proto = p
                dst = String(dst[..<slash])
            }
            guard let colon = dst.lastIndex(of: ":"), let port = UInt16(dst[dst.index(after: colon)...]) else {
                throw ValidationError("DST must be POD_OR_IP:PORT[/PROTO], not \(destination)")
            }
            let host = String(dst[..<colon])
            let fromNode = source == "node"
            let src: UInt32
            if fromNode {
                src = 0
            } else if case .v4(let ip)? = IPAddress(source) {
                src = ip
            } else if let pod = try resolvePod(source, planner) {
                src = pod.ip
            } else {
                throw ValidationError("unknown source \(source)")
            }
            var targets: [(ip: UInt32, port: UInt16, via: String?)] = []
            if case .v4(let ip)? = IPAddress(host) {
                // A ClusterIP (or external IP) kube-proxy programmed here: judged after DNAT, per endpoint.
                let entries = (try? ServiceDump.read(try NFTables.open())) ?? []
                for e in entries where e.proto.rawValue == proto.keyword && e.addresses.contains("\(host):\(port)") {
                    for endpoint in e.endpoints {
                        let parts = endpoint.split(separator: ":")
                        if parts.count == 2, case .v4(let eip)? = IPAddress(String(parts[0])), let eport = UInt16(parts[1]) {
                            targets.append((eip, eport, "Service \(e.service) \(host):\(port)"))
                        }
                    }
                }
                if targets.isEmpty { targets = [(ip, port, nil)] }
            } else if let pod = try resolvePod(host, planner) {
                targets = [(pod.ip, port, nil)]
            }
            var answers: [PolicyTracer.Answer] = []
            for t in targets {
                let answer = tracer.trace(.init(source: src, destination: t.ip, proto: proto, port: t.port, fromNode: fromNode))
                answers.append(answer)
                if !json {
                    if let via = t.via { print("via \(via) → DNAT to \(IPAddress.v4(t.ip)):\(t.port)") }
                    print(answer.description.replacingOccurrences(of: "0.0.0.0 →", with: "node →"))
                }
            }
            if json {
                let list = answers.map { a -> [String: Any] in
                    ["packet": a.packet.description, "allowed": a.allowed, "egress": a.egress.description, "ingress": a.ingress.description,
                     "policies": a.policies]
                }
                let data = try JSONSerialization.data(withJSONObject: list, options: [.prettyPrinted, .sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            }
            if answers.contains(where: { !$0.allowed }) { throw ExitCode(3) }
        }
    }
}
