import NIOCore
import Testing
@testable import Ingress

/// The proxy's HTTP/1.1 framing, byte by byte and on bad input.
struct HTTP1ParserTests {
    /// Every part of the messages in `text`, read `step` bytes at a time, then the connection closed.
    static func events(_ text: String, kind: HTTP1HeadParser.Kind, step: Int = .max, requestIsHEAD: Bool = false) throws -> [String] {
        var reader = HTTP1MessageReader(kind: kind, maxBytes: 1024)
        reader.requestIsHEAD = requestIsHEAD
        var out: [String] = []
        func record(_ part: HTTP1MessageReader.Part) {
            switch part {
            case .head(let head):
                out.append(kind == .request ? "\(head.method) \(head.target) 1.\(head.minorVersion) \(head.framing)"
                                            : "\(head.status) \(head.reason) \(head.responseFraming(requestIsHEAD: requestIsHEAD))")
            case .body(let data):
                if out.last?.hasPrefix("data:") == true { out[out.count - 1] += String(buffer: data) } else { out.append("data:" + String(buffer: data)) }
            case .end:
                out.append("end")
            }
        }
        let bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let end = min(bytes.count, offset + min(step, bytes.count))
            reader.append(ByteBuffer(bytes: bytes[offset..<end]))
            offset = end
            while let part = try reader.next() { record(part) }
        }
        if let part = try reader.inputEnded() { record(part) }
        return out
    }

    @Test(arguments: [1, 3, 1000])
    func requestsArePipelinedAndFramedWhateverTheReadSizes(step: Int) throws {
        let text = "\r\nGET /a?b=1 HTTP/1.1\r\nHost: x\r\n\r\n"
            + "POST /p HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            + "PUT /c HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5;a=b\r\nhello\r\n6\r\n world\r\n0\r\nT: 1\r\n\r\n"
            + "GET /old HTTP/1.0\r\n\r\n"
        #expect(try Self.events(text, kind: .request, step: step) == [
            "GET /a?b=1 1.1 none", "end",
            "POST /p 1.1 length(5)", "data:hello", "end",
            "PUT /c 1.1 chunked", "data:hello world", "end",
            "GET /old 1.0 none", "end",
        ])
    }

    @Test func headFieldsAndConnectionTokens() throws {
        var parser = HTTP1HeadParser(kind: .request)
        var buffer = ByteBuffer(string: "GET / HTTP/1.1\r\nHost:  example.com  \r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n\r\n")
        let head = try #require(try parser.parse(&buffer))
        #expect(head.value("host") == "example.com")
        #expect(head.hasToken("connection", "upgrade") && head.hasToken("connection", "close"))
        #expect(!head.keepAlive)
        #expect(head.fieldCount == 3)
        var old = ByteBuffer(string: "GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
        #expect(try parser.parse(&old)?.keepAlive == true)
    }

    @Test func responsesAreFramedByStatusMethodAndHeaders() throws {
        #expect(try Self.events("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", kind: .response) == ["200 OK length(2)", "data:ok", "end"])
        #expect(try Self.events("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n", kind: .response, requestIsHEAD: true) == ["200 OK none", "end"])
        #expect(try Self.events("HTTP/1.1 204 No Content\r\n\r\n", kind: .response) == ["204 No Content none", "end"])
        #expect(try Self.events("HTTP/1.1 304 Not Modified\r\nContent-Length: 9\r\n\r\n", kind: .response) == ["304 Not Modified none", "end"])
        #expect(try Self.events("HTTP/1.1 200\r\n\r\nuntil close", kind: .response, step: 4) == ["200  untilClose", "data:until close", "end"])
        // Transfer-Encoding wins over Content-Length in a response.
        #expect(try Self.events("HTTP/1.1 200 OK\r\nContent-Length: 99\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n", kind: .response)
            == ["200 OK chunked", "data:ok", "end"])
        #expect(try Self.events("HTTP/1.1 103 Early Hints\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", kind: .response)
            == ["103 Early Hints none", "200 OK length(0)", "end"])
    }

    @Test(arguments: [
        ("GET / HTTP/1.1\nHost: x\r\n\r\n", "bare LF"),
        ("GET / HTTP/1.1\r\nHost : x\r\n\r\n", "whitespace before the colon"),
        ("GET / HTTP/1.1\r\nX: a\r\n b\r\n\r\n", "obsolete line folding"),
        ("GET  / HTTP/1.1\r\n\r\n", "two spaces"),
        ("GET / HTTP/2.0\r\n\r\n", "another version"),
        ("GET /a b HTTP/1.1\r\n\r\n", "a space in the target"),
        ("GET / HTTP/1.1\r\nX: a\u{0}b\r\n\r\n", "NUL in a value"),
        ("POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n", "differing lengths"),
        ("POST / HTTP/1.1\r\nContent-Length: 5, 6\r\n\r\n", "a list of differing lengths"),
        ("POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "a negative length"),
        ("POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", "both framings"),
        ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", "chunked in HTTP/1.0"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", "a chunk size that is not hex"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1234567890abcdef0\r\n", "a chunk size too large"),
        ("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab", "chunk data without CRLF"),
    ])
    func badRequestsAreRefused(text: String, why: String) {
        #expect(throws: HTTP1ParseError.self, "\(why)") { try Self.events(text, kind: .request) }
    }

    @Test func tokenCharactersAreRFC9110sTchar() {
        let tchar = Set("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".utf8)
        for c in UInt8.min...UInt8.max {
            #expect(HTTP1Syntax.isToken(c) == tchar.contains(c), "byte \(c)")
        }
    }

    @Test func unknownCodingsAndLargeHeadsHaveTheirOwnErrors() {
        #expect(throws: HTTP1ParseError.unsupportedTransferCoding("gzip, chunked")) {
            try Self.events("POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", kind: .request)
        }
        // Refused while it arrives, before its end is seen.
        #expect(throws: HTTP1ParseError.headTooLarge(limit: 1024)) {
            try Self.events("GET / HTTP/1.1\r\nX: " + String(repeating: "a", count: 2000), kind: .request, step: 100)
        }
    }
}

