/// A field that is either an integer or a string, such as `targetPort: 8080`
/// or `targetPort: http`, or `maxSurge: 25%`.
public enum IntOrString: Sendable, Hashable, Codable, CustomStringConvertible {
    case int(Int)
    case string(String)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else {
            self = .string(try c.decode(String.self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .string(let s): try c.encode(s)
        }
    }

    public var description: String {
        switch self {
        case .int(let i): return String(i)
        case .string(let s): return s
        }
    }

    /// Resolves a value against a total as Kubernetes does for maxSurge and
    /// maxUnavailable: integers as is, `NN%` scaled, rounding up or down.
    public func scaled(total: Int, roundUp: Bool) -> Int? {
        switch self {
        case .int(let i): return i
        case .string(let s):
            guard s.hasSuffix("%"), let p = Int(s.dropLast()) else { return Int(s) }
            let num = p * total
            if roundUp { return (num + 99) / 100 }
            return num / 100
        }
    }
}
