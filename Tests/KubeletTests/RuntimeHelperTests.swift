import Foundation
import Testing
import Runtime
import TestSupport
@testable import Kubelet
import LinuxSystem

/// `--runtime-helper`: an executable file, made absolute, or a clear error.
@Suite struct RuntimeHelperTests {
    @Test func pathsAreCheckedAndMadeAbsolute() throws {
        let dir = TestPaths.temporaryDirectory("runtime-helper")
        defer { try? FileIO.removeTree(dir) }
        try FileIO.writeAtomically(dir + "/swiftrun", Array("#!/bin/sh\n".utf8), mode: 0o755)
        try FileIO.writeAtomically(dir + "/notes", Array("text".utf8), mode: 0o644)
        #expect(try RuntimeHelper.validated(dir + "/swiftrun") == dir + "/swiftrun")
        #expect(try RuntimeHelper.validated("swiftrun", workingDirectory: dir) == dir + "/swiftrun")
        #expect {
            try RuntimeHelper.validated(dir + "/missing")
        } throws: { "\($0)".contains("does not exist") && "\($0)".contains("--runtime-helper") }
        #expect {
            try RuntimeHelper.validated(dir + "/notes")
        } throws: { "\($0)".contains("is not an executable file") }
        #expect {
            try RuntimeHelper.validated(dir)
        } throws: { "\($0)".contains("is not an executable file") }
    }
}
