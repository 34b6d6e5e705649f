import Foundation
public import KubeAPI
import Runtime
import Logging

/// Keeps one worker per pod bound to this node: watches the API server
/// (`spec.nodeName=NODE`), starts workers for new pods after admission,
/// forwards updates and deletions, and on start adopts what the runtime
/// already runs, so a restarted kubelet picks up exactly where it was.
public actor PodManager {
    let context: KubeletContext
    var workers: [String: PodWorker] = [:]
    var tasks: [String: Task<Void, Never>] = [:]
    /// Pods admitted (running or about to), for resource accounting.
    var admitted: [String: Pod] = [:]
    var allocatable: ResourceList = [:]
    /// Pods from `--pod-manifest-path`, by UID: run whatever the API server says.
    var staticPods: [String: Pod] = [:]

    public init(context: KubeletContext) {
        self.context = context
    }

    public func setAllocatable(_ list: ResourceList) { allocatable = list }

    /// Pods this kubelet currently manages (for the kubelet API and nodectl).
    public func pods() -> [Pod] { Array(admitted.values) }

    /// Lists pods, adopts leftovers, then follows the watch until cancelled.
    public func run() async {
        // Pods are only read and status-patched here, never written back whole.
        let informer = Informer(Pod.self, client: context.client, options: ListOptions(fieldSelector: "spec.nodeName=\(context.nodeName)"),
                                keepUnknownFields: false, logger: context.logger)
        let events = informer.events()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await informer.run() }
            for await event in events { await received(event, cache: informer) }
            group.cancelAll()
        }
        for task in tasks.values { task.cancel() }
    }

    /// One change of the pods bound to this node; mirror pods are the static pods' status only.
    func received(_ event: InformerEvent<Pod>, cache: Informer<Pod>) async {
        switch event {
        case .added(let pod):
            if !Self.isMirror(pod) { handle(pod) }
        case .updated(let old, let pod):
            // Deleted and created again under the same name while the watch was down.
            if let uid = old.metadata.uid, uid != pod.metadata.uid, let worker = workers[uid] { await worker.removed() }
            if !Self.isMirror(pod) { handle(pod) }
        case .deleted(let pod):
            if !Self.isMirror(pod), let uid = pod.metadata.uid, let worker = workers[uid] { await worker.removed() }
        case .synced:
            // After every (re)list: workers of pods the API server no longer has stop, leftovers are adopted.
            let live = Set(cache.list().filter { !Self.isMirror($0) }.compactMap { $0.metadata.uid }).union(staticPods.keys)
            for (uid, worker) in workers where !live.contains(uid) { await worker.removed() }
            adoptOrphans(known: live)
        }
    }

    /// The current static pods: new ones start, removed or edited ones
    /// (an edit is a new UID) terminate. Called before `run` with the first
    /// scan, so a restarted kubelet never mistakes them for orphans.
    public func setStaticPods(_ pods: [Pod]) async {
        let current = Dictionary(pods.compactMap { p in p.metadata.uid.map { ($0, p) } }, uniquingKeysWith: { a, _ in a })
        for uid in staticPods.keys where current[uid] == nil {
            staticPods[uid] = nil
            if let worker = workers[uid] { await worker.removed() }
        }
        for (uid, pod) in current where staticPods[uid] == nil {
            staticPods[uid] = pod
            handle(pod)
        }
    }

    /// A static pod has a new mirror on the API server: give it the whole status.
    public func mirrorCreated(staticUID uid: String) async {
        await context.status.resend(uid)
    }

    /// A mirror pod only carries a static pod's status; the kubelet runs the static pod itself.
    static func isMirror(_ pod: Pod) -> Bool {
        pod.metadata.annotations?[StaticPods.mirrorAnnotation] != nil
    }

    func handle(_ pod: Pod) {
        guard let uid = pod.metadata.uid else { return }
        if let worker = workers[uid] {
            admitted[uid] = pod
            Task { await worker.update(pod) }
            return
        }
        if pod.status?.phase == "Succeeded" || pod.status?.phase == "Failed", pod.metadata.deletionTimestamp == nil,
           context.sandboxes.load(uid: uid) == nil {
            return // finished before we knew it; nothing to run
        }
        let worker = PodWorker(pod: pod, context: context)
        workers[uid] = worker
        admitted[uid] = pod
        if pod.metadata.deletionTimestamp == nil, context.sandboxes.load(uid: uid) == nil, let rejection = admit(pod) {
            context.events.record(pod, type: "Warning", reason: rejection.reason, rejection.message)
            Task { await worker.reject(reason: rejection.reason, message: rejection.message) }
        }
        start(uid, worker)
    }

    func start(_ uid: String, _ worker: PodWorker) {
        tasks[uid] = Task {
            await worker.run()
            self.finished(uid)
        }
    }

    func finished(_ uid: String) {
        workers[uid] = nil
        tasks[uid] = nil
        admitted[uid] = nil
    }

    /// Sandboxes and containers of pods the API server no longer has: terminate them.
    func adoptOrphans(known: Set<String>) {
        var leftovers: [String: Pod] = [:]
        for sandbox in context.sandboxes.all() where !known.contains(sandbox.podUID) && workers[sandbox.podUID] == nil {
            var pod = Pod(metadata: ObjectMeta(name: sandbox.name, namespace: sandbox.namespace), spec: PodSpec())
            pod.metadata.uid = sandbox.podUID
            leftovers[sandbox.podUID] = pod
        }
        for (uid, containers) in context.containers.all() where !known.contains(uid) && workers[uid] == nil && leftovers[uid] == nil {
            var pod = Pod(metadata: ObjectMeta(name: containers.first?.name ?? "orphan", namespace: "default"), spec: PodSpec())
            pod.metadata.uid = uid
            leftovers[uid] = pod
        }
        for (uid, pod) in leftovers {
            context.logger.info("removing leftovers of pod \(pod.metadata.namespace ?? "")/\(pod.metadata.name ?? "") (\(uid)): not on the API server")
            let worker = PodWorker(pod: pod, context: context, orphan: true)
            workers[uid] = worker
            start(uid, worker)
        }
    }

    /// Resources fit and host ports are free, or why not (Kubernetes' reasons).
    func admit(_ pod: Pod) -> (reason: String, message: String)? {
        Self.admit(pod, among: admitted, allocatable: allocatable)
    }

    /// ``admit(_:)`` against the pods already `admitted` (by uid); those
    /// deleted or finished no longer count.
    static func admit(_ pod: Pod, among admitted: [String: Pod], allocatable: ResourceList) -> (reason: String, message: String)? {
        guard let spec = pod.spec else { return nil }
        // One pass over the pods already admitted, without copying them out:
        // a burst of pods admits each against all the others.
        let want = PodCgroups.requests(spec)
        var usedCPU: Int64 = 0, usedMemory: Int64 = 0, running = 0
        var taken: Set<String> = []
        for (uid, p) in admitted where uid != pod.metadata.uid && p.metadata.deletionTimestamp == nil
            && p.status?.phase != "Succeeded" && p.status?.phase != "Failed" {
            running += 1
            guard let s = p.spec else { continue }
            let r = PodCgroups.requests(s)
            usedCPU += r.milliCPU
            usedMemory += r.memory
            for c in s.containers {
                for port in c.ports ?? [] where (port.hostPort ?? 0) > 0 {
                    taken.insert("\(port.protocol ?? "TCP")/\(port.hostPort ?? 0)")
                }
            }
        }
        if let cpu = allocatable["cpu"]?.milliValue, want.milliCPU > 0, usedCPU + want.milliCPU > cpu {
            return ("OutOfcpu", "Pod was rejected: Node didn't have enough resource: cpu, requested: \(want.milliCPU), used: \(usedCPU), capacity: \(cpu)")
        }
        if let memory = allocatable["memory"]?.value, want.memory > 0, usedMemory + want.memory > memory {
            return ("OutOfmemory", "Pod was rejected: Node didn't have enough resource: memory, requested: \(want.memory), used: \(usedMemory), capacity: \(memory)")
        }
        if let maxPods = allocatable["pods"]?.value, Int64(running + 1) > maxPods {
            return ("OutOfpods", "Pod was rejected: Node didn't have enough resource: pods, requested: 1, used: \(running), capacity: \(maxPods)")
        }
        for c in spec.containers {
            for port in c.ports ?? [] where (port.hostPort ?? 0) > 0 && taken.contains("\(port.protocol ?? "TCP")/\(port.hostPort ?? 0)") {
                return ("NodePorts", "Pod was rejected: node(s) didn't have free ports for the requested pod ports")
            }
        }
        return nil
    }
}
