#if canImport(Glibc)
import Glibc
#endif
import Foundation
public import KubeAPI

/// What the enforcer knows, written after syncs for `nodectl netpol` and
/// `nodectl trace` (root-only file): the policies as served, the pods as
/// policy sees them, the namespaces' labels.
public struct PolicyState: Sendable, Codable {
    public var node: String
    public var policies: [NetworkPolicy]
    public var pods: [PodInfo]
    public var namespaces: [String: [String: String]]
    /// Where the rules live (`ip kube-network-policy`).
    public var table: String

    public init(node: String, policies: [NetworkPolicy], pods: [PodInfo], namespaces: [String: [String: String]], table: String = PolicyChains.table) {
        self.node = node
        self.policies = policies
        self.pods = pods
        self.namespaces = namespaces
        self.table = table
    }

    /// The default place: `/run/kube-proxy/network-policy.json`.
    public static let defaultPath = "/run/kube-proxy/network-policy.json"

    /// A planner over this state: this node's (`nodeName`) or the cluster's (nil).
    public func planner(nodeName: String?) -> PolicyPlanner {
        var p = PolicyPlanner(nodeName: nodeName)
        for (name, labels) in namespaces { p.update(namespace: name, labels: labels) }
        for pod in pods { p.update(pod: pod) }
        for policy in policies { p.update(policy: policy) }
        return p
    }

    public func write(to path: String) throws {
        let data = try JSONEncoder().encode(self)
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]),
              rename(temporary, path) == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
        }
    }

    public static func read(from path: String) throws -> PolicyState {
        try JSONDecoder().decode(PolicyState.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}
