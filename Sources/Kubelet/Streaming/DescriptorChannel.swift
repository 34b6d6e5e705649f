#if canImport(Glibc)
import Glibc
#endif
import NIOCore
import NIOPosix

/// A pipe, pty or socket descriptor handed to SwiftNIO, so the kubelet
/// copies a process's or a connection's bytes without blocking a thread per
/// stream. The channel owns the descriptor from then on.
typealias ByteChannel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

enum DescriptorChannel {
    static let configuration = ByteChannel.Configuration(isOutboundHalfClosureEnabled: true)

    /// A channel that reads `fd` (a process's stdout or stderr).
    static func reading(_ fd: Int32) async throws -> ByteChannel {
        try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .takingOwnershipOfDescriptor(input: fd) { channel in
                channel.eventLoop.makeCompletedFuture { try ByteChannel(wrappingChannelSynchronously: channel, configuration: configuration) }
            }
    }

    /// A channel that writes `fd` (a process's stdin, a FIFO). Use
    /// ``write(_:to:)``, which returns once the bytes are in the pipe, so
    /// closing the channel afterwards loses nothing; closing it is the
    /// reader's EOF.
    static func writing(_ fd: Int32) async throws -> any Channel {
        try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .takingOwnershipOfDescriptor(output: fd).get()
    }

    /// Writes bytes and waits until they are written (not merely queued).
    static func write(_ bytes: [UInt8], to channel: any Channel) async throws {
        try await channel.writeAndFlush(ByteBuffer(bytes: bytes)).get()
    }

    /// Both directions of one descriptor (a pty master).
    static func duplex(_ fd: Int32) async throws -> ByteChannel {
        try await NIOPipeBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .takingOwnershipOfDescriptor(inputOutput: fd) { channel in
                channel.eventLoop.makeCompletedFuture { try ByteChannel(wrappingChannelSynchronously: channel, configuration: configuration) }
            }
    }

    /// A connected TCP socket.
    static func socket(_ fd: Int32) async throws -> ByteChannel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .withConnectedSocket(fd) { channel in
                channel.eventLoop.makeCompletedFuture { try ByteChannel(wrappingChannelSynchronously: channel, configuration: configuration) }
            }
    }
}
