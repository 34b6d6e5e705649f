import KubeAPI
import Synchronization

/// A list-watch API run by the test: each list answers the next scripted
/// list (or fails with the next scripted error), and each watch hands the
/// test its stream's continuation and the resourceVersion it started from.
final class ScriptedListWatch: ListWatchClient {
    typealias Watch = (from: String, continuation: AsyncThrowingStream<WatchEvent<Pod>, any Error>.Continuation)

    private let lists: Mutex<[Result<ObjectList<Pod>, KubeClientError>]>
    /// Every watch the informer opened, in order.
    let watches: AsyncStream<Watch>
    private let opened: AsyncStream<Watch>.Continuation

    init(lists: [Result<ObjectList<Pod>, KubeClientError>]) {
        self.lists = Mutex(lists)
        (watches, opened) = AsyncStream.makeStream(of: Watch.self)
    }

    func listObjects<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions,
                                    keepUnknownFields: Bool) async throws(KubeClientError) -> ObjectList<T> {
        let next = lists.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        guard let next else { throw .status(Status(message: "no more lists scripted", reason: "InternalError", code: 500)) }
        let list = try next.get()
        guard let typed = list as? ObjectList<T> else { throw .decoding("the script only has pods") }
        return typed
    }

    func watchObjects<T: KubeObject>(_ type: T.Type, namespace: String?, options: ListOptions, from resourceVersion: String,
                                     keepUnknownFields: Bool) -> AsyncThrowingStream<WatchEvent<T>, any Error> {
        let (pods, continuation) = AsyncThrowingStream.makeStream(of: WatchEvent<Pod>.self, throwing: (any Error).self)
        opened.yield((resourceVersion, continuation))
        guard let typed = (pods as Any) as? AsyncThrowingStream<WatchEvent<T>, any Error> else {
            return AsyncThrowingStream { throw KubeClientError.decoding("the script only has pods") }
        }
        return typed
    }
}

/// A pod in namespace `ns` (or another) at resourceVersion `rv`, optionally on a node.
func pod(_ name: String, rv: String, namespace: String = "ns", node: String? = nil) -> Pod {
    var m = ObjectMeta(name: name, namespace: namespace)
    m.resourceVersion = rv
    var spec = PodSpec(containers: [Container(name: "c", image: "x:1")])
    spec.nodeName = node
    return Pod(metadata: m, spec: spec)
}

/// One informer event as text, for comparing sequences.
func describe(_ e: InformerEvent<Pod>) -> String {
    switch e {
    case .added(let p): return "added \(p.name)"
    case .updated(let o, let n): return "updated \(n.name) \(o.metadata.resourceVersion ?? "")->\(n.metadata.resourceVersion ?? "")"
    case .deleted(let p): return "deleted \(p.name)"
    case .synced: return "synced"
    }
}

/// The next `count` events of a stream, as text.
func next(_ count: Int, of iterator: inout AsyncStream<InformerEvent<Pod>>.Iterator) async -> [String] {
    var out: [String] = []
    while out.count < count, let e = await iterator.next() { out.append(describe(e)) }
    return out
}
