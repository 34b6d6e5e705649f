#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import Runtime

/// `mkdir -p` from the bottom up.
@Suite struct FileIOTests {
    @Test func makeDirectoriesCreatesWhatIsMissingOnly() throws {
        let dir = TestPaths.temporaryDirectory("mkdirp")
        defer { try? FileIO.removeTree(dir) }
        try FileIO.makeDirectories(dir + "/a/b/c", mode: 0o700)
        #expect(FileIO.isDirectory(dir + "/a/b/c"))
        var st = stat()
        #expect(stat(dir + "/a/b", &st) == 0 && st.st_mode & 0o777 == 0o700)
        // Existing directories (and a trailing slash) are fine.
        try FileIO.makeDirectories(dir + "/a/b/c")
        try FileIO.makeDirectories(dir + "/a/b/d/")
        #expect(FileIO.isDirectory(dir + "/a/b/d"))
        try FileIO.makeDirectories("/")
        // A file in the way is an error naming the path.
        try FileIO.writeAtomically(dir + "/a/file", Array("x".utf8), mode: 0o644)
        #expect {
            try FileIO.makeDirectories(dir + "/a/file/sub")
        } throws: { ($0 as? SystemError)?.errno == ENOTDIR && "\($0)".contains("/a/file/sub") }
        #expect {
            try FileIO.makeDirectories(dir + "/a/file")
        } throws: { ($0 as? SystemError)?.errno == EEXIST }
    }
}
