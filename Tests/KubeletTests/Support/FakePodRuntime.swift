import Synchronization
import KubeAPI
import Runtime
@testable import Kubelet

/// A ``PodRuntime`` in memory: containers are records whose state the test
/// changes (``exit(_:code:)``); stopping one marks it exited by its signal.
final class FakePodRuntime: PodRuntime {
    struct State {
        var containers: [String: ObservedContainer] = [:]
        var sandbox: Sandbox?
    }

    let state = Mutex(State())

    func observe(podUID: String) -> [ObservedContainer] {
        state.withLock { $0.containers.values.filter { $0.podUID == podUID }.sorted { $0.id < $1.id } }
    }

    func createContainer(_ request: ContainerManager.Request) throws -> String {
        let name = request.container.name ?? ""
        let id = ContainerManager.containerID(podUID: request.sandbox.podUID, name: name, attempt: request.attempt)
        let container = ObservedContainer(id: id, podUID: request.sandbox.podUID, name: name, attempt: request.attempt, isInit: request.isInit,
                                          state: .created, createdAt: "2026-01-01T00:00:00Z", imageID: "sha256:abc",
                                          image: request.container.image ?? "", pid: 0)
        state.withLock { $0.containers[id] = container }
        return id
    }

    func startContainer(_ id: String) throws {
        state.withLock {
            $0.containers[id]?.state = .running
            $0.containers[id]?.pid = 100
        }
    }

    func stopContainer(_ id: String, deadline: @Sendable () async -> ContinuousClock.Instant, signal: Int32) async {
        state.withLock {
            guard let c = $0.containers[id], c.isRunning || c.state == .created else { return }
            $0.containers[id]?.state = .exited(code: 128 + signal, signal: signal, finishedAt: "2026-01-01T00:10:00Z", oomKilled: false)
        }
    }

    func removeContainer(_ id: String) throws {
        _ = state.withLock { $0.containers.removeValue(forKey: id) }
    }

    func loadSandbox(uid: String) -> Sandbox? { state.withLock { $0.sandbox } }

    func createSandbox(_ pod: Pod) throws -> Sandbox {
        let uid = pod.metadata.uid ?? ""
        let sandbox = Sandbox(podUID: uid, name: pod.metadata.name ?? "", namespace: pod.metadata.namespace ?? "",
                              directory: "/nonexistent/pods/\(uid)", pinned: [:], hostNetwork: false, hostIPC: false, hostPID: false,
                              ip: "10.244.0.5", cgroupParent: "/kubepods/pod\(uid)", hostname: pod.metadata.name ?? "",
                              created: "2026-01-01T00:00:00Z")
        state.withLock { $0.sandbox = sandbox }
        return sandbox
    }

    func removeSandbox(_ sandbox: Sandbox) throws { state.withLock { $0.sandbox = nil } }

    func podLogDirectory(_ pod: Pod) -> String { "/nonexistent/log/pods/\(pod.metadata.uid ?? "")" }

    /// The latest attempt of container `name` exits with `code`.
    func exit(_ name: String, code: Int32) {
        state.withLock { s in
            guard let latest = s.containers.values.filter({ $0.name == name }).max(by: { $0.attempt < $1.attempt }) else { return }
            s.containers[latest.id]?.state = .exited(code: code, signal: nil, finishedAt: "2026-01-01T00:05:00Z", oomKilled: false)
        }
    }
}

/// ``PodWorker``'s pass in miniature: observes ``FakePodRuntime``, asks the
/// planner, carries the actions out against the fake as the worker does, and
/// feeds outcomes back. Time only moves when the test moves ``now``.
struct PlannerHarness {
    var planner = PodPlanner()
    let runtime = FakePodRuntime()
    var pod: Pod
    var now = 1_000.0
    var hasVolumes = false
    var removedFromAPI = false
    var reportedPhase: String?
    /// The next sandbox creation fails with this message.
    var sandboxError: String?
    /// Probe results by "container/kind"; success when not given.
    var probeResults: [String: ProbeState.Result] = [:]
    var events: [PodEvent] = []
    var terminated = false

