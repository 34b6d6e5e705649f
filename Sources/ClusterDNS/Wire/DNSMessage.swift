/// A DNS message: header, question, answer, authority and additional
/// sections, with the EDNS0 OPT record lifted out of the additional section.
///
/// ```swift
/// var query = DNSMessage(id: 7, question: DNSQuestion(name: try DNSName("web.default.svc.cluster.local"), type: .a))
/// let bytes = try query.encode()
/// let back = try DNSMessage(decoding: bytes)
/// ```
public struct DNSMessage: Sendable, Hashable {
    public var header: DNSHeader
    public var questions: [DNSQuestion] = []
    public var answers: [DNSRecord] = []
    public var authority: [DNSRecord] = []
    public var additional: [DNSRecord] = []
    /// The OPT pseudo-record, when the message has one.
    public var edns: EDNS?

    public init(header: DNSHeader) { self.header = header }

    /// A standard query for one question, recursion desired.
    public init(id: UInt16, question: DNSQuestion, edns: EDNS? = nil) {
        header = DNSHeader(id: id)
        header.recursionDesired = true
        questions = [question]
        self.edns = edns
    }

    /// The first question, the one a standard query has.
    public var question: DNSQuestion? { questions.first }

    /// The 12-bit response code, with the EDNS extension when present.
    public var responseCode: ResponseCode { header.responseCode }
}

extension DNSMessage {
    /// Decodes a message, rejecting truncated data, bad labels, pointer
    /// loops and malformed record data with a ``DNSWireError``.
    public init(decoding bytes: [UInt8]) throws(DNSWireError) {
        var r = DNSReader(bytes)
        guard bytes.count >= 12 else { throw .truncated(what: "header", offset: 0, needed: 12 - bytes.count) }
        let id = try r.u16("id")
        let flags = try r.u16("flags")
        header = DNSHeader(id: id, flags: flags)
        let qd = try r.u16("qdcount"), an = try r.u16("ancount"), ns = try r.u16("nscount"), ar = try r.u16("arcount")
        for _ in 0..<qd {
            let name = try r.name("question name")
            let type = RecordType(rawValue: try r.u16("question type"))
            let cls = RecordClass(rawValue: try r.u16("question class"))
            questions.append(DNSQuestion(name: name, type: type, recordClass: cls))
        }
        for _ in 0..<an { answers.append(try Self.record(&r, section: "answer", edns: &edns, optAllowed: false)) }
        for _ in 0..<ns { authority.append(try Self.record(&r, section: "authority", edns: &edns, optAllowed: false)) }
        for _ in 0..<ar {
            let record = try Self.record(&r, section: "additional", edns: &edns, optAllowed: true)
            if record.type != .opt { additional.append(record) }
        }
    }

