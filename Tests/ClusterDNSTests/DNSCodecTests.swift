import Testing
@testable import ClusterDNS

/// The wire format: round trips, compression, truncation, EDNS and the
/// rejection of malformed packets.
struct DNSCodecTests {
    func hex(_ bytes: [UInt8]) -> String { bytes.map(format2).joined() }
    func format2(_ b: UInt8) -> String { (b < 16 ? "0" : "") + String(b, radix: 16) }
    func bytes(_ hex: String) -> [UInt8] {
        let chars = Array(hex.filter { !$0.isWhitespace })
        return stride(from: 0, to: chars.count, by: 2).map { UInt8(String(chars[$0...$0 + 1]), radix: 16) ?? 0 }
    }

    @Test func queryEncodesAsDigSendsIt() throws {
        var q = try Fixtures.query("example.com", .a, id: 0xabcd)
        q.header.recursionDesired = true
        #expect(hex(q.encode()) == "abcd01000001000000000000" + "076578616d706c6503636f6d00" + "00010001")
    }

    @Test func responseRoundTripsEveryRecordType() throws {
        let name = try DNSName("web.default.svc.cluster.local")
        var m = DNSMessage(header: DNSHeader(id: 42))
        m.header.isResponse = true
        m.header.authoritative = true
        m.header.responseCode = .nxDomain
        m.questions = [DNSQuestion(name: name, type: .any)]
        m.answers = [
            DNSRecord(name: name, ttl: 5, data: .a([10, 96, 0, 10])),
            DNSRecord(name: name, ttl: 5, data: .aaaa(Fixtures.ip("fd00::a"))),
            DNSRecord(name: try DNSName("_http._tcp.web.default.svc.cluster.local"), ttl: 5,
                      data: .srv(priority: 0, weight: 100, port: 80, target: name)),
            DNSRecord(name: try DNSName("10.0.96.10.in-addr.arpa"), ttl: 5, data: .ptr(name)),
            DNSRecord(name: try DNSName("ext.default.svc.cluster.local"), ttl: 5, data: .cname(try DNSName("example.org"))),
            DNSRecord(name: name, ttl: 5, data: .unknown(.txt, [3, 0x61, 0x62, 0x63])),
        ]
        m.authority = [DNSRecord(name: try Fixtures.zone(), ttl: 5, data: .soa(SOAData(
            primary: try DNSName("ns.dns.cluster.local"), mailbox: try DNSName("hostmaster.cluster.local"), serial: 7, minimum: 5)))]
        m.additional = [DNSRecord(name: name, ttl: 5, data: .a([10, 96, 0, 11]))]
        m.edns = EDNS(udpPayloadSize: 1232)
        let decoded = try DNSMessage(decoding: m.encode())
        #expect(decoded == m)
        #expect(decoded.answers.map(\.description).first == "web.default.svc.cluster.local. 5 IN A 10.96.0.10")
    }

    @Test func namesAreCompressedAgainstEarlierSuffixes() throws {
        let name = try DNSName("web.default.svc.cluster.local")
        var m = DNSMessage(header: DNSHeader(id: 1))
        m.questions = [DNSQuestion(name: name, type: .a)]
        m.answers = [DNSRecord(name: name, ttl: 5, data: .a([10, 0, 0, 1])),
                     DNSRecord(name: try DNSName("db.default.svc.cluster.local"), ttl: 5, data: .a([10, 0, 0, 2]))]
        let wire = m.encode()
        let questionEnd = 12 + name.wireLength + 4
        // The first answer's name is a pointer to the question's name at offset 12.
        #expect(Array(wire[questionEnd..<questionEnd + 2]) == [0xC0, 0x0C])
        // The second: "db" then a pointer to "default.svc.cluster.local" (offset 12 + 4).
        let second = questionEnd + 2 + 10 + 4
        #expect(Array(wire[second..<second + 5]) == [2, 0x64, 0x62, 0xC0, 16])
        #expect(wire.count == questionEnd + 16 + 19)
        #expect(try DNSMessage(decoding: wire) == m)
    }

    @Test func casePreservedButComparedWithoutCase() throws {
        let upper = try DNSName("WEB.Default.svc.Cluster.Local.")
        #expect(upper == (try DNSName("web.default.svc.cluster.local")))
        #expect(upper.description == "WEB.Default.svc.Cluster.Local.")
        #expect(upper.relative(to: try Fixtures.zone()) == ["web", "default", "svc"])
        let back = try DNSMessage(decoding: DNSMessage(id: 1, question: DNSQuestion(name: upper, type: .a)).encode())
        #expect(back.question?.name.labels == upper.labels)
    }

    @Test func truncatedHeaderIsRejected() {
        #expect(throws: DNSWireError.truncated(what: "header", offset: 0, needed: 7)) { try DNSMessage(decoding: [0, 1, 2, 3, 4]) }
        let description = DNSWireError.truncated(what: "header", offset: 0, needed: 7).description
        #expect(description.contains("header needs 12 bytes"))
    }

    @Test func truncatedQuestionAndRecordDataAreRejected() throws {
        // One question announced, the name cut in its label.
        let cut = bytes("0001 0100 0001 0000 0000 0000 07 6578 616d")
        #expect(throws: DNSWireError.self) { try DNSMessage(decoding: cut) }
        // An A record whose rdlength says 4 but the packet ends after 2 bytes.
        let record = bytes("0001 8100 0000 0001 0000 0000 00 0001 0001 00000005 0004 0a00")
        do {
            _ = try DNSMessage(decoding: record)
            Issue.record("decoded a truncated record")
        } catch {
            #expect(error.description.contains("answer A data"), "\(error)")
        }
        // An A record with 5 bytes of data.
        let long = bytes("0001 8100 0000 0001 0000 0000 00 0001 0001 00000005 0005 0a00000102")
        #expect(throws: DNSWireError.badRecordData(type: .a, offset: 23, reason: "length 5, want 4")) { try DNSMessage(decoding: long) }
    }

