import Testing
import CZlib
@testable import Streaming

/// Websocket framing without a network: lengths, masking, fragments, control frames, close.
struct WebSocketTests {
    @Test func acceptValueMatchesTheRFCExample() {
        #expect(WebSocketHandshake.acceptValue(forKey: "dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=")
    }

    @Test func protocolNegotiationPrefersOurOrder() {
        let offered = ["v4.channel.k8s.io, v5.channel.k8s.io", "base64.channel.k8s.io"]
        #expect(WebSocketHandshake.chooseProtocol(offered: offered, supported: StreamProtocol.remoteCommandWebSocket) == "v5.channel.k8s.io")
        #expect(WebSocketHandshake.chooseProtocol(offered: ["channel.k8s.io"], supported: StreamProtocol.remoteCommandWebSocket) == nil)
        #expect(WebSocketHandshake.isUpgrade(upgrade: "WebSocket", connection: "keep-alive, Upgrade"))
        #expect(!WebSocketHandshake.isUpgrade(upgrade: "SPDY/3.1", connection: "Upgrade"))
    }

    @Test func serverFramesAreUnmaskedWithTheRightLengthEncoding() {
        #expect(WebSocketFrame(opcode: .binary, payload: [1, 2, 3]).encoded() == [0x82, 0x03, 1, 2, 3])
        let medium = WebSocketFrame(opcode: .binary, payload: [UInt8](repeating: 7, count: 300)).encoded()
        #expect(Array(medium.prefix(4)) == [0x82, 126, 0x01, 0x2c] && medium.count == 304)
        let large = WebSocketFrame(opcode: .text, payload: [UInt8](repeating: 0, count: 70_000)).encoded()
        #expect(Array(large.prefix(10)) == [0x81, 127, 0, 0, 0, 0, 0, 0x01, 0x11, 0x70] && large.count == 70_010)
        #expect(WebSocketFrame.close(code: 1000).encoded() == [0x88, 0x02, 0x03, 0xe8])
    }

    @Test func maskedClientFramesRoundTrip() throws {
        // RFC 6455 5.7: a masked "Hello" text frame.
        var parser = WebSocketParser(requireMask: true)
        parser.append([0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58])
        #expect(try parser.nextMessage() == .text(Array("Hello".utf8)))
        let payload = (0..<1000).map { UInt8($0 & 0xff) }
        let bytes = WebSocketFrame(opcode: .binary, payload: payload).encoded(mask: [1, 2, 3, 4])
        #expect(bytes[1] == 0x80 | 126)
        // Split anywhere: nothing comes out until the frame is whole.
        parser.append(Array(bytes.prefix(3)))
        #expect(try parser.nextMessage() == nil)
        parser.append(Array(bytes.dropFirst(3)))
        #expect(try parser.nextMessage() == .binary(payload))
    }

    @Test func fragmentsAreJoinedAroundInterleavedControlFrames() throws {
        var parser = WebSocketParser(requireMask: true)
        let mask: [UInt8] = [9, 8, 7, 6]
        parser.append(WebSocketFrame(fin: false, opcode: .binary, payload: [1, 2]).encoded(mask: mask))
        parser.append(WebSocketFrame(opcode: .ping, payload: Array("hb".utf8)).encoded(mask: mask))
        parser.append(WebSocketFrame(fin: false, opcode: .continuation, payload: [3]).encoded(mask: mask))
        parser.append(WebSocketFrame(fin: true, opcode: .continuation, payload: [4, 5]).encoded(mask: mask))
        #expect(try parser.nextMessage() == .ping(Array("hb".utf8)))
        #expect(try parser.nextMessage() == .binary([1, 2, 3, 4, 5]))
        #expect(try parser.nextMessage() == nil)
    }

    @Test func closeFramesCarryCodeAndReason() throws {
        var parser = WebSocketParser(requireMask: false)
        parser.append(WebSocketFrame.close(code: 1001, reason: "bye").encoded())
        #expect(try parser.nextMessage() == .close(code: 1001, reason: "bye"))
        parser.append([0x88, 0x00])
        #expect(try parser.nextMessage() == .close(code: nil, reason: ""))
    }

    @Test func protocolViolationsAreRejected() {
        var unmasked = WebSocketParser(requireMask: true)
        unmasked.append(WebSocketFrame(opcode: .binary, payload: [1]).encoded())
        #expect(throws: StreamingError.self) { try unmasked.nextMessage() }

        var reserved = WebSocketParser(requireMask: false)
        reserved.append([0xc2, 0x00])
        #expect(throws: StreamingError.self) { try reserved.nextMessage() }

        var orphan = WebSocketParser(requireMask: false)
        orphan.append(WebSocketFrame(opcode: .continuation, payload: [1]).encoded())
        #expect(throws: StreamingError.self) { try orphan.nextMessage() }

        var fragmentedPing = WebSocketParser(requireMask: false)
        fragmentedPing.append(WebSocketFrame(fin: false, opcode: .ping, payload: []).encoded())
        #expect(throws: StreamingError.self) { try fragmentedPing.nextMessage() }

        var huge = WebSocketParser(requireMask: false, maxMessageSize: 10)
        huge.append(WebSocketFrame(opcode: .binary, payload: [UInt8](repeating: 0, count: 11)).encoded())
        #expect(throws: StreamingError.self) { try huge.nextMessage() }
    }
}
