import Foundation
import HTTPServing
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// Opens upgrade requests to kubelets for `pods/NAME/exec`, `attach` and
/// `portforward`: dials the kubelet over TLS with the API server's kubelet
/// client certificate, sends the client's upgrade request, reads the
/// kubelet's answer and, after a 101, copies raw bytes between kubectl and
/// the kubelet both ways. The protocol inside (websocket or SPDY) is
/// between kubectl and the kubelet.
struct KubeletStreamDialer: Sendable {
    let tls: NIOSSLContext
    /// TLS without the kubelet client certificate, for `https:` pods and services behind `proxy`.
    let anonymousTLS: NIOSSLContext

    /// How a connection is secured.
    enum Security: Sendable {
        /// TLS with the API server's kubelet client certificate.
        case kubelet
        /// TLS without a client certificate.
        case anonymous
        /// Plain TCP.
        case none
    }

    init(clientCertificatePEM: String, clientKeyPEM: String) throws {
        var config = TLSConfiguration.makeClientConfiguration()
        config.certificateVerification = .none
        anonymousTLS = try NIOSSLContext(configuration: config)
        config.certificateChain = try NIOSSLCertificate.fromPEMBytes(Array(clientCertificatePEM.utf8)).map { .certificate($0) }
        config.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: Array(clientKeyPEM.utf8), format: .pem))
        tls = try NIOSSLContext(configuration: config)
    }

    /// The kubelet's answer to an upgrade request.
    struct Answer: Sendable {
        var status: Int
        var headers: [(String, String)]
        /// The body of a refusal (not read after a 101).
        var body: [UInt8]
    }

    typealias Channel = NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// Sends `request` (a complete HTTP/1.1 head) to host:port and returns
    /// the answer with an exchange that, after a 101, splices a client in.
    func open(host: String, port: Int, request: [UInt8], security: Security = .kubelet) async throws -> (Answer, KubeletStreamExchange) {
        let context: NIOSSLContext? = switch security {
        case .kubelet: tls
        case .anonymous: anonymousTLS
        case .none: nil
        }
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connectTimeout(.seconds(10))
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .connect(host: host, port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let context {
                        try channel.pipeline.syncOperations.addHandler(try NIOSSLClientHandler(context: context, serverHostname: nil))
                    }
                    return try Channel(wrappingChannelSynchronously: channel)
                }
            }
        let exchange = KubeletStreamExchange(upstream: channel.channel)
        let answer = try await withCheckedThrowingContinuation { continuation in
            Task { await exchange.run(channel, request: request, answer: continuation) }
        }
        return (answer, exchange)
    }
}

/// One upgrade through the API server; see ``KubeletStreamDialer``.
final class KubeletStreamExchange: Sendable {
    private let handoff = Handoff()
    private let finished = SpliceDone()
    /// The connection to the kubelet, closed if the API server shuts down mid-stream.
    private let upstream: any NIOCore.Channel

    init(upstream: any NIOCore.Channel) {
        self.upstream = upstream
    }

    /// How long the exchange waits for the client side after a 101.
    static let handoffTimeout: Duration = .seconds(30)

    /// Copies bytes between `client` and the kubelet until the kubelet closes.
    func splice(_ client: UpgradedConnection) async {
        let upstream = self.upstream
        await withTaskCancellationHandler {
            await handoff.give(client)
            await finished.wait()
        } onCancel: {
            upstream.close(promise: nil)
        }
    }

    /// Ends an exchange that will not be spliced.
    func abandon() async {
        await handoff.give(nil)
    }

