import Foundation

/// The paging and version parameters of list and watch requests (`limit`,
/// `continue`, `resourceVersion`), parsed as kube-apiserver parses them and
/// refused with its messages.
public enum ListParameters {
    /// `limit`: a decimal integer, as Go's `strconv.ParseInt(s, 10, 64)`
    /// reads it (`limit=abc` is a 400, not "no limit").
    public static func limit(_ text: String) throws(SelectorParseError) -> Int64 {
        guard let n = Int64(text) else {
            let digits = text.drop { $0 == "-" || $0 == "+" }
            let reason = !digits.isEmpty && digits.allSatisfy(\.isASCII) && digits.allSatisfy(\.isNumber) ? "value out of range" : "invalid syntax"
            throw SelectorParseError(message: "strconv.ParseInt: parsing \(goQuoted(text)): \(reason)")
        }
        return n
    }

    /// A `resourceVersion` of a watch or a precondition: a non-negative
    /// decimal revision ("" and "0" mean "any", and are not passed here).
    public static func resourceVersion(_ text: String) throws(SelectorParseError) -> Int64 {
        guard let n = Int64(text), n >= 0 else { throw SelectorParseError(message: "invalid resource version: \(text)") }
        return n
    }

    /// Go's `%q` of a string, enough for the messages above.
    static func goQuoted(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where c.value < 0x20 || c.value == 0x7F: out += String(format: "\\x%02x", c.value)
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}

/// The opaque `continue` token of a paged list: base64 of
/// `{"v":"meta.k8s.io/v1","rv":REVISION,"start":KEY}` as kube-apiserver
/// encodes it, the revision the first page was read at and the last key sent.
public struct ContinueToken: Sendable, Equatable {
    /// The store revision every page is read at.
    public var revision: Int64
    /// The key after which the next page starts.
    public var start: String

    public init(revision: Int64, start: String) {
        self.revision = revision
        self.start = start
    }

    /// The token sent to clients.
    public var encoded: String {
        Data(JSONWriter.bytes(["v": "meta.k8s.io/v1", "rv": .int(revision), "start": .string(start)])).base64EncodedString()
    }

    /// Reads a client's token; a token that was not made by ``encoded`` (or
    /// names a key outside `prefix`) is refused with upstream's message.
    public init(decoding token: String, prefix: String) throws(SelectorParseError) {
        let invalid = SelectorParseError(message: "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)")
        guard token.utf8.count <= 8192, let data = Data(base64Encoded: token), let v = try? JSONParser.parse(data) else { throw invalid }
        guard let version = v["v"]?.stringValue, version == "meta.k8s.io/v1" else {
            throw SelectorParseError(message: "continue key is not valid: server does not recognize this encoded version \(ListParameters.goQuoted(v["v"]?.stringValue ?? ""))")
        }
        guard let rv = v["rv"]?.intValue, rv > 0, let start = v["start"]?.stringValue else { throw invalid }
        guard !start.isEmpty, start.hasPrefix(prefix), !start.split(separator: "/").contains("..") else {
            throw SelectorParseError(message: "continue key is not valid: \(start)")
        }
        self.init(revision: rv, start: start)
    }
}
