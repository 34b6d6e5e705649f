/// The data of the SOA record of a zone.
public struct SOAData: Sendable, Hashable {
    /// The primary name server.
    public var primary: DNSName
    /// The mailbox of the responsible person, as a name (`hostmaster.cluster.local.`).
    public var mailbox: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    /// The TTL of negative answers (RFC 2308).
    public var minimum: UInt32

    public init(primary: DNSName, mailbox: DNSName, serial: UInt32, refresh: UInt32 = 7200, retry: UInt32 = 1800,
                expire: UInt32 = 86400, minimum: UInt32) {
        self.primary = primary
        self.mailbox = mailbox
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}

/// The data of a resource record, by type; types we do not model keep their bytes.
public enum RecordData: Sendable, Hashable {
    /// IPv4 address, 4 bytes.
    case a([UInt8])
    /// IPv6 address, 16 bytes.
    case aaaa([UInt8])
    case cname(DNSName)
    case ns(DNSName)
    case ptr(DNSName)
    case srv(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName)
    case soa(SOAData)
    case unknown(RecordType, [UInt8])

    /// The record type this data belongs to.
    public var type: RecordType {
        switch self {
        case .a: return .a
        case .aaaa: return .aaaa
        case .cname: return .cname
        case .ns: return .ns
        case .ptr: return .ptr
        case .srv: return .srv
        case .soa: return .soa
        case .unknown(let t, _): return t
        }
    }
}

/// A resource record of the answer, authority or additional section.
public struct DNSRecord: Sendable, Hashable, CustomStringConvertible {
    public var name: DNSName
    public var recordClass: RecordClass
    public var ttl: UInt32
    public var data: RecordData

    public init(name: DNSName, ttl: UInt32, data: RecordData, recordClass: RecordClass = .in) {
        self.name = name
        self.ttl = ttl
        self.data = data
        self.recordClass = recordClass
    }

    public var type: RecordType { data.type }

    public var description: String {
        let value: String
        switch data {
        case .a(let b), .aaaa(let b): value = IPAddressText.format(b)
        case .cname(let n), .ns(let n), .ptr(let n): value = n.description
        case .srv(let p, let w, let port, let t): value = "\(p) \(w) \(port) \(t)"
        case .soa(let s): value = "\(s.primary) \(s.mailbox) \(s.serial) \(s.refresh) \(s.retry) \(s.expire) \(s.minimum)"
        case .unknown(_, let b): value = "\\# \(b.count)"
        }
        return "\(name) \(ttl) \(recordClass) \(type) \(value)"
    }
}