    func run(_ channel: KubeletStreamDialer.Channel, request: [UInt8],
             answer: CheckedContinuation<KubeletStreamDialer.Answer, any Error>) async {
        var answered = false
        do {
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(ByteBuffer(bytes: request))
                var iterator = inbound.makeAsyncIterator()
                var received: [UInt8] = []
                var headEnd: Int?
                while headEnd == nil {
                    guard let buffer = try await iterator.next() else { throw KubeletStreamError("the kubelet closed the connection before answering") }
                    received += buffer.readableBytesView
                    headEnd = Self.endOfHead(received)
                    if headEnd == nil && received.count > 64 * 1024 { throw KubeletStreamError("the kubelet's answer has no end of headers") }
                }
                let end = headEnd ?? received.count
                var response = try Self.parseHead(Array(received[..<end]))
                var leftover = Array(received[end...])
                if response.status != 101 {
                    let length = response.headers.first { $0.0.lowercased() == "content-length" }.flatMap { Int($0.1) }
                    while leftover.count < min(length ?? 1 << 20, 1 << 20), let buffer = try await iterator.next() {
                        leftover += buffer.readableBytesView
                    }
                    response.body = leftover
                    answered = true
                    answer.resume(returning: response)
                    return
                }
                answered = true
                answer.resume(returning: response)
                guard let client = await handoff.take(timeout: Self.handoffTimeout) else { return }
                await Self.copy(client: client, leftover: leftover, iterator: &iterator, outbound: outbound, channel: channel.channel)
            }
        } catch {
            if !answered { answer.resume(throwing: error) }
        }
        await finished.fire()
    }

    /// Kubelet → client until the kubelet closes; client → kubelet alongside.
    static func copy(client: UpgradedConnection, leftover: [UInt8],
                     iterator: inout NIOAsyncChannelInboundStream<ByteBuffer>.AsyncIterator,
                     outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>, channel: any NIOCore.Channel) async {
        let upstream = Task {
            do {
                while let bytes = try await client.read() {
                    try await outbound.write(ByteBuffer(bytes: bytes))
                }
            } catch {}
            // The client is gone: so is the kubelet's session.
            channel.close(promise: nil)
        }
        do {
            if !leftover.isEmpty { try await client.write(leftover) }
            while let buffer = try await iterator.next() {
                try await client.write(Array(buffer.readableBytesView))
            }
        } catch {}
        upstream.cancel()
    }

    /// The index just past `\r\n\r\n`, if the head is complete.
    static func endOfHead(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i + 4
        }
        return nil
    }

    /// `HTTP/1.1 101 Switching Protocols` and its headers.
    static func parseHead(_ head: [UInt8]) throws -> KubeletStreamDialer.Answer {
        let lines = String(decoding: head, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        guard let statusLine = lines.first else { throw KubeletStreamError("the kubelet sent an empty answer") }
        let fields = statusLine.split(separator: " ", maxSplits: 2)
        guard fields.count >= 2, fields[0].hasPrefix("HTTP/1."), let status = Int(fields[1]) else {
            throw KubeletStreamError("the kubelet sent a malformed status line: \(statusLine)")
        }
        let headers: [(String, String)] = lines.dropFirst().compactMap { line in
            guard let colon = line.firstIndex(of: ":") else { return nil }
            return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
        }
        return KubeletStreamDialer.Answer(status: status, headers: headers, body: [])
    }
}

/// Passes the client's connection to the exchange's task (or nil: no splice).
actor Handoff {
    private var value: UpgradedConnection??
    private var waiter: CheckedContinuation<UpgradedConnection?, Never>?

    func give(_ connection: UpgradedConnection?) {
        if let waiter {
            self.waiter = nil
            waiter.resume(returning: connection)
        } else {
            value = .some(connection)
        }
    }

    func take(timeout: Duration) async -> UpgradedConnection? {
        if let value { return value }
        let timer = Task {
            try await Task.sleep(for: timeout)
            self.give(nil)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { waiter = $0 }
    }
}

/// Fires when an exchange is over.
actor SpliceDone {
    private var done = false
    private var waiters: [CheckedContinuation<Void, Never>] = []

    func fire() {
        done = true
        for w in waiters { w.resume() }
        waiters = []
    }

    func wait() async {
        if done { return }
        await withCheckedContinuation { waiters.append($0) }
    }
}

/// Reaching a kubelet's streaming endpoint failed.
struct KubeletStreamError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
