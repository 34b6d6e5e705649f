/// Why a JSON text could not be parsed.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Byte offset where parsing stopped.
    public var offset: Int
    /// What was wrong there.
    public var reason: String

    public var description: String { "invalid JSON at byte \(offset): \(reason)" }
}

/// A strict RFC 8259 parser producing `JSONValue`, with a nesting limit and a
/// record of duplicate keys (Kubernetes' strict field validation reports them).
///
/// It keeps open arrays and objects on a stack of its own, not the thread's,
/// so the depth it can parse does not depend on the thread it runs on.
public struct JSONParser {
    /// Deepest nesting accepted, upstream's (`exceeded max depth of 10000`
    /// beyond it, as from Go's decoders).
    ///
    /// Go's stacks grow, ours do not. Parsing and writing here keep their open
    /// arrays and objects on stacks of their own and fit any thread, but other
    /// paths a body takes afterwards recurse once per level. Per level, in a
    /// debug build (`DeepDocumentTests` measures each at this depth): the
    /// strategic merge patch 5.3 KiB (52 MiB at 10,000 levels), server-side
    /// apply's field set walkers 2.7 KiB, merge-patch diffs 1.4 KiB, a raw
    /// JSON field's typed decoding and encoding 1.2 KiB, comparing, hashing,
    /// merge and JSON patches 0.6 to 0.8 KiB, and freeing a `JSONValue` (the
    /// release of nested arrays and dictionaries) 0.2 KiB: 2.1 MiB, more
    /// than the smallest thread has. Swift's cooperative threads have glibc's
    /// default stack, 8 MiB, or only 2 MiB when `ulimit -s` is unlimited.
    ///
    /// One mechanism makes the depth safe: the API server runs each request
    /// from routing to the bytes of its response, every watch stream, and its
    /// control loops (which read what requests stored) as tasks preferring
    /// ``LargeStackExecutor``, whose threads reserve 256 MiB of stack each,
    /// committed only as touched and given back after a deep job. So every
    /// deep value the server builds is also compared, patched and freed on
    /// those threads, and only bytes leave them. Code off those threads
    /// (clients, tools) can parse and write any accepted document; to work
    /// on or free a deep one it hops over with
    /// ``LargeStackExecutor/runAndWait(_:)``, as the fuzz targets do.
    /// Server-side apply owns paths deeper than this less 16 levels whole,
    /// so `managedFields` stays within the limit too.
    public static let maxDepth = 10_000

    /// An array or object being parsed.
    private struct Open {
        var isObject: Bool
        var items: [JSONValue] = []
        var members: [String: JSONValue] = [:]
        var key = ""
    }

    private let bytes: [UInt8]
    private var pos = 0
    /// Dotted paths of keys that occurred twice in one object.
    public private(set) var duplicateKeys: [String] = []

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Parses a complete JSON text.
    public static func parse(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> JSONValue {
        try parseReportingDuplicates(bytes).value
    }

    /// Parses a string holding JSON.
    public static func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try parse(Array(text.utf8))
    }

    /// Parses and returns the paths of duplicated keys as well.
    public static func parseReportingDuplicates(_ bytes: some Collection<UInt8>) throws(JSONParseError) -> (
        value: JSONValue, duplicates: [String]
    ) {
        var p = JSONParser(Array(bytes))
        p.skipWhitespace()
        let v = try p.parseValue()
        p.skipWhitespace()
        guard p.pos == p.bytes.count else { throw p.error("unexpected trailing data") }
        return (v, p.duplicateKeys)
    }

    private func error(_ reason: String) -> JSONParseError { JSONParseError(offset: pos, reason: reason) }

