/// A parsed field selector such as `spec.nodeName=node-1,status.phase!=Failed`.
///
/// Fields are dotted paths into the object's JSON; `metadata.name` and
/// `metadata.namespace` work for every kind. A missing field compares as "".
public struct FieldSelector: Sendable, Hashable, CustomStringConvertible {
    /// One `field op value` term.
    public struct Term: Sendable, Hashable {
        public var field: String
        public var value: String
        public var negated: Bool

        public init(field: String, value: String, negated: Bool) {
            self.field = field
            self.value = value
            self.negated = negated
        }
    }

    /// All terms; empty selects everything.
    public var terms: [Term]

    /// Selects everything.
    public static let everything = FieldSelector(terms: [])

    public init(terms: [Term]) { self.terms = terms }

    /// Parses the query syntax (`=`, `==`, `!=`, escaped with backslashes).
    public init(parsing text: String) throws(SelectorParseError) {
        var terms: [Term] = []
        for part in Self.split(text) where !part.trimmingSpaces.isEmpty {
            let chars = Array(part)
            var i = 0
            var field = ""
            var op: String?
            while i < chars.count {
                if chars[i] == "\\", i + 1 < chars.count {
                    field.append(chars[i + 1])
                    i += 2
                    continue
                }
                if chars[i] == "!" && i + 1 < chars.count && chars[i + 1] == "=" {
                    op = "!="
                    i += 2
                    break
                }
                if chars[i] == "=" {
                    op = (i + 1 < chars.count && chars[i + 1] == "=") ? "==" : "="
                    i += op == "==" ? 2 : 1
                    break
                }
                field.append(chars[i])
                i += 1
            }
            guard let op else { throw SelectorParseError(message: "invalid selector: '\(text)'; can't understand '\(part)'") }
            var value = ""
            while i < chars.count {
                if chars[i] == "\\", i + 1 < chars.count {
                    value.append(chars[i + 1])
                    i += 2
                    continue
                }
                value.append(chars[i])
                i += 1
            }
            terms.append(Term(field: field.trimmingSpaces, value: value, negated: op == "!="))
        }
        self.terms = terms
    }

    private static func split(_ text: String) -> [String] {
        var parts: [String] = []
        var cur = ""
        var escaped = false
        for c in text {
            if escaped {
                cur.append(c)
                escaped = false
            } else if c == "\\" {
                cur.append(c)
                escaped = true
            } else if c == "," {
                parts.append(cur)
                cur = ""
            } else {
                cur.append(c)
            }
        }
        parts.append(cur)
        return parts
    }

    /// The value of a field in an object, as a selector compares it.
    public static func fieldValue(_ object: JSONValue, _ field: String) -> String {
        guard let v = object.value(at: field) else { return "" }
        switch v {
        case .string(let s): return s
        case .int(let i): return String(i)
        case .bool(let b): return b ? "true" : "false"
        case .double(let d): return "\(d)"
        default: return ""
        }
    }

    /// True when every term holds for the object.
    public func matches(_ object: JSONValue) -> Bool {
        for t in terms {
            let v = Self.fieldValue(object, t.field)
            if (v == t.value) == t.negated { return false }
        }
        return true
    }

    /// True when there are no terms.
    public var isEmpty: Bool { terms.isEmpty }

    /// The value required for a field by an `=` term, if any.
    public func requiredValue(_ field: String) -> String? {
        terms.first { $0.field == field && !$0.negated }?.value
    }

    public var description: String {
        terms.map { "\($0.field)\($0.negated ? "!=" : "=")\($0.value)" }.joined(separator: ",")
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