    /// Reads one record; an OPT record is stored in `edns` (and returned with type OPT so the caller skips it).
    static func record(_ r: inout DNSReader, section: String, edns: inout EDNS?, optAllowed: Bool) throws(DNSWireError) -> DNSRecord {
        let start = r.offset
        let name = try r.name("\(section) name")
        let type = RecordType(rawValue: try r.u16("\(section) type"))
        let cls = try r.u16("\(section) class")
        let ttl = try r.u32("\(section) ttl")
        let length = Int(try r.u16("\(section) rdlength"))
        try r.need(length, "\(section) \(type) data")
        let end = r.offset + length
        if type == .opt {
            guard optAllowed else { throw .badOPT(offset: start, reason: "OPT in the \(section) section") }
            guard edns == nil else { throw .badOPT(offset: start, reason: "a second OPT record") }
            guard name.labels.isEmpty else { throw .badOPT(offset: start, reason: "owner name \(name) is not the root") }
            var e = EDNS(udpPayloadSize: cls)
            e.extendedResponseCode = UInt8(ttl >> 24)
            e.version = UInt8((ttl >> 16) & 0xFF)
            e.dnssecOK = ttl & 0x8000 != 0
            e.options = try r.take(length, "OPT options")
            edns = e
            return DNSRecord(name: name, ttl: ttl, data: .unknown(.opt, e.options), recordClass: RecordClass(rawValue: cls))
        }
        let data: RecordData
        let dataStart = r.offset
        func bad(_ reason: String) -> DNSWireError { .badRecordData(type: type, offset: dataStart, reason: reason) }
        switch type {
        case .a:
            guard length == 4 else { throw bad("length \(length), want 4") }
            data = .a(try r.take(4, "A address"))
        case .aaaa:
            guard length == 16 else { throw bad("length \(length), want 16") }
            data = .aaaa(try r.take(16, "AAAA address"))
        case .cname, .ns, .ptr:
            let target = try r.name("\(type) target")
            data = type == .cname ? .cname(target) : type == .ns ? .ns(target) : .ptr(target)
        case .srv:
            guard length >= 7 else { throw bad("length \(length), want at least 7") }
            let priority = try r.u16("SRV priority"), weight = try r.u16("SRV weight"), port = try r.u16("SRV port")
            data = .srv(priority: priority, weight: weight, port: port, target: try r.name("SRV target"))
        case .soa:
            let primary = try r.name("SOA mname"), mailbox = try r.name("SOA rname")
            let serial = try r.u32("SOA serial"), refresh = try r.u32("SOA refresh"), retry = try r.u32("SOA retry")
            let expire = try r.u32("SOA expire"), minimum = try r.u32("SOA minimum")
            data = .soa(SOAData(primary: primary, mailbox: mailbox, serial: serial, refresh: refresh, retry: retry,
                                expire: expire, minimum: minimum))
        default:
            data = .unknown(type, try r.take(length, "\(type) data"))
        }
        guard r.offset == end else { throw bad("\(r.offset - dataStart) bytes used of rdlength \(length)") }
        return DNSRecord(name: name, ttl: ttl, data: data, recordClass: RecordClass(rawValue: cls))
    }
}

extension DNSMessage {
    /// Encodes the message. When it is larger than `maxSize` (512 for UDP
    /// without EDNS, the advertised size with it), the answer, authority and
    /// additional records are dropped and the TC bit set, so the client
    /// retries over TCP; the question and OPT record stay.
    public func encode(maxSize: Int = 65535) -> [UInt8] {
        let full = encoded(header, answers: answers, authority: authority, additional: additional)
        guard full.count > maxSize else { return full }
        var h = header
        h.truncated = true
        return encoded(h, answers: [], authority: [], additional: [])
    }

    func encoded(_ h: DNSHeader, answers: [DNSRecord], authority: [DNSRecord], additional: [DNSRecord]) -> [UInt8] {
        var w = DNSWriter()
        w.u16(h.id)
        w.u16(h.flags)
        w.u16(UInt16(questions.count))
        w.u16(UInt16(answers.count))
        w.u16(UInt16(authority.count))
        w.u16(UInt16(additional.count + (edns == nil ? 0 : 1)))
        for q in questions {
            w.name(q.name)
            w.u16(q.type.rawValue)
            w.u16(q.recordClass.rawValue)
        }
        for record in answers + authority + additional { Self.write(record, to: &w) }
        if let edns {
            w.u8(0)
            w.u16(RecordType.opt.rawValue)
            w.u16(edns.udpPayloadSize)
            w.u32(edns.ttlField)
            w.u16(UInt16(edns.options.count))
            w.append(edns.options)
        }
        return w.bytes
    }

    static func write(_ record: DNSRecord, to w: inout DNSWriter) {
        w.name(record.name)
        w.u16(record.type.rawValue)
        w.u16(record.recordClass.rawValue)
        w.u32(record.ttl)
        w.lengthPrefixed { w in
            switch record.data {
            case .a(let b), .aaaa(let b), .unknown(_, let b):
                w.append(b)
            case .cname(let n), .ns(let n), .ptr(let n):
                w.name(n)
            case .srv(let priority, let weight, let port, let target):
                w.u16(priority)
                w.u16(weight)
                w.u16(port)
                // RFC 2782: the target is not compressed.
                w.name(target, compress: false)
            case .soa(let s):
                w.name(s.primary)
                w.name(s.mailbox)
                for v in [s.serial, s.refresh, s.retry, s.expire, s.minimum] { w.u32(v) }
            }
        }
    }
}
