#if canImport(Glibc)
import Glibc
#endif
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
                continuation.resume(with: Result { try PodDialer.connect(netns: netns, port: port, timeoutSeconds: connectTimeout) })
            }
            thread.start()
        }
    }
}
