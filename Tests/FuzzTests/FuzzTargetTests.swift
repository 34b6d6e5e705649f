import Testing
import TestSupport
import LinuxSystem
import FuzzTargets

/// Every fuzz target's seeds parse, and every input a fuzzer ever crashed on
/// (Tests/FuzzTests/Regressions/TARGET-*) now returns or throws instead.
@Suite struct FuzzTargetTests {
    static let regressions = TestPaths.packageRoot + "/Tests/FuzzTests/Regressions"

    @Test(arguments: FuzzTarget.all.map(\.name))
    func seedsParse(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        #expect(!target.seeds.isEmpty)
        for seed in target.seeds {
            #expect(throws: Never.self) { try target.run(seed) }
        }
    }

    @Test(arguments: FuzzTarget.all.map(\.name))
    func crashesFoundBeforeStayFixed(_ name: String) throws {
        let target = try #require(FuzzTarget.named(name))
        let files = ((try? FileIO.listDirectory(Self.regressions)) ?? []).filter { $0.hasPrefix(name + "-") }
        for file in files {
            // Reaching the next line at all is the test: a regression traps.
            _ = try? target.run(try FileIO.readBytes(Self.regressions + "/" + file))
        }
    }

    @Test func targetsHaveDistinctNames() {
        #expect(Set(FuzzTarget.all.map(\.name)).count == FuzzTarget.all.count)
    }
}
