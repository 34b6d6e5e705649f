/// Serialises `JSONValue` to compact JSON with object keys sorted, so equal
/// values always give equal bytes.
public enum JSONWriter {
    /// The JSON text as UTF-8 bytes.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    /// The JSON text as a string.
    /// A double as JSON and Go's `%v` print it: whole numbers without a fraction
    /// (`3`, not `3.0`) below 10^15, others in Swift's shortest form; `+Inf`, `-Inf`, `NaN` as Go.
    public static func numberText(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "+Inf" : "-Inf" }
        return d.rounded() == d && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
    }

    public static func string(_ value: JSONValue) -> String {
        String(decoding: bytes(value), as: UTF8.self)
    }

    /// Appends the JSON text of `value` to `out`.
    public static func write(_ value: JSONValue, into out: inout [UInt8]) {
        write(value, into: &out, depth: 0)
    }

    /// Nesting written by recursion; deeper values are written from a stack
    /// of our own, so any depth the parser accepts can be written back.
    static let recursionDepth = 32

    private static func write(_ value: JSONValue, into out: inout [UInt8], depth: Int) {
        if depth >= recursionDepth {
            switch value {
            case .array, .object:
                writeIteratively(value, into: &out)
                return
            default: break
            }
        }
        switch value {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .double(let d):
            if d.isFinite {
                out.append(contentsOf: numberText(d).utf8)
            } else {
                out.append(contentsOf: "null".utf8)
            }
        case .string(let s): writeString(s, into: &out)
        case .array(let a):
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(v, into: &out, depth: depth + 1)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            out.append(UInt8(ascii: "{"))
            for (i, k) in o.keys.sorted().enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(k, into: &out)
                out.append(UInt8(ascii: ":"))
                if let v = o[k] { write(v, into: &out, depth: depth + 1) }
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// What remains to be written of a deep value.
    private enum Step {
        case value(JSONValue)
        case byte(UInt8)
        case key(String)
    }

    private static func writeIteratively(_ value: JSONValue, into out: inout [UInt8]) {
        var steps: [Step] = [.value(value)]
        while let step = steps.popLast() {
            switch step {
            case .byte(let b): out.append(b)
            case .key(let k):
                writeString(k, into: &out)
                out.append(UInt8(ascii: ":"))
            case .value(.array(let a)):
                out.append(UInt8(ascii: "["))
                steps.append(.byte(UInt8(ascii: "]")))
                for (i, v) in a.enumerated().reversed() {
                    steps.append(.value(v))
                    if i > 0 { steps.append(.byte(UInt8(ascii: ","))) }
                }
            case .value(.object(let o)):
                out.append(UInt8(ascii: "{"))
                steps.append(.byte(UInt8(ascii: "}")))
                for (i, k) in o.keys.sorted().enumerated().reversed() {
                    if let v = o[k] { steps.append(.value(v)) }
                    steps.append(.key(k))
                    if i > 0 { steps.append(.byte(UInt8(ascii: ","))) }
                }
            case .value(let scalar):
                write(scalar, into: &out, depth: 0)
            }
        }
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: out.append(contentsOf: [0x5C, 0x22])
            case 0x5C: out.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: out.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x3C, 0x3E, 0x26, 0..<0x20:
                // <, > and & are escaped as Go's encoder does.
                out.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 0xF)]])
            default: out.append(b)
            }
        }
        out.append(0x22)
    }
}

extension JSONValue: CustomStringConvertible {
    public var description: String { JSONWriter.string(self) }
}
