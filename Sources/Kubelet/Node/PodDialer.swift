#if canImport(Glibc)
import Glibc
#endif
import Netlink
import Runtime
import LinuxSystem

/// Opens TCP connections to a port on a pod's loopback, from inside its
/// network namespace, as port-forwarding does (a server listening only on
/// 127.0.0.1 in the pod is reachable this way, not by the pod's IP). Used by
/// the kubelet's `/portForward` and by `nodectl port-forward`.
public enum PodDialer {
    /// A connected, blocking TCP socket to `127.0.0.1:port` in the pod's
    /// network namespace (the host's for hostNetwork pods). The caller closes it.
    public static func connect(_ sandbox: Sandbox, port: UInt16, timeoutSeconds: Int = 10) throws -> Int32 {
        let path = sandbox.hostNetwork ? nil : sandbox.pinned[.network]
        if !sandbox.hostNetwork && path == nil {
            throw SystemError(call: "setns", errno: ENOENT, context: "pod \(sandbox.namespace)/\(sandbox.name) has no network namespace file")
        }
        return try connect(netns: path, port: port, timeoutSeconds: timeoutSeconds)
    }

    /// The same for a namespace file (nil: this thread's namespace). The
    /// calling thread is back in its own namespace when this returns; the
    /// socket stays in the one it was created in.
    public static func connect(netns: String?, port: UInt16, timeoutSeconds: Int = 10) throws -> Int32 {
        guard let netns else { return try dial(port: port, timeoutSeconds: timeoutSeconds) }
        do {
            return try NetworkNamespace.run(netns) { try dial(port: port, timeoutSeconds: timeoutSeconds) }
        } catch let error as NetlinkError {
            throw SystemError(call: "setns", errno: error.errno, context: error.operation)
        }
    }

    static func dial(port: UInt16, timeoutSeconds: Int) throws -> Int32 {
        let fd = try sys("socket", "AF_INET") { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw SystemError(call: "connect", errno: code, context: "127.0.0.1:\(port)")
        }
        return fd
    }
}
