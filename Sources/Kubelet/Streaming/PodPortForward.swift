#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import Foundation
import NIOCore
import Runtime
import Streaming

/// `kubectl port-forward`: each forwarded connection is a TCP connection to
/// 127.0.0.1:PORT inside the pod's network namespace (the file the sandbox
/// pinned), made by a short-lived thread that enters the namespace, creates
/// and connects the socket and exits; the socket stays in the pod's
/// namespace and the kubelet copies bytes between it and the client.
struct PodPortForward: Sendable {
    /// The pod's network namespace file; nil for a host-network pod.
    let netns: String?
    let podName: String

    /// How long a connect may take.
    static let connectTimeout: Int = 10

    func forward(port: UInt16, stream: PortForwardStream) async throws {
        let fd: Int32
        do {
            fd = try await Self.dial(netns: netns, port: port)
        } catch {
            throw PortForwardError("error forwarding port \(port) to pod \(podName): failed to connect to 127.0.0.1:\(port) inside the pod: \(error)")
        }
        let channel = try await DescriptorChannel.socket(fd)
        try await channel.executeThenClose { inbound, outbound in
            await withTaskGroup(of: Void.self) { group in
                // Pod to client; the client learns of the end by FIN.
                group.addTask {
                    do {
                        for try await buffer in inbound { try await stream.write(Array(buffer.readableBytesView)) }
                    } catch {}
                    await stream.closeWrite()
                }
                // Client to pod; its FIN half-closes the connection to the pod.
                group.addTask {
                    while let chunk = await stream.read() {
                        do { try await outbound.write(ByteBuffer(bytes: chunk)) } catch { break }
                    }
                    outbound.finish()
                }
                // A reset from the client ends both directions.
                group.addTask { await stream.reset.wait() }
                var done = 0
                while await group.next() != nil {
                    done += 1
                    let reset = await stream.reset.hasFired
                    if done == 2 || reset { break }
                }
                group.cancelAll()
            }
        }
    }

    /// A TCP socket connected to 127.0.0.1:`port` in `netns`.
    static func dial(netns: String?, port: UInt16) async throws -> Int32 {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try connectInNamespace(netns: netns, port: port) })
            }
            thread.start()
        }
    }

    /// Runs on its own thread: setns(2) moves only the calling thread, and
    /// the thread ends right after, so no other work runs in the pod's namespace.
    static func connectInNamespace(netns: String?, port: UInt16) throws -> Int32 {
        if let netns {
            let nsFD = try sys("open", netns) { open(netns, O_RDONLY | O_CLOEXEC) }
            defer { close(nsFD) }
            try sys("setns(CLONE_NEWNET)", netns) { swr_setns(nsFD, NamespaceKind.network.cloneFlag) }
        }
        let fd = try sys("socket", "AF_INET") { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var timeout = timeval(tv_sec: connectTimeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let rc = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw SystemError(call: "connect", errno: code, context: "127.0.0.1:\(port)")
        }
        return fd
    }
}
