#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims

/// File descriptors Swift's Glibc module cannot make on its own: memory
/// files, close-on-exec pipes, descriptors received over a Unix socket.
/// Every one returned is close-on-exec and the caller's to close.
public enum Descriptors {
    /// An anonymous file in memory (memfd_create(2), MFD_CLOEXEC), e.g. to
    /// capture a child's output without a pipe that could fill up.
    public static func memoryFile(_ name: String) throws -> Int32 {
        try sys("memfd_create", name) { swr_memfd_create(name, 1 /* MFD_CLOEXEC */) }
    }

    /// A pipe (pipe2(2) with O_CLOEXEC): the read end and the write end.
    public static func pipe(_ context: String = "") throws -> (read: Int32, write: Int32) {
        var fds: [Int32] = [0, 0]
        try sys("pipe2", context) { swr_pipe_cloexec(&fds) }
        return (fds[0], fds[1])
    }

    /// The descriptor sent over the Unix socket `socket` with SCM_RIGHTS
    /// (recvmsg(2)); the message's payload is discarded.
    public static func receive(from socket: Int32, _ context: String = "") throws -> Int32 {
        try sys("recvmsg(SCM_RIGHTS)", context) { swr_recv_fd(socket, nil, 0, nil) }
    }
}

/// Terminal ioctls (ioctl(2) is variadic, so Swift cannot call it).
public enum Terminal {
    /// Sets the window size of the terminal `fd` (TIOCSWINSZ).
    public static func setWindowSize(_ fd: Int32, rows: UInt16, columns: UInt16) throws {
        try sys("ioctl(TIOCSWINSZ)") { swr_tty_set_winsize(fd, rows, columns) }
    }
}

/// glibc's allocator (`<malloc.h>` is not part of Swift's Glibc module).
public enum Heap {
    /// mallopt(M_ARENA_MAX, M_MMAP_THRESHOLD, M_TRIM_THRESHOLD); 0 leaves a
    /// setting alone. Returns whether every setting was taken.
    @discardableResult
    public static func tune(arenas: Int32, mmapThreshold: Int32, trimThreshold: Int32) -> Bool {
        swr_malloc_tune(arenas, mmapThreshold, trimThreshold) == 1
    }

    /// malloc_trim(0): returns free heap pages to the kernel. Returns whether any were.
    @discardableResult
    public static func trim() -> Bool {
        swr_malloc_trim() == 1
    }
}
