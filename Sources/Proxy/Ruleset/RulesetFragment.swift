/// A part of the table that belongs to one owner (the fixed chains, or one
/// Service): its chains with their rules, its elements in the shared maps
/// and its affinity sets. Partial syncs diff fragments of changed Services
/// only, so their cost does not grow with the number of Services.
public struct RulesetFragment: Hashable, Sendable {
    /// Chain name → rules, in order.
    public var chains: [String: [ProxyRule]] = [:]
    /// Map name → key → target.
    public var elements: [String: [MapKey: MapTarget]] = [:]
    /// Affinity set name → timeout in seconds.
    public var affinitySets: [String: Int] = [:]
    /// Sets and maps this fragment declares besides the fixed verdict maps
    /// (the endpoint maps in use and the hairpin set, in the fixed fragment).
    public var sets: [String: MapKeyKind] = [:]
    /// The endpoint maps this fragment has elements in.
    public var endpointMaps: Set<EndpointMap> = []

    public init() {}

    public var isEmpty: Bool { chains.isEmpty && elements.values.allSatisfy(\.isEmpty) && affinitySets.isEmpty && sets.isEmpty }

    /// Rules as the kernel holds them (see ``ProxyRule/kernelRuleCount``).
    public var ruleCount: Int { chains.values.reduce(0) { $0 + $1.reduce(0) { $0 + $1.kernelRuleCount } } }
    public var elementCount: Int { elements.values.reduce(0) { $0 + $1.count } }

    mutating func add(_ chain: String, _ rules: [ProxyRule]) { chains[chain] = rules }

    mutating func add(_ map: String, _ key: MapKey, _ target: MapTarget) { elements[map, default: [:]][key] = target }
}
