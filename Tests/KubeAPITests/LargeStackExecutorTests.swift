import Foundation
import Testing
@testable import KubeAPI
#if canImport(Glibc)
import Glibc
#endif

/// The threads of ``LargeStackExecutor`` run deep work and give back the
/// stack it touched as soon as it ends.
@Suite struct LargeStackExecutorTests {
    /// Recursion whose frames touch about `bytes` of stack.
    @inline(never) static func touch(_ bytes: Int) -> Int {
        guard bytes > 0 else { return 0 }
        let frame = InlineArray<4096, UInt8>(repeating: UInt8(truncatingIfNeeded: bytes >> 12))
        return Int(frame[bytes & 4095]) + touch(bytes - 4096)
    }

    /// Whether the page `below` bytes under the caller's frame is resident.
    @inline(never) static func resident(below: Int) -> Bool {
        var marker = 0
        let here = withUnsafeMutablePointer(to: &marker) { UInt(bitPattern: $0) }
        let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
        guard let address = UnsafeMutableRawPointer(bitPattern: (here - UInt(below)) & ~(page - 1)) else { return false }
        var vector: UInt8 = 0
        return mincore(address, Int(page), &vector) == 0 && vector & 1 == 1
    }

    @Test func deepWorkFitsAndItsStackIsGivenBack() {
        let deep = 48 << 20
        let below = LargeStackExecutor.trimDepth + (8 << 20)
        for _ in 0..<12 {
            let (before, during) = LargeStackExecutor.shared.runAndWait {
                let before = Self.resident(below: below)
                _ = Self.touch(deep)
                return (before, Self.resident(below: below))
            }
            // Every job starts with the deep stack given back by the jobs before it on that thread.
            #expect(!before)
            #expect(during)
        }
    }

    @Test func runsTasksThatPreferIt() async {
        let used = await withTaskExecutorPreference(LargeStackExecutor.shared) {
            await Task.yield()
            return Self.touch(64 << 20)
        }
        #expect(used >= 0)
    }
}
