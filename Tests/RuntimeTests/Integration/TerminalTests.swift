import Testing
import TestSupport
#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
@testable import Runtime
import LinuxSystem

/// `--console-socket`: the pty master arrives over SCM_RIGHTS and carries the container's terminal.
@Suite(.ownThread, .requires(.root, .product("swiftrun"), .rootfs))
struct TerminalTests {
    @Test func consoleSocketReceivesAWorkingPty() throws {
        let b = try TestBundle()
        defer { b.cleanUp() }
        b.spec.process?.terminal = true
        b.spec.process?.consoleSize = Spec.ConsoleSize(height: 33, width: 101)
        b.shell("tty; stty size; [ -t 0 ] && echo stdin-is-tty")
        let path = b.dir + "/console.sock"
        let listener = try listen(path)
        defer { close(listener) }
        let created = try b.create(["--console-socket", path])
        #expect(created.code == 0, "\(created)")
        let conn = accept(listener, nil, nil)
        #expect(conn >= 0)
        defer { close(conn) }
        var name = [UInt8](repeating: 0, count: 256)
        var got = 0
        let master = swr_recv_fd(conn, &name, name.count, &got)
        #expect(master >= 0)
        defer { close(master) }
        #expect(String(decoding: name[0..<got], as: UTF8.self).hasPrefix("/dev/pts/"))
        #expect(try b.swiftrun(["start", b.id]).code == 0)
        var output: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = read(master, &buffer, buffer.count)
            if n <= 0 { break }
            output += buffer[0..<n]
        }
        let text = String(decoding: output, as: UTF8.self)
        #expect(text.contains("/dev/pts/0") && text.contains("33 101") && text.contains("stdin-is-tty"), "\(text)")
        try waitFor { try b.state()?.status == .stopped }
        #expect(try b.swiftrun(["delete", b.id]).code == 0)
        #expect(b.leftovers.isEmpty)
    }

    func listen(_ path: String) throws -> Int32 {
        let fd = try sys("socket") { socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { buf in
            for (i, b) in path.utf8.enumerated() { buf[i] = b }
        }
        _ = try withUnsafePointer(to: &addr) { ptr in
            try ptr.withMemoryRebound(to: sockaddr.self, capacity: 1) { p in
                try sys("bind", path) { bind(fd, p, socklen_t(MemoryLayout<sockaddr_un>.size)) }
            }
        }
        try sys("listen") { Glibc.listen(fd, 1) }
        return fd
    }
}
