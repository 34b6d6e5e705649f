public import Foundation
public import KubeAPI
import Runtime

/// `/containerLogs/NS/POD/CONTAINER` of the kubelet API: a container's CRI
/// log rendered the way `kubectl logs` expects, optionally following it
/// until the container stops or the client goes away.
public struct ContainerLogs: Sendable {
    public struct Request: Sendable, Equatable {
        public var namespace: String
        public var pod: String
        public var container: String
        public var follow = false
        public var previous = false
        public var options = CRILogReader.Options()

        public init(namespace: String, pod: String, container: String) {
            self.namespace = namespace
            self.pod = pod
            self.container = container
        }

        /// Parses the query parameters kube-apiserver passes through.
        public init(namespace: String, pod: String, container: String, query: [String: [String]], now: Date = Date()) throws(ContainerLogsError) {
            self.init(namespace: namespace, pod: pod, container: container)
            func value(_ k: String) -> String? { query[k]?.first }
            func flag(_ k: String) -> Bool { value(k).map { $0 == "true" || $0 == "1" || $0.isEmpty } ?? false }
            follow = flag("follow")
            previous = flag("previous")
            options.timestamps = flag("timestamps")
            if let t = value("tailLines") {
                guard let n = Int(t), n >= 0 else { throw .badRequest("tailLines must be a non-negative integer") }
                options.tailLines = n
            }
            if let l = value("limitBytes") {
                guard let n = Int(l), n > 0 else { throw .badRequest("limitBytes must be a positive integer") }
                options.limitBytes = n
            }
            if let s = value("sinceSeconds") {
                guard let n = Int(s), n > 0 else { throw .badRequest("sinceSeconds must be a positive integer") }
                options.since = Timestamp.format(now.addingTimeInterval(-Double(n)), micro: true)
            } else if let t = value("sinceTime") {
                options.since = t
            }
        }
    }

    let containers: ContainerManager
    /// The pods the kubelet manages, to find a pod's uid by name.
    let pods: @Sendable () async -> [Pod]

    public init(containers: ContainerManager, pods: @escaping @Sendable () async -> [Pod]) {
        self.containers = containers
        self.pods = pods
    }

    /// The log file and whether the container still runs.
    public func locate(_ r: Request) async throws(ContainerLogsError) -> (path: String, running: Bool, id: String?) {
        let all = await pods()
        guard let pod = all.first(where: { $0.metadata.namespace == r.namespace && $0.metadata.name == r.pod }), let uid = pod.metadata.uid else {
            throw .notFound("pod \"\(r.pod)\" in namespace \"\(r.namespace)\" is not on this node")
        }
        guard pod.spec?.allContainers.contains(where: { $0.name == r.container }) == true else {
            throw .badRequest("container \(r.container) is not valid for pod \(r.pod)")
        }
        let attempts = containers.observe(podUID: uid).filter { $0.name == r.container }.sorted { $0.attempt < $1.attempt }
        guard let latest = attempts.last else {
            throw .badRequest("container \"\(r.container)\" in pod \"\(r.pod)\" is waiting to start: ContainerCreating")
        }
        if r.previous {
            let attempt = latest.attempt - 1
            guard attempt >= 0 else {
                throw .badRequest("previous terminated container \"\(r.container)\" in pod \"\(r.pod)\" not found")
            }
            return (containers.logPath(pod, container: r.container, attempt: attempt), false, nil)
        }
        return (containers.logPath(pod, container: r.container, attempt: latest.attempt), latest.isRunning, latest.id)
    }

    /// Writes the log (and, when following, what is appended) to `write`.
    public func stream(_ r: Request, write: @Sendable ([UInt8]) async throws -> Void) async throws {
        let (path, running, id) = try await locate(r)
        let runtime = containers.runtime
        try await LogFollower.stream(path: path, options: r.options, follow: r.follow && running && id != nil,
                                     isRunning: { id.map { (try? runtime.state(id: $0).status) == .running } ?? false },
                                     write: write)
    }
}

/// Errors of the kubelet API, with the HTTP status they map to.
public enum ContainerLogsError: Error, CustomStringConvertible, Sendable, Equatable {
    case notFound(String)
    case badRequest(String)

    public var description: String {
        switch self {
        case .notFound(let m), .badRequest(let m): return m
        }
    }

    public var code: Int {
        switch self {
        case .notFound: return 404
        case .badRequest: return 400
        }
    }
}
