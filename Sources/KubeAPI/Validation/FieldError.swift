/// One validation error on one field, worded like Kubernetes' field errors.
public struct FieldError: Sendable, Hashable, Error, CustomStringConvertible {
    /// The kind of problem, which also gives the Status cause reason.
    public enum Kind: String, Sendable, Hashable {
        case required = "FieldValueRequired"
        case invalid = "FieldValueInvalid"
        case forbidden = "FieldValueForbidden"
        case notSupported = "FieldValueNotSupported"
        case duplicate = "FieldValueDuplicate"
        case tooLong = "FieldValueTooLong"
        case notFound = "FieldValueNotFound"
        case tooMany = "FieldValueTooMany"
    }

    public var kind: Kind
    /// Dotted path, e.g. `spec.containers[0].image`.
    public var field: String
    /// The offending value, already formatted (strings quoted).
    public var value: String?
    public var detail: String
    /// An invalid value left out of the message (upstream's `field.OmitValueType`, for objects and lists).
    public var omitsValue = false

    /// The message without the field: `Invalid value: "Foo": ...`.
    public var body: String {
        switch kind {
        case .required: return "Required value" + (detail.isEmpty ? "" : ": " + detail)
        case .forbidden: return "Forbidden" + (detail.isEmpty ? "" : ": " + detail)
        case .invalid where omitsValue: return "Invalid value" + (detail.isEmpty ? "" : ": " + detail)
        case .invalid: return "Invalid value: \(value ?? "null")" + (detail.isEmpty ? "" : ": " + detail)
        case .notSupported: return "Unsupported value: \(value ?? "null")" + (detail.isEmpty ? "" : ": " + detail)
        case .duplicate: return "Duplicate value: \(value ?? "null")"
        case .tooLong: return "Too long: \(detail)"
        case .notFound: return "Not found: \(value ?? "null")"
        case .tooMany: return "Too many: \(value ?? "null"): \(detail)"
        }
    }

    public var description: String { "\(field): \(body)" }

    /// A missing required field.
    public static func tooLong(_ field: String, _ max: Int) -> FieldError {
        FieldError(kind: .tooLong, field: field, value: nil, detail: "may not be more than \(max) bytes")
    }

    /// A list or map with more entries than allowed.
    public static func tooMany(_ field: String, _ actual: Int, _ max: Int) -> FieldError {
        FieldError(kind: .tooMany, field: field, value: String(actual), detail: "must have at most \(max) items")
    }

    public static func required(_ field: String, _ detail: String = "") -> FieldError {
        FieldError(kind: .required, field: field, value: nil, detail: detail)
    }

    /// An invalid string value.
    public static func invalid(_ field: String, _ value: String, _ detail: String) -> FieldError {
        FieldError(kind: .invalid, field: field, value: quote(value), detail: detail)
    }

    /// An invalid integer value.
    public static func invalid(_ field: String, int value: Int64, _ detail: String) -> FieldError {
        FieldError(kind: .invalid, field: field, value: String(value), detail: detail)
    }

    /// A value that may not be set or changed.
    public static func forbidden(_ field: String, _ detail: String) -> FieldError {
        FieldError(kind: .forbidden, field: field, value: nil, detail: detail)
    }

    /// A value outside a fixed set.
    public static func notSupported(_ field: String, _ value: String, _ supported: [String]) -> FieldError {
        FieldError(kind: .notSupported, field: field, value: quote(value),
                   detail: "supported values: " + supported.map(quote).joined(separator: ", "))
    }

    /// A reference to something that does not exist.
    public static func notFound(_ field: String, _ value: String) -> FieldError {
        FieldError(kind: .notFound, field: field, value: quote(value), detail: "")
    }

    /// A value that occurs twice.
    public static func duplicate(_ field: String, _ value: String) -> FieldError {
        FieldError(kind: .duplicate, field: field, value: quote(value), detail: "")
    }

    /// Go's %q for simple strings.
    public static func quote(_ s: String) -> String {
        var out = "\""
        for c in s.unicodeScalars {
            switch c {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            default: out.unicodeScalars.append(c)
            }
        }
        return out + "\""
    }
}

/// The `Status` for a failed validation: HTTP 422, reason Invalid, one cause per field.
public func invalidStatus(kind: String, group: String, name: String, errors: [FieldError]) -> Status {
    let list = errors.map(\.description)
    let joined = list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"
    return Status(
        message: "\(kind) \"\(name)\" is invalid: \(joined)", reason: "Invalid", code: 422,
        details: StatusDetails(name: name, group: group, kind: kind,
                               causes: errors.map { StatusCause(reason: $0.kind.rawValue, message: $0.body, field: $0.field) }))
}
