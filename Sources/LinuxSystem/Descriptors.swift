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
