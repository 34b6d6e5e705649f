import Testing
import CZlib
@testable import Streaming

/// SPDY/3 framing and header compression without a network.
struct SPDYTests {
    @Test func dictionaryIsTheSpecsBytes() {
        let dict = SPDYDictionary.bytes
        #expect(dict.count == 1423)
        let adler = dict.withUnsafeBufferPointer { adler32(1, $0.baseAddress, UInt32($0.count)) }
        #expect(adler == 0xe3c6a7c2)
    }

    @Test func controlFramesHaveTheDocumentedLayout() throws {
        let framer = try SPDYFramer()
        #expect(try framer.encode(.ping(id: 7)) == [0x80, 0x03, 0x00, 0x06, 0x00, 0x00, 0x00, 0x04, 0, 0, 0, 7])
        #expect(try framer.encode(.rstStream(streamID: 5, status: .cancel))
                == [0x80, 0x03, 0x00, 0x03, 0x00, 0x00, 0x00, 0x08, 0, 0, 0, 5, 0, 0, 0, 5])
        #expect(try framer.encode(.goAway(lastStreamID: 9)) == [0x80, 0x03, 0x00, 0x07, 0x00, 0x00, 0x00, 0x08, 0, 0, 0, 9, 0, 0, 0, 0])
        #expect(try framer.encode(.data(streamID: 3, flags: SPDYFrame.fin, payload: [0xaa, 0xbb]))
                == [0, 0, 0, 3, 0x01, 0, 0, 2, 0xaa, 0xbb])
        #expect(try framer.encode(.windowUpdate(streamID: 1, delta: 65536))
                == [0x80, 0x03, 0x00, 0x09, 0x00, 0x00, 0x00, 0x08, 0, 0, 0, 1, 0, 1, 0, 0])
    }

    @Test func headerBlocksStartWithTheDictionaryID() throws {
        let framer = try SPDYFramer()
        let bytes = try framer.encode(.synReply(streamID: 1, headers: [:]))
        // zlib header with FDICT set, then adler32 of the dictionary.
        #expect(bytes[12] == 0x78 && bytes[13] & 0x20 != 0)
        #expect(Array(bytes[14..<18]) == [0xe3, 0xc6, 0xa7, 0xc2])
    }

    @Test func framesRoundTripThroughAPeersFramer() throws {
        let client = try SPDYFramer(), server = try SPDYFramer()
        let frames: [SPDYFrame] = [
            .synStream(streamID: 1, priority: 0, headers: ["streamType": "error"]),
            .synStream(streamID: 3, priority: 2, flags: SPDYFrame.fin, headers: ["streamtype": "data", "port": "80", "requestid": "0"]),
            .headers(streamID: 3, headers: ["x": "y"]),
            .data(streamID: 3, payload: Array("hello".utf8)),
            .settings(entries: [.init(id: 7, value: 65536)]),
            .ping(id: 1),
            .rstStream(streamID: 1, status: .cancel),
            .goAway(lastStreamID: 3),
        ]
        // One byte at a time: the parser must wait for whole frames, and the
        // shared compression context must survive several header blocks.
        for frame in frames {
            for byte in try client.encode(frame) { server.append([byte]) }
        }
        var parsed: [SPDYFrame] = []
        while let f = try server.nextFrame() { parsed.append(f) }
        #expect(parsed == frames)
        if case .synStream(_, _, _, _, let headers)? = parsed.first { #expect(headers["StreamType"] == "error") }
    }

    @Test func headerBlocksFromAnIndependentZlibInflate() throws {
        // Compress a block with zlib directly (as Go's framer does) and parse it.
        let block = SPDYHeaders([(name: "streamtype", value: "stdout")]).encoded()
        var stream = z_stream()
        #expect(czlib_deflate_init(&stream, 9) == Z_OK)
        _ = SPDYDictionary.bytes.withUnsafeBufferPointer { deflateSetDictionary(&stream, $0.baseAddress, UInt32($0.count)) }
        var input = block
        var out = [UInt8](repeating: 0, count: 512)
        let produced = input.withUnsafeMutableBufferPointer { inBuf in
            out.withUnsafeMutableBufferPointer { outBuf in
                stream.next_in = inBuf.baseAddress
                stream.avail_in = UInt32(inBuf.count)
                stream.next_out = outBuf.baseAddress
                stream.avail_out = UInt32(outBuf.count)
                _ = deflate(&stream, Z_SYNC_FLUSH)
                return outBuf.count - Int(stream.avail_out)
            }
        }
        deflateEnd(&stream)
        let body = [0, 0, 0, 5, 0, 0, 0, 0, 0, 0] + Array(out[0..<produced])
        let frame = [0x80, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, UInt8(body.count)] + body
        let framer = try SPDYFramer()
        framer.append(frame)
        #expect(try framer.nextFrame() == .synStream(streamID: 5, headers: ["streamtype": "stdout"]))
    }

    @Test func unknownControlFramesAreSkippedAndBadOnesRejected() throws {
        let framer = try SPDYFramer()
        framer.append([0x80, 0x03, 0x00, 0x0a, 0, 0, 0, 2, 1, 2])
        framer.append(try SPDYFramer().encode(.ping(id: 3)))
        #expect(try framer.nextFrame() == .ping(id: 3))

        let v2 = try SPDYFramer()
        v2.append([0x80, 0x02, 0x00, 0x06, 0, 0, 0, 4, 0, 0, 0, 1])
        #expect(throws: StreamingError.self) { try v2.nextFrame() }

        let short = try SPDYFramer()
        short.append([0x80, 0x03, 0x00, 0x03, 0, 0, 0, 2, 0, 1])
        #expect(throws: StreamingError.self) { try short.nextFrame() }

        let tooBig = try SPDYFramer(maxFrameSize: 100)
        tooBig.append([0, 0, 0, 1, 0, 0, 1, 0])
        #expect(throws: StreamingError.self) { try tooBig.nextFrame() }
    }

    @Test func resizeMessagesAreSplitFromAByteStream() {
        var buffer = Array(#"{"Width":80,"Height":24}"#.utf8) + [10] + Array(#"{"Width":100,"#.utf8)
        #expect(TerminalSize.drain(&buffer) == [TerminalSize(width: 80, height: 24)])
        buffer += Array(#""Height":50}"#.utf8)
        #expect(TerminalSize.drain(&buffer) == [TerminalSize(width: 100, height: 50)])
        #expect(buffer.isEmpty)
    }

    @Test func exitStatusesAreV4Statuses() {
        #expect(String(decoding: RemoteCommandResult.success.statusJSON, as: UTF8.self) == #"{"metadata":{},"status":"Success"}"#)
        let failed = String(decoding: RemoteCommandResult.exitCode(3).statusJSON, as: UTF8.self)
        #expect(failed.contains(#""reason":"NonZeroExitCode""#) && failed.contains(#"{"reason":"ExitCode","message":"3"}"#))
        #expect(RemoteCommandOptions(query: ["input": ["1"], "output": ["1"], "tty": ["1"]])
                == RemoteCommandOptions(stdin: true, stdout: true, stderr: false, tty: true))
        #expect(RemoteCommandOptions(query: ["stdin": ["true"], "stdout": ["true"], "stderr": ["true"]]).spdyStreamTypes
                == ["error", "stdin", "stdout", "stderr"])
    }
}
