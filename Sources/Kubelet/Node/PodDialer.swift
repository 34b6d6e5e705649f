#if canImport(Glibc)
import Glibc
#endif
import Netlink
public import Runtime

/// Opens TCP connections to a port on a pod's loopback, from inside its
/// network namespace, as port-forwarding does (a server listening only on
/// 127.0.0.1 in the pod is reachable this way, not by the pod's IP).
public enum PodDialer {
    /// A connected, blocking TCP socket to `127.0.0.1:port` in the pod's
    /// network namespace (the host's for hostNetwork pods). The caller closes it.
    public static func connect(_ sandbox: Sandbox, port: UInt16) throws -> Int32 {
        let path = sandbox.hostNetwork ? nil : sandbox.pinned[.network]
        if !sandbox.hostNetwork && path == nil {
            throw SystemError(call: "setns", errno: ENOENT, context: "pod \(sandbox.namespace)/\(sandbox.name) has no network namespace file")
        }
        let open: () throws -> Int32 = { try dial(port: port, what: "port \(port) in pod \(sandbox.namespace)/\(sandbox.name)") }
        guard let path else { return try open() }
        do {
            // The socket stays in the namespace it was created in.
            return try NetworkNamespace.run(path) { try open() }
        } catch let error as NetlinkError {
            throw SystemError(call: "setns", errno: error.errno, context: error.operation)
        }
    }

    static func dial(port: UInt16, what: String) throws -> Int32 {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError(call: "socket", errno: errno, context: what) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7f00_0001).bigEndian
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else {
            let e = errno
            close(fd)
            throw SystemError(call: "connect", errno: e, context: what)
        }
        return fd
    }
}
