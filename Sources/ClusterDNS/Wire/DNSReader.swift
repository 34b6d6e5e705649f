/// Reads DNS wire format from a byte array, following compression pointers
/// only strictly backwards so a crafted packet cannot loop.
struct DNSReader {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    var remaining: Int { bytes.count - offset }

    mutating func need(_ n: Int, _ what: String) throws(DNSWireError) {
        guard remaining >= n else { throw .truncated(what: what, offset: offset, needed: n - remaining) }
    }

    mutating func u8(_ what: String) throws(DNSWireError) -> UInt8 {
        try need(1, what)
        defer { offset += 1 }
        return bytes[offset]
    }

    mutating func u16(_ what: String) throws(DNSWireError) -> UInt16 {
        try need(2, what)
        defer { offset += 2 }
        return UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    mutating func u32(_ what: String) throws(DNSWireError) -> UInt32 {
        try need(4, what)
        defer { offset += 4 }
        return bytes[offset..<offset + 4].reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func take(_ n: Int, _ what: String) throws(DNSWireError) -> [UInt8] {
        try need(n, what)
        defer { offset += n }
        return Array(bytes[offset..<offset + n])
    }

    /// A possibly compressed name. Each pointer must point before the start
    /// of the labels it continues, which rules out loops.
    mutating func name(_ what: String = "name") throws(DNSWireError) -> DNSName {
        let start = offset
        var labels: [String] = []
        var position = offset
        var limit = offset
        var jumped = false
        var length = 1
        while true {
            guard position < bytes.count else { throw .truncated(what: what, offset: position, needed: 1) }
            let byte = bytes[position]
            switch byte & 0xC0 {
            case 0xC0:
                guard position + 1 < bytes.count else { throw .truncated(what: "\(what) pointer", offset: position, needed: 1) }
                let target = Int(byte & 0x3F) << 8 | Int(bytes[position + 1])
                guard target < limit else { throw .pointerLoop(offset: position, target: target) }
                if !jumped { offset = position + 2 }
                jumped = true
                position = target
                limit = target
            case 0x00:
                let n = Int(byte)
                if n == 0 {
                    if !jumped { offset = position + 1 }
                    return DNSName(unchecked: labels)
                }
                guard position + 1 + n <= bytes.count else {
                    throw .truncated(what: "\(what) label", offset: position, needed: position + 1 + n - bytes.count)
                }
                length += n + 1
                guard length <= 255 else { throw .nameTooLong(offset: start) }
                labels.append(String(decoding: bytes[position + 1..<position + 1 + n], as: UTF8.self))
                position += 1 + n
            default:
                throw .labelTooLong(length: Int(byte), offset: position)
            }
        }
    }
}