/// The heads the proxy writes from the heads it read.
struct HTTP1WriterTests {
    static func head(_ text: String, _ kind: HTTP1HeadParser.Kind) throws -> HTTP1Head {
        var parser = HTTP1HeadParser(kind: kind)
        var buffer = ByteBuffer(string: text)
        return try #require(try parser.parse(&buffer))
    }

    @Test func theBackendGetsTheEndToEndHeadersAndTheProxysForwardedOnes() throws {
        let request = try Self.head("POST /p?q HTTP/1.0\r\nHost: a.example.com\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\nKeep-Alive: 5\r\n"
                                    + "X-Forwarded-For: 6.6.6.6\r\nX-Real-IP: 6.6.6.6\r\nContent-Length: 2\r\nAccept: */*\r\n\r\n", .request)
        let client = ForwardedHeaders.Client(address: "10.0.0.9", scheme: "https", port: 443)
        let out = HTTP1Writer.backendRequest(request, client: client, upgrade: nil, host: request.value("host"), allocator: ByteBufferAllocator())
        #expect(String(buffer: out) == "POST /p?q HTTP/1.1\r\nHost: a.example.com\r\nContent-Length: 2\r\nAccept: */*\r\n"
            + "X-Real-IP: 10.0.0.9\r\nX-Forwarded-For: 10.0.0.9\r\nX-Forwarded-Host: a.example.com\r\nX-Forwarded-Port: 443\r\nX-Forwarded-Proto: https\r\n\r\n")
    }

    @Test func anHTTP11RequestKeepsItsLinesAsWrittenWithoutTheHopByHopOnes() throws {
        let request = try Self.head("GET /a HTTP/1.1\r\nHost: h\r\nTE: trailers\r\nA: 1\r\nB: 2\r\nx-forwarded-proto: http\r\nUpgrade: h2c\r\n"
                                    + "Connection: upgrade\r\nC: 3\r\nProxy-Authorization: x\r\n\r\n", .request)
        #expect(request.connectionUpgrade)
        let client = ForwardedHeaders.Client(address: "10.0.0.9", scheme: "http", port: 80)
        let out = HTTP1Writer.backendRequest(request, client: client, upgrade: nil, host: "h", allocator: ByteBufferAllocator())
        #expect(String(buffer: out) == "GET /a HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\nC: 3\r\n"
            + "X-Real-IP: 10.0.0.9\r\nX-Forwarded-For: 10.0.0.9\r\nX-Forwarded-Host: h\r\nX-Forwarded-Port: 80\r\nX-Forwarded-Proto: http\r\n\r\n")
    }

    @Test func theClientGetsTheResponseInItsVersionAndFraming() throws {
        let response = try Self.head("HTTP/1.1 200 Fine\r\nTransfer-Encoding: chunked\r\nContent-Length: 9\r\nConnection: keep-alive\r\nX-App: 1\r\n\r\n", .response)
        let chunked = HTTP1Writer.clientResponse(response, minorVersion: 1, framing: .init(chunked: true, close: false, keepAliveHeader: false),
                                                 allocator: ByteBufferAllocator())
        #expect(String(buffer: chunked) == "HTTP/1.1 200 Fine\r\nX-App: 1\r\nTransfer-Encoding: chunked\r\n\r\n")
        let old = HTTP1Writer.clientResponse(response, minorVersion: 0, framing: .init(chunked: false, close: true, keepAliveHeader: false),
                                             allocator: ByteBufferAllocator())
        #expect(String(buffer: old) == "HTTP/1.0 200 Fine\r\nX-App: 1\r\nConnection: close\r\n\r\n")
    }
}
