import Foundation
import Runtime
#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem

/// A tiny HTTP/1.1 client for the kubelet's root-only Unix socket: one GET,
/// `Connection: close`, body read to the end (chunked or not).
struct KubeletSocket {
    let path: String

    /// The kubelet answers on its socket.
    var isUp: Bool { (try? get("/healthz")) != nil }

    /// GETs `target` and returns the body of a 200 answer.
    func get(_ target: String, timeout: Int = 5) throws -> [UInt8] {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw SystemError(call: "socket", errno: errno) }
        defer { close(fd) }
        var tv = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw RuntimeError.other("socket path too long: \(path)") }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard connected == 0 else { throw SystemError(call: "connect", errno: errno, context: path) }
        try FileIO.writeAll(fd: fd, Array("GET \(target) HTTP/1.1\r\nHost: kubelet\r\nConnection: close\r\n\r\n".utf8))
        let response = try FileIO.readAll(fd: fd, context: path)
        guard let split = Self.headerEnd(response) else { throw RuntimeError.other("the kubelet's answer on \(path) is not HTTP") }
        let head = String(decoding: response[..<split], as: UTF8.self)
        var body = Array(response[(split + 4)...])
        let lines = head.split(separator: "\r\n")
        let status = lines.first?.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        if lines.contains(where: { $0.lowercased().hasPrefix("transfer-encoding:") && $0.lowercased().contains("chunked") }) {
            body = Self.dechunk(body)
        }
        guard status == 200 else {
            throw RuntimeError.other("kubelet: \(status) \(String(decoding: body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        return body
    }

    static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 { return i }
        return nil
    }

    static func dechunk(_ bytes: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        var i = 0
        while i < bytes.count {
            guard let lineEnd = (i..<(bytes.count - 1)).first(where: { bytes[$0] == 13 && bytes[$0 + 1] == 10 }) else { break }
            let sizeText = String(decoding: bytes[i..<lineEnd], as: UTF8.self).split(separator: ";").first.map(String.init) ?? ""
            guard let size = Int(sizeText, radix: 16), size > 0 else { break }
            let start = lineEnd + 2
            guard start + size <= bytes.count else { break }
            out += bytes[start..<(start + size)]
            i = start + size + 2
        }
        return out
    }
}