    init(pod: Pod) {
        self.pod = pod
    }

    var uid: String { pod.metadata.uid ?? "" }

    /// One sync: every action carried out, follow-ups included, in order.
    mutating func sync() async -> [PodAction] {
        let observation = PodPlanner.Observation(pod: pod, containers: runtime.observe(podUID: uid),
                                                 hasSandbox: runtime.loadSandbox(uid: uid) != nil, hasVolumes: hasVolumes,
                                                 removedFromAPI: removedFromAPI, reportedPhase: reportedPhase)
        var queue = planner.plan(observation, now: now)[...]
        var done: [PodAction] = []
        while let action = queue.popFirst() {
            done.append(action)
            switch action {
            case .makeSandbox:
                if let message = sandboxError {
                    sandboxError = nil
                    queue = planner.sandboxFailed(message, pod: pod, at: now)[...]
                } else {
                    _ = try? runtime.createSandbox(pod)
                }
            case .setUpVolumes:
                // As the pod worker: a volume this kubelet cannot mount fails the set-up.
                if let error = (pod.spec?.volumes ?? []).lazy.compactMap(VolumeManager.unsupported).first {
                    if let instead = planner.volumesFailed("MountVolume.SetUp failed: \(error)", hadVolumes: hasVolumes, pod: pod, at: now) {
                        queue = instead[...]
                    }
                    continue
                }
                hasVolumes = true
                planner.volumesSetUp(at: now)
            case .startContainer(let start):
                guard let sandbox = runtime.loadSandbox(uid: uid) else { continue }
                let request = ContainerManager.Request(pod: pod, container: start.container, attempt: start.attempt, isInit: start.isInit,
                                                       sandbox: sandbox, environment: [], mounts: [])
                guard let id = try? runtime.createContainer(request) else { continue }
                try? runtime.startContainer(id)
                planner.containerStarted(start.container, at: now)
            case .startCreated(let id, _):
                try? runtime.startContainer(id)
            case .probe(let run):
                let result = probeResults["\(run.name)/\(run.kind.rawValue)"] ?? .success
                queue = planner.probed(run, result: result, pod: pod, at: now)[...] + queue
            case .stopContainers(let stops):
                for stop in stops {
                    events.append(stop.event)
                    await runtime.stopContainer(stop.id, grace: 0, signal: stop.signal)
                }
            case .event(let event):
                events.append(event)
            case .removeContainer(let id):
                try? runtime.removeContainer(id)
            case .removeSandbox:
                if let sandbox = runtime.loadSandbox(uid: uid) { try? runtime.removeSandbox(sandbox) }
                hasVolumes = false
            case .finishTermination:
                terminated = true
            case .waitUntil, .reportStatus, .beginTermination, .deletePod:
                break
            }
        }
        return done
    }
}

extension Array where Element == PodAction {
    /// The containers started, as "name#attempt".
    var starts: [String] {
        compactMap { if case .startContainer(let s) = $0 { "\(s.name)#\(s.attempt)" } else { nil } }
    }

    /// The back-off waits, as (container, until, message).
    var waits: [(String, Double, String)] {
        compactMap { if case .waitUntil(let until, let name, _, let message) = $0 { (name, until, message) } else { nil } }
    }

    /// The containers stopped.
    var stops: [ContainerStop] {
        flatMap { action -> [ContainerStop] in
            guard case .stopContainers(let stops) = action else { return [] }
            return stops
        }
    }

    /// The probes run, as "name/kind".
    var probes: [String] {
        compactMap { if case .probe(let run) = $0 { "\(run.name)/\(run.kind.rawValue)" } else { nil } }
    }

    /// The events the planner asked for (stops' Killing events not included).
    var events: [PodEvent] {
        compactMap { if case .event(let e) = $0 { e } else { nil } }
    }
}