    private mutating func skipWhitespace() {
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    /// Parses one value, its nested arrays and objects on `stack`.
    private mutating func parseValue() throws(JSONParseError) -> JSONValue {
        var stack: [Open] = []
        while true {
            // A value starts here: a scalar, an empty container, or the first
            // element of one (pushed, and the loop starts again).
            skipWhitespace()
            guard pos < bytes.count else { throw error("unexpected end of input") }
            var value: JSONValue
            switch bytes[pos] {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                let isObject = bytes[pos] == UInt8(ascii: "{")
                guard stack.count < Self.maxDepth else { throw error("exceeded max depth of \(Self.maxDepth)") }
                pos += 1
                skipWhitespace()
                if pos < bytes.count, bytes[pos] == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    pos += 1
                    value = isObject ? .object([:]) : .array([])
                } else {
                    var open = Open(isObject: isObject)
                    if isObject { open.key = try parseKey() }
                    stack.append(open)
                    continue
                }
            case UInt8(ascii: "\""): value = .string(try parseString())
            case UInt8(ascii: "t"): try expectLiteral("true"); value = .bool(true)
            case UInt8(ascii: "f"): try expectLiteral("false"); value = .bool(false)
            case UInt8(ascii: "n"): try expectLiteral("null"); value = .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): value = try parseNumber()
            default: throw error("unexpected character")
            }
            // A value is complete: add it to its container, closing every
            // container that ends after it.
            while true {
                guard let top = stack.indices.last else { return value }
                skipWhitespace()
                if stack[top].isObject {
                    let key = stack[top].key
                    if stack[top].members.updateValue(value, forKey: key) != nil {
                        duplicateKeys.append(stack.filter(\.isObject).map(\.key).joined(separator: "."))
                    }
                    guard pos < bytes.count else { throw error("unexpected end of input in object") }
                    if bytes[pos] == UInt8(ascii: ",") {
                        pos += 1
                        stack[top].key = try parseKey()
                        break
                    }
                    guard bytes[pos] == UInt8(ascii: "}") else { throw error("expected ',' or '}'") }
                    pos += 1
                    value = .object(stack.removeLast().members)
                } else {
                    stack[top].items.append(value)
                    guard pos < bytes.count else { throw error("unexpected end of input in array") }
                    if bytes[pos] == UInt8(ascii: ",") {
                        pos += 1
                        break
                    }
                    guard bytes[pos] == UInt8(ascii: "]") else { throw error("expected ',' or ']'") }
                    pos += 1
                    value = .array(stack.removeLast().items)
                }
            }
        }
    }

    /// An object key and its colon.
    private mutating func parseKey() throws(JSONParseError) -> String {
        skipWhitespace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else { throw error("expected object key") }
        let key = try parseString()
        skipWhitespace()
        guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else { throw error("expected ':'") }
        pos += 1
        return key
    }

    private mutating func expectLiteral(_ lit: StaticString) throws(JSONParseError) {
        let n = lit.utf8CodeUnitCount
        guard pos + n <= bytes.count else { throw error("unexpected end of input") }
        let p = lit.utf8Start
        for i in 0..<n where bytes[pos + i] != p[i] { throw error("invalid literal") }
        pos += n
    }

    private mutating func parseNumber() throws(JSONParseError) -> JSONValue {
        let start = pos
        var isInteger = true
        if bytes[pos] == UInt8(ascii: "-") { pos += 1 }
        guard pos < bytes.count, isDigit(bytes[pos]) else { throw error("invalid number") }
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
        } else {
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            isInteger = false
            pos += 1
            guard pos < bytes.count, isDigit(bytes[pos]) else { throw error("invalid fraction") }
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            isInteger = false
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") { pos += 1 }
            guard pos < bytes.count, isDigit(bytes[pos]) else { throw error("invalid exponent") }
            while pos < bytes.count, isDigit(bytes[pos]) { pos += 1 }
        }
        let text = String(decoding: bytes[start..<pos], as: UTF8.self)
        if isInteger, let i = Int64(text) { return .int(i) }
        guard let d = Double(text) else { throw error("number out of range") }
        return .double(d)
    }

    private func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }

    private mutating func parseString() throws(JSONParseError) -> String {
        pos += 1
        var out: [UInt8] = []
        var runStart = pos
        while true {
            guard pos < bytes.count else { throw error("unterminated string") }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                out.append(contentsOf: bytes[runStart..<pos])
                pos += 1
                break
            }
            if b < 0x20 { throw error("control character in string") }
            if b == UInt8(ascii: "\\") {
                out.append(contentsOf: bytes[runStart..<pos])
                pos += 1
                guard pos < bytes.count else { throw error("unterminated escape") }
                let e = bytes[pos]
                pos += 1
                switch e {
                case UInt8(ascii: "\""): out.append(0x22)
                case UInt8(ascii: "\\"): out.append(0x5C)
                case UInt8(ascii: "/"): out.append(0x2F)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800...0xDBFF).contains(scalar) {
                        guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u")
                        else { throw error("unpaired surrogate") }
                        pos += 2
                        let low = try parseHex4()
                        guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid low surrogate") }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00...0xDFFF).contains(scalar) {
                        throw error("unpaired surrogate")
                    }
                    guard let u = Unicode.Scalar(scalar) else { throw error("invalid unicode escape") }
                    out.append(contentsOf: Array(String(Character(u)).utf8))
                default: throw error("invalid escape")
                }
                runStart = pos
                continue
            }
            pos += 1
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw error("invalid UTF-8 in string") }
        return s
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw error("truncated unicode escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[pos]
            let d: UInt32
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(b - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(b - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(b - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit")
            }
            v = v * 16 + d
            pos += 1
        }
        return v
    }
}
