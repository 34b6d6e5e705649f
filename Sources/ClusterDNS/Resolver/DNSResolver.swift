/// Turns a query into a reply from the record table, or says to forward it:
///
/// - names in the cluster domain are answered from the table (AA set):
///   records, NOERROR without records when the name exists without that
///   type, NXDOMAIN otherwise, both with the zone's SOA in the authority
///   section; SERVFAIL until the table has been filled from the API server;
/// - reverse names of ClusterIPs and headless endpoints get PTR records;
/// - every other name is forwarded, or gets SERVFAIL when no upstream is set;
/// - malformed queries get FORMERR, other opcodes NOTIMP.
///
/// Lookups ignore case; answers repeat the question's name as asked.
public struct DNSResolver: Sendable {
    public let configuration: ResolverConfiguration

    public init(_ configuration: ResolverConfiguration) { self.configuration = configuration }

    /// What to do with one received packet.
    public enum Outcome: Sendable, Equatable {
        /// Send these bytes back.
        case reply([UInt8])
        /// Forward the query (the packet's bytes, unchanged) upstream.
        case forward(DNSMessage)
        /// Send nothing (not a query, or too short to carry an ID).
        case drop
    }

    /// Answers a raw packet: decodes it, resolves it and encodes the reply
    /// sized for `transport`.
    public func respond(to packet: [UInt8], transport: DNSTransport, table: DNSRecordTable, synced: Bool) -> Outcome {
        let query: DNSMessage
        do {
            query = try DNSMessage(decoding: packet)
        } catch {
            guard let reply = Self.formatError(packet) else { return .drop }
            return .reply(reply.encode())
        }
        guard !query.header.isResponse else { return .drop }
        switch resolve(query, table: table, synced: synced) {
        case .reply(let message): return .reply(message.encode(maxSize: maxReplySize(for: query, transport: transport)))
        case .forward: return .forward(query)
        }
    }

    /// The reply to a query, or `.forward`.
    public enum Resolution: Sendable, Equatable {
        case reply(DNSMessage)
        case forward
    }

    /// Resolves a decoded query against `table`; `synced` says whether the
    /// table holds a complete list of Services and EndpointSlices yet.
    public func resolve(_ query: DNSMessage, table: DNSRecordTable, synced: Bool) -> Resolution {
        var reply = replyHeader(to: query)
        if let e = query.edns, e.version > 0 {
            reply.edns?.extendedResponseCode = 1   // BADVERS (16): upper bits 1, lower bits 0
            return .reply(reply)
        }
        guard query.header.opcode == 0 else { return .reply(reply.with(.notImplemented)) }
        guard query.questions.count == 1, let question = query.question else { return .reply(reply.with(.formatError)) }
        let zone = configuration.zone
        let inZone = question.name.isSubdomain(of: zone)
        guard question.recordClass == .in || question.recordClass == .any || !inZone else {
            return .reply(reply.with(.refused))
        }
        if inZone && !synced { return .reply(reply.with(.serverFailure)) }
        var answer = table.lookup(question.name, type: question.type, ttl: configuration.ttl)
        if inZone, question.name.labels.count == zone.labels.count, question.type == .soa {
            answer = .records(answers: [soa(table)], additional: [])
        }
        switch answer {
        case .records(let answers, let additional):
            reply.header.authoritative = true
            reply.answers = answers
            reply.additional = additional
        case .noData:
            reply.header.authoritative = true
            reply.authority = [soa(table)]
        case .nxDomain:
            reply.header.authoritative = true
            reply.header.responseCode = .nxDomain
            reply.authority = [soa(table)]
        case .notOurs:
            guard configuration.forwards else { return .reply(reply.with(.serverFailure)) }
            return .forward
        }
        return .reply(reply)
    }

    /// A response carrying the query's ID, RD and CD bits, question and (when the query had one) an OPT record.
    public func replyHeader(to query: DNSMessage) -> DNSMessage {
        var header = DNSHeader(id: query.header.id)
        header.isResponse = true
        header.opcode = query.header.opcode
        header.recursionDesired = query.header.recursionDesired
        header.checkingDisabled = query.header.checkingDisabled
        header.recursionAvailable = configuration.forwards
        var reply = DNSMessage(header: header)
        reply.questions = query.questions
        if query.edns != nil { reply.edns = EDNS(udpPayloadSize: configuration.maxUDPPayload) }
        return reply
    }

    /// SERVFAIL for a query (when forwarding failed).
    public func serverFailure(_ query: DNSMessage, transport: DNSTransport) -> [UInt8] {
        replyHeader(to: query).with(.serverFailure).encode(maxSize: maxReplySize(for: query, transport: transport))
    }

    /// The zone's SOA record; its serial follows the table's changes.
    public func soa(_ table: DNSRecordTable) -> DNSRecord {
        let zone = configuration.zone
        let data = SOAData(primary: (try? zone.prepending(["ns", "dns"])) ?? zone,
                           mailbox: (try? zone.prepending(["hostmaster"])) ?? zone,
                           serial: table.generation, minimum: configuration.ttl)
        return DNSRecord(name: zone, ttl: configuration.ttl, data: .soa(data))
    }

    /// The largest reply for `query` over `transport`: 512 bytes over UDP
    /// without EDNS, the client's advertised size (capped at ours) with it.
    public func maxReplySize(for query: DNSMessage, transport: DNSTransport) -> Int {
        guard transport == .udp else { return 65535 }
        guard let e = query.edns else { return 512 }
        return max(512, min(Int(e.udpPayloadSize), Int(configuration.maxUDPPayload)))
    }

    /// FORMERR for a packet that does not decode, when it is long enough to carry an ID.
    public static func formatError(_ packet: [UInt8]) -> DNSMessage? {
        guard packet.count >= 12, packet[2] & 0x80 == 0 else { return nil }
        var header = DNSHeader(id: UInt16(packet[0]) << 8 | UInt16(packet[1]))
        header.isResponse = true
        header.opcode = (packet[2] >> 3) & 0x0F
        header.recursionDesired = packet[2] & 0x01 != 0
        header.responseCode = .formatError
        return DNSMessage(header: header)
    }
}

extension DNSMessage {
    /// This message with `code` as its response code.
    func with(_ code: ResponseCode) -> DNSMessage {
        var m = self
        m.header.responseCode = code
        return m
    }
}
