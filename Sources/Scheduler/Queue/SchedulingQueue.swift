public import KubeAPI

/// Pods waiting to be scheduled, as kube-scheduler keeps them: an active
/// queue ordered by priority then arrival, a back-off area for pods that just
/// failed (1 s doubling to 10 s), and an unschedulable area whose pods move
/// back when the cluster changes (a node added or updated, a pod deleted).
/// A failure of a pod popped before such a change sends it to back-off rather
/// than the unschedulable area, so the change is not missed. Times are
/// monotonic seconds passed in by the caller.
public struct SchedulingQueue: Sendable {
    public enum Location: Sendable, Equatable { case active, backoff, unschedulable, inFlight }

    public struct Entry: Sendable {
        public var pod: Pod
        public var location: Location
        public var attempts: Int
        /// When the pod first entered the queue (for latency metrics).
        public var firstSeen: Double
        public var backoffUntil: Double
        var seq: Int
        var popCycle: Int
    }

    public private(set) var entries: [String: Entry] = [:]
    private var backoffKeys: Set<String> = []
    private var unschedulable: Set<String> = []
    private var heap = BinaryHeap()
    private var seqCounter = 0
    private var moveCycle = 0
    public var initialBackoff = 1.0
    public var maxBackoff = 10.0

    public init() {}

    /// Pods queued in any area (in flight included).
    public var count: Int { entries.count }

    /// Pods waiting in back-off and as unschedulable.
    public var backoffCount: Int { backoffKeys.count }
    public var unschedulableCount: Int { unschedulable.count }

    private mutating func setLocation(_ key: String, _ loc: Location) {
        guard let old = entries[key]?.location else { return }
        if old == .backoff { backoffKeys.remove(key) }
        if old == .unschedulable { unschedulable.remove(key) }
        entries[key]?.location = loc
        if loc == .backoff { backoffKeys.insert(key) }
        if loc == .unschedulable { unschedulable.insert(key) }
    }

    /// Where a pod is.
    public func location(_ key: String) -> Location? { entries[key]?.location }

    static func key(_ p: Pod) -> String { "\(p.metadata.namespace ?? "")/\(p.metadata.name ?? "")" }

    private mutating func push(_ key: String) {
        guard entries[key] != nil else { return }
        setLocation(key, .active)
        seqCounter += 1
        entries[key]?.seq = seqCounter
        guard let e = entries[key] else { return }
        heap.push(BinaryHeap.Item(priority: e.pod.spec?.priority ?? 0, seq: seqCounter, key: key))
    }

    /// A new or changed pending pod.
    public mutating func add(_ pod: Pod, now: Double) {
        let key = Self.key(pod)
        if var e = entries[key] {
            let changed = e.pod.spec != pod.spec || e.pod.metadata.labels != pod.metadata.labels
            e.pod = pod
            entries[key] = e
            if e.location == .unschedulable && changed {
                if e.backoffUntil <= now { push(key) } else { setLocation(key, .backoff) }
            }
            return
        }
        entries[key] = Entry(pod: pod, location: .active, attempts: 0, firstSeen: now, backoffUntil: 0, seq: 0, popCycle: 0)
        push(key)
    }

    /// Forgets a pod (deleted, or bound by someone else).
    public mutating func remove(_ key: String) {
        setLocation(key, .inFlight)
        entries[key] = nil
    }

    /// The next pod to schedule, moving expired back-offs first.
    public mutating func pop(now: Double) -> (key: String, entry: Entry)? {
        flushBackoff(now: now)
        while let item = heap.pop() {
            guard var e = entries[item.key], e.location == .active, e.seq == item.seq else { continue }
            e.location = .inFlight
            e.attempts += 1
            e.popCycle = moveCycle
            entries[item.key] = e
            return (item.key, e)
        }
        return nil
    }

    private func backoff(_ attempts: Int) -> Double {
        var d = initialBackoff
        for _ in 1..<max(attempts, 1) {
            d *= 2
            if d >= maxBackoff { return maxBackoff }
        }
        return min(d, maxBackoff)
    }

    /// After a failed attempt: unschedulable until the cluster changes, or
    /// back-off when it changed while the pod was being scheduled (or when
    /// `retryable`, e.g. a binding error).
    public mutating func requeue(_ key: String, now: Double, retryable: Bool) {
        guard let e = entries[key], e.location == .inFlight else { return }
        let until = now + backoff(e.attempts)
        entries[key]?.backoffUntil = until
        setLocation(key, (retryable || e.popCycle < moveCycle) ? .backoff : .unschedulable)
    }

    /// The pod was bound: it leaves the queue.
    public mutating func done(_ key: String) {
        if entries[key]?.location == .inFlight { entries[key] = nil }
    }

    /// A cluster change that may help unschedulable pods.
    public mutating func moveAllToActiveOrBackoff(now: Double) {
        moveCycle += 1
        for k in unschedulable {
            guard let e = entries[k] else { continue }
            if e.backoffUntil <= now { push(k) } else { setLocation(k, .backoff) }
        }
    }

    /// Moves pods whose back-off has expired to the active queue.
    public mutating func flushBackoff(now: Double) {
        guard !backoffKeys.isEmpty else { return }
        for k in backoffKeys where (entries[k]?.backoffUntil ?? 0) <= now { push(k) }
    }

    /// The earliest back-off expiry, if any pod is backing off.
    public var nextBackoffExpiry: Double? {
        backoffKeys.compactMap { entries[$0]?.backoffUntil }.min()
    }

    /// Keys of pods marked unschedulable.
    public var unschedulableKeys: [String] { Array(unschedulable) }
}

/// A max-heap on priority, then min on arrival sequence.
struct BinaryHeap: Sendable {
    struct Item: Sendable {
        var priority: Int
        var seq: Int
        var key: String
    }

    private var items: [Item] = []

    static func before(_ a: Item, _ b: Item) -> Bool {
        a.priority != b.priority ? a.priority > b.priority : a.seq < b.seq
    }

    var isEmpty: Bool { items.isEmpty }

    mutating func push(_ item: Item) {
        items.append(item)
        var i = items.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.before(items[i], items[parent]) else { break }
            items.swapAt(i, parent)
            i = parent
        }
    }

    mutating func pop() -> Item? {
        guard !items.isEmpty else { return nil }
        let top = items[0]
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && Self.before(items[l], items[m]) { m = l }
                if r < items.count && Self.before(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m)
                i = m
            }
        }
        return top
    }
}
