import Foundation
import Testing
@testable import KubeAPI
#if canImport(Glibc)
import Glibc
#endif

/// Documents nested as deep as the decoders accept (10,000 levels) travel
/// every path a request body takes (parse, typed decode, unknown-field
/// bookkeeping, patches, server-side apply, writing, comparing, freeing).
/// Parsing and writing fit the 2 MiB stack of the smallest cooperative
/// thread; the paths that recurse per level fit with room to spare in the
/// stack of ``LargeStackExecutor``, where the API server runs them (see
/// `JSONParser.maxDepth`). The stack each path uses is measured on a thread
/// of our own.
@Suite struct DeepDocumentTests {
    static let depth = JSONParser.maxDepth
    /// What the recursive paths may use: half the large threads' stack.
    static let largeBudget = LargeStackExecutor.stackSize / 2
    /// What the paths that run anywhere may use.
    static let smallBudget = 2 << 20

    /// The bytes of stack `body` used (the high-water mark), measured on a
    /// thread of `size` bytes whose free stack, `watched` bytes below the
    /// start, is filled with a pattern first.
    static func stackUsed(size: Int, watched: Int, _ body: @escaping @Sendable () -> Void) -> Int {
        final class Box: @unchecked Sendable { var used = -1 }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            defer { done.signal() }
            var marker = 0
            let sp = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
            let low = sp - UInt(min(watched, size - (1 << 20)))
            let span = Int(sp - 32768 - low)
            guard let region = UnsafeMutableRawPointer(bitPattern: low) else { return }
            memset(region, 0xA5, span)
            body()
            let bytes = region.assumingMemoryBound(to: UInt8.self)
            var untouched = 0
            while untouched < span, bytes[untouched] == 0xA5 { untouched += 1 }
            box.used = span - untouched + 32768
        }
        thread.stackSize = size
        thread.start()
        done.wait()
        return box.used
    }

    static func nestedArrays(_ depth: Int) -> String { String(repeating: "[", count: depth) + String(repeating: "]", count: depth) }
    static func nestedObjects(_ depth: Int) -> String { String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1) }

    static func pod(deep: String) -> String {
        #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","annotations":{"a":"b"}},"spec":{"containers":[{"name":"c","image":"i"}]},"deep":"# + deep + "}"
    }

    static func flowSchema(deep: String) -> String {
        #"{"apiVersion":"flowcontrol.apiserver.k8s.io/v1","kind":"FlowSchema","metadata":{"name":"f"},"spec":{"deep":"# + deep + "}}"
    }

    /// Values a path made, kept so that freeing them (which recurses, see
    /// `JSONParser.maxDepth`) is not part of the path: they are freed on
    /// ``LargeStackExecutor`` afterwards.
    final class Kept: @unchecked Sendable {
        private var values: [JSONValue] = []
        private let lock = NSLock()
        func keep(_ value: JSONValue?) {
            guard let value else { return }
            lock.withLock { values.append(value) }
        }
        func free() {
            let all = lock.withLock { () -> [JSONValue] in
                defer { values = [] }
                return values
            }
            LargeStackExecutor.shared.runAndWait { _ = consume all }
        }
    }

    /// One path: its name, whether it must fit a small stack, and the work.
    struct Path {
        var name: String
        var anywhere: Bool
        var body: @Sendable () -> Void
    }

    /// Every path at `depth` levels (the deep value sits one level below the
    /// object, so the object is `depth` deep), for arrays and for objects.
    static func paths(depth: Int, keeping kept: Kept) throws -> [Path] {
        var out: [Path] = []
        for (shape, deep) in [("arrays", nestedArrays(depth - 2)), ("objects", nestedObjects(depth - 2))] {
            let text = pod(deep: deep)
            let flow = flowSchema(deep: deep)
            let value = try JSONParser.parse(text)
            let other = try JSONParser.parse(text)
            let flowValue = try JSONParser.parse(flow)
            let patch = try JSONParser.parse(#"{"metadata":{"labels":{"x":"y"}},"deep2":"# + deep + "}")
            let jsonPatch = try JSONParser.parse(#"[{"op":"test","path":"/deep","value":"# + deep + #"},{"op":"add","path":"/deep2","value":"#
                + deep + #"},{"op":"copy","from":"/deep","path":"/deep3"},{"op":"remove","path":"/deep"}]"#)
            let manager = FieldManager(kind: "FlowSchema", apiVersion: "flowcontrol.apiserver.k8s.io/v1", statusSubresource: true)
            out += [
                Path(name: "\(shape): parse", anywhere: true) { kept.keep(try? JSONParser.parse(text)) },
                Path(name: "\(shape): YAML decode", anywhere: true) { kept.keep(try? YAMLDecoding.decode(text) ?? nil) },
                Path(name: "\(shape): write", anywhere: true) { _ = JSONWriter.bytes(value) },
                Path(name: "\(shape): compare", anywhere: false) { _ = value == other },
                Path(name: "\(shape): hash", anywhere: false) { _ = value.hashValue },
                Path(name: "\(shape): free", anywhere: false) { _ = try? JSONParser.parse(text).typeName },
                Path(name: "\(shape): typed decode and encode", anywhere: false) {
                    guard let pod = try? KubeCodec.decodeObject(Pod.self, from: value) else { return }
                    _ = KubeCodec.encodeObject(pod)
                },
                Path(name: "\(shape): raw JSON field decode and encode", anywhere: false) {
                    guard let schema = try? KubeCodec.decodeObject(FlowSchema.self, from: flowValue) else { return }
                    _ = KubeCodec.encodeObject(schema)
                },
                Path(name: "\(shape): unknown fields", anywhere: false) { _ = UnknownFieldCheck.unknownFields(kind: "Pod", value) },
                Path(name: "\(shape): strategic merge patch", anywhere: false) {
                    _ = try? StrategicMergePatch.apply(patch, to: value, kind: "Pod")
                },
                Path(name: "\(shape): merge patch", anywhere: false) { _ = MergePatch.apply(patch, to: value) },
                Path(name: "\(shape): merge patch diff", anywhere: false) { _ = MergePatch.diff(from: value, to: other) },
                Path(name: "\(shape): JSON patch", anywhere: false) { _ = try? JSONPatch.apply(jsonPatch, to: value) },
                Path(name: "\(shape): server-side apply", anywhere: false) {
                    let live = try? manager.apply(live: nil, config: flowValue, manager: "a", force: false, subresource: nil, now: "t")
                    _ = try? manager.apply(live: live, config: flowValue, manager: "b", force: true, subresource: nil, now: "t")
                },
                Path(name: "\(shape): field manager update", anywhere: false) {
                    var new = flowValue
                    new["spec"]?["x"] = "y"
                    try? manager.update(old: flowValue, new: &new, manager: "c", subresource: nil, now: "t")
                },
            ]
        }
        return out
    }

    /// At the deepest nesting accepted, parsing and writing fit in 2 MiB of
    /// stack, the smallest a cooperative thread gets, and every other path
    /// (freeing the value too) in half the stack of the threads the API
    /// server runs it on.
    @Test func deepestAcceptedDocumentFitsEveryPath() throws {
        let kept = Kept()
        defer { kept.free() }
        // The documents are built and freed on a large stack, the paths measured on threads of their own.
        try LargeStackExecutor.shared.runAndWait { () throws(any Error) in try Self.measure(keeping: kept) }
    }

    static func measure(keeping kept: Kept) throws {
        for path in try Self.paths(depth: Self.depth, keeping: kept) {
            let budget = path.anywhere ? Self.smallBudget : Self.largeBudget
            let start = ContinuousClock.now
            let used = Self.stackUsed(size: path.anywhere ? 64 << 20 : LargeStackExecutor.stackSize, watched: budget + (4 << 20), path.body)
            print("depth \(Self.depth), \(path.name): \(used / 1024) KiB of stack (\(used / Self.depth) bytes a level) in \(ContinuousClock.now - start)")
            #expect(used > 0 && used < budget, "\(path.name) used \(used) bytes of stack at depth \(Self.depth)")
        }
    }

    /// The same paths, run as the API server runs them: as a task preferring
    /// ``LargeStackExecutor``, whose threads give the deep stack back.
    @Test func deepestAcceptedDocumentRunsOnTheLargeStackExecutor() async throws {
        let kept = Kept()
        try await withTaskExecutorPreference(LargeStackExecutor.shared) {
            for path in try Self.paths(depth: Self.depth, keeping: kept) { path.body() }
        }
        kept.free()
    }

    /// Server-side apply of the deepest object records its fields in
    /// `managedFields` a few levels deeper than the paths: the object it
    /// stores can still be read back.
    @Test func managedFieldsOfTheDeepestObjectCanBeReadBack() throws {
        try LargeStackExecutor.shared.runAndWait { () throws(any Error) in
            let manager = FieldManager(kind: "FlowSchema", apiVersion: "flowcontrol.apiserver.k8s.io/v1", statusSubresource: true)
            let config = try JSONParser.parse(Self.flowSchema(deep: Self.nestedObjects(Self.depth - 2)))
            let applied = try manager.apply(live: nil, config: config, manager: "a", force: false, subresource: nil, now: "t")
            let stored = try JSONParser.parse(JSONWriter.bytes(applied))
            #expect(stored["metadata"]?["managedFields"]?.arrayValue?.count == 1)
        }
    }

    @Test func oneLevelDeeperIsRefused() throws {
        LargeStackExecutor.shared.runAndWait { Self.refuseDeeper() }
    }

    static func refuseDeeper() {
        // The pod is one level, the deep value the rest.
        #expect(throws: Never.self) { try JSONParser.parse(Self.pod(deep: Self.nestedArrays(Self.depth - 1))) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Self.pod(deep: Self.nestedArrays(Self.depth))) }
        #expect(throws: Never.self) { try YAMLDecoding.decode(Self.pod(deep: Self.nestedArrays(Self.depth - 1))) }
        #expect(throws: YAMLDecodingError.self) { try YAMLDecoding.decode(Self.pod(deep: Self.nestedArrays(Self.depth))) }
        do {
            _ = try JSONParser.parse(Self.nestedArrays(Self.depth + 1))
        } catch {
            #expect(error.reason == "exceeded max depth of 10000")
        }
        // Far deeper input is refused without using the thread's stack.
        let used = Self.stackUsed(size: 64 << 20, watched: 16 << 20) { _ = try? JSONParser.parse(Self.nestedArrays(1_000_000)) }
        print("parsing a million open brackets used \(used / 1024) KiB of stack")
        #expect(used < 1 << 20)
    }
}
