import Foundation
import Testing
@testable import KubeAPI
#if canImport(Glibc)
import Glibc
#endif

/// Documents nested as deep as the decoders accept travel every path a
/// request body takes (parse, typed decode, unknown-field bookkeeping,
/// patches, writing, comparing, freeing) within a small part of a thread's
/// stack: the stack each path uses is measured on a thread of our own.
@Suite struct DeepDocumentTests {
    /// The bytes of stack `body` used, measured on a 64 MiB thread whose free
    /// stack is filled with a pattern first (the high-water mark).
    static func stackUsed(_ body: @escaping @Sendable () -> Void) -> Int {
        final class Box: @unchecked Sendable { var used = -1 }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let size = 64 << 20
        let thread = Thread {
            defer { done.signal() }
            var marker = 0
            let sp = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
            let low = sp - UInt(size) + UInt(2 << 20)
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

    /// Every path at depth `depth`, each with the stack it used.
    static func measure(depth: Int) throws -> [(String, Int)] {
        var out: [(String, Int)] = []
        for (shape, deep) in [("arrays", nestedArrays(depth - 1)), ("objects", nestedObjects(depth - 1))] {
            let text = pod(deep: deep)
            let value = try JSONParser.parse(text)
            let other = try JSONParser.parse(text)
            let patch = try JSONParser.parse(#"{"metadata":{"labels":{"x":"y"}},"deep2":"# + deep + "}")
            out.append(("\(shape): parse", stackUsed { _ = try? JSONParser.parse(text) }))
            out.append(("\(shape): write", stackUsed { _ = JSONWriter.bytes(value) }))
            out.append(("\(shape): compare", stackUsed { _ = value == other }))
            out.append(("\(shape): hash", stackUsed { _ = value.hashValue }))
            out.append(("\(shape): free", stackUsed { _ = try? JSONParser.parse(text).typeName }))
            out.append(("\(shape): typed decode and encode", stackUsed {
                guard let pod = try? KubeCodec.decodeObject(Pod.self, from: value) else { return }
                _ = KubeCodec.encodeObject(pod)
            }))
            out.append(("\(shape): strategic merge patch", stackUsed { _ = try? StrategicMergePatch.apply(patch, to: value, kind: "Pod") }))
            out.append(("\(shape): merge patch", stackUsed { _ = MergePatch.apply(patch, to: value) }))
            out.append(("\(shape): merge patch diff", stackUsed { _ = MergePatch.diff(from: value, to: other) }))
        }
        return out
    }

    /// At the deepest nesting accepted, every path fits in 2 MiB of stack,
    /// the smallest a request thread gets (see `JSONParser.maxDepth`).
    @Test func deepestAcceptedDocumentFitsEveryPath() throws {
        let depth = JSONParser.maxDepth
        for (path, used) in try Self.measure(depth: depth) {
            print("depth \(depth), \(path): \(used / 1024) KiB of stack")
            #expect(used < 2 << 20, "\(path) used \(used) bytes of stack at depth \(depth)")
        }
    }

    @Test func oneLevelDeeperIsRefused() throws {
        #expect(throws: Never.self) { try JSONParser.parse(Self.pod(deep: Self.nestedArrays(JSONParser.maxDepth - 1))) }
        #expect(throws: JSONParseError.self) { try JSONParser.parse(Self.pod(deep: Self.nestedArrays(JSONParser.maxDepth))) }
        // Far deeper input is refused without using the thread's stack.
        let used = Self.stackUsed { _ = try? JSONParser.parse(Self.nestedArrays(1_000_000)) }
        print("parsing a million open brackets used \(used / 1024) KiB of stack")
        #expect(used < 1 << 20)
    }
}
