import Crypto

/// A content digest, `sha256:<64 hex digits>`.
public struct Digest: Hashable, Sendable, Codable, CustomStringConvertible, Comparable {
    public let hex: String

    public init?(_ text: String) {
        guard text.hasPrefix("sha256:") else { return nil }
        let hex = String(text.dropFirst(7))
        guard hex.count == 64, hex.allSatisfy({ $0.isHexDigit && !$0.isUppercase }) else { return nil }
        self.hex = hex
    }

    init(hex: String) { self.hex = hex }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let d = Digest(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "\"\(text)\" is not a sha256 digest"))
        }
        self = d
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(description)
    }

    public var description: String { "sha256:" + hex }

    /// The first 12 hex digits, as image ids are shown.
    public var short: String { String(hex.prefix(12)) }

    public static func < (a: Digest, b: Digest) -> Bool { a.hex < b.hex }

    /// The digest of `bytes`.
    public static func of(_ bytes: [UInt8]) -> Digest {
        var h = DigestHasher()
        h.update(bytes[...])
        return h.finalize()
    }
}

/// SHA-256 over data that arrives in pieces.
public struct DigestHasher {
    var hasher = SHA256()
    public private(set) var count = 0

    public init() {}

    public mutating func update(_ bytes: ArraySlice<UInt8>) {
        bytes.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        count += bytes.count
    }

    public func finalize() -> Digest {
        let digest = hasher.finalize()
        return Digest(hex: digest.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined())
    }
}
