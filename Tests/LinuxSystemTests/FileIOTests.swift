#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestSupport
@testable import LinuxSystem

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

/// A decoded file is read again only when the file is written again.
@Suite struct DecodedFileCacheTests {
    @Test func keepsTheValueUntilTheFileIsReplaced() throws {
        let dir = TestPaths.temporaryDirectory("filecache")
        defer { try? FileIO.removeTree(dir) }
        let path = dir + "/value"
        let cache = DecodedFileCache<String>()
        var reads = 0
        func read() throws -> String {
            try cache.value(at: path) {
                reads += 1
                return String(decoding: (try? FileIO.readBytes(path)) ?? [], as: UTF8.self)
            }
        }
        #expect(try read() == "" && read() == "")
        #expect(reads == 2) // no file: nothing kept
        try FileIO.writeAtomically(path, Array("one".utf8))
        #expect(try read() == "one" && read() == "one")
        #expect(reads == 3)
        try FileIO.writeAtomically(path, Array("two".utf8)) // same size, new inode
        #expect(try read() == "two")
        #expect(reads == 4)
        cache.forget(path)
        #expect(try read() == "two")
        #expect(reads == 5)
    }
}