    @Test func labelTooLongIsRejected() throws {
        let packet = bytes("0001 0100 0001 0000 0000 0000") + [64] + Array(repeating: 0x61, count: 64) + [0, 0, 1, 0, 1]
        #expect(throws: DNSWireError.labelTooLong(length: 64, offset: 12)) { try DNSMessage(decoding: packet) }
        #expect(throws: DNSWireError.self) { try DNSName(labels: [String(repeating: "a", count: 64)]) }
        #expect(throws: DNSWireError.self) { try DNSName("a..b") }
    }

    @Test func nameOver255BytesIsRejected() throws {
        var packet = bytes("0001 0100 0001 0000 0000 0000")
        for _ in 0..<5 { packet += [63] + Array(repeating: 0x61, count: 63) }
        packet += [0, 0, 1, 0, 1]
        #expect(throws: DNSWireError.nameTooLong(offset: 12)) { try DNSMessage(decoding: packet) }
    }

    @Test func pointerLoopsAreRejected() throws {
        // A pointer to itself.
        let selfLoop = bytes("0001 0100 0001 0000 0000 0000 c00c 0001 0001")
        #expect(throws: DNSWireError.pointerLoop(offset: 12, target: 12)) { try DNSMessage(decoding: selfLoop) }
        // A label, then a pointer back to that label: a two-step loop.
        let twoStep = bytes("0001 0100 0001 0000 0000 0000 0161 c00c 0001 0001")
        #expect(throws: DNSWireError.pointerLoop(offset: 14, target: 12)) { try DNSMessage(decoding: twoStep) }
        // A forward pointer.
        let forward = bytes("0001 0100 0001 0000 0000 0000 c010 0001 0001 0161 00")
        #expect(throws: DNSWireError.pointerLoop(offset: 12, target: 16)) { try DNSMessage(decoding: forward) }
        // Two answers pointing at each other: the second points forward → rejected, the first backward is fine.
        let mutual = bytes("0001 8100 0001 0001 0000 0000 0161 00 0001 0001  c00c 0001 0001 00000005 0004 0a000001")
        #expect(try DNSMessage(decoding: mutual).answers.first?.name == (try DNSName("a")))
    }

    @Test func reservedLabelTypesAreRejected() {
        let packet = bytes("0001 0100 0001 0000 0000 0000 8001 00 0001 0001")
        #expect(throws: DNSWireError.labelTooLong(length: 0x80, offset: 12)) { try DNSMessage(decoding: packet) }
    }

    @Test func ednsIsDecodedAndSecondOPTRejected() throws {
        var q = try Fixtures.query("web.default.svc.cluster.local", .a, edns: 4096)
        q.edns?.dnssecOK = true
        let decoded = try DNSMessage(decoding: q.encode())
        #expect(decoded.edns?.udpPayloadSize == 4096)
        #expect(decoded.edns?.dnssecOK == true)
        #expect(decoded.additional.isEmpty)
        // Duplicate the OPT record and bump ARCOUNT.
        var wire = q.encode()
        wire += wire.suffix(11)
        wire[11] = 2
        #expect(throws: DNSWireError.self) { try DNSMessage(decoding: wire) }
    }

    @Test func oversizedReplySetsTruncationAndKeepsTheQuestion() throws {
        let name = try DNSName("big.default.svc.cluster.local")
        var m = DNSMessage(header: DNSHeader(id: 9))
        m.header.isResponse = true
        m.questions = [DNSQuestion(name: name, type: .a)]
        m.answers = (1...60).map { DNSRecord(name: name, ttl: 5, data: .a([10, 244, 0, UInt8($0)])) }
        #expect(m.encode().count > 512)
        let cut = try DNSMessage(decoding: m.encode(maxSize: 512))
        #expect(cut.header.truncated)
        #expect(cut.answers.isEmpty)
        #expect(cut.questions == m.questions)
        #expect(try DNSMessage(decoding: m.encode()).answers.count == 60)
    }

    @Test func addressTextForms() throws {
        #expect(IPAddressText.dashed(Fixtures.ip("10.244.1.5")) == "10-244-1-5")
        #expect(IPAddressText.dashed(Fixtures.ip("fd00::5")) == "fd00--5")
        #expect(IPAddressText.parseDashed("10-244-1-5") == Fixtures.ip("10.244.1.5"))
        #expect(IPAddressText.parseDashed("fd00--5") == Fixtures.ip("fd00::5"))
        #expect(IPAddressText.parseDashed("10-244-1") == nil)
        #expect(IPAddressText.reverseLabels(Fixtures.ip("10.96.0.10")) == ["10", "0", "96", "10", "in-addr", "arpa"])
        let v6 = Fixtures.ip("fd00::a")
        #expect(IPAddressText.parseReverse(IPAddressText.reverseLabels(v6)) == v6)
        #expect(IPAddressText.parseReverse(["1", "2", "3", "in-addr", "arpa"]) == nil)
        #expect(HostPort(parsing: "[fd00::a]:5353", defaultPort: 53) == HostPort(host: "fd00::a", port: 5353))
        #expect(HostPort(parsing: "10.96.0.10", defaultPort: 53) == HostPort(host: "10.96.0.10", port: 53))
        #expect(HostPort(parsing: "fd00::a", defaultPort: 53) == HostPort(host: "fd00::a", port: 53))
        #expect(HostPort(parsing: "dns.example:53", defaultPort: 53) == nil)
    }
}
