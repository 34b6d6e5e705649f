import KubeAPI

/// Status objects for API errors, worded like the Kubernetes API server's.
enum APIErrors {
    static func qualified(_ info: ResourceInfo) -> String { info.groupResource }

    static func notFound(_ info: ResourceInfo, _ name: String) -> Status {
        Status(message: "\(qualified(info)) \"\(name)\" not found", reason: "NotFound", code: 404,
               details: StatusDetails(name: name, group: info.group.isEmpty ? nil : info.group, kind: info.plural))
    }

    static func notFoundPath(_ path: String) -> Status {
        Status(message: "the server could not find the requested resource", reason: "NotFound", code: 404,
               details: StatusDetails(causes: [StatusCause(reason: "UnexpectedServerResponse", message: "404 page not found: \(path)", field: nil)]))
    }

    static func alreadyExists(_ info: ResourceInfo, _ name: String) -> Status {
        Status(message: "\(qualified(info)) \"\(name)\" already exists", reason: "AlreadyExists", code: 409,
               details: StatusDetails(name: name, group: info.group.isEmpty ? nil : info.group, kind: info.plural))
    }

    static func conflict(_ info: ResourceInfo, _ name: String) -> Status {
        conflict(info, name, "the object has been modified; please apply your changes to the latest version and try again")
    }

    static func conflict(_ info: ResourceInfo, _ name: String, _ detail: String) -> Status {
        Status(message: "Operation cannot be fulfilled on \(qualified(info)) \"\(name)\": \(detail)", reason: "Conflict", code: 409,
               details: StatusDetails(name: name, group: info.group.isEmpty ? nil : info.group, kind: info.plural))
    }

    static func badRequest(_ message: String) -> Status {
        Status(message: message, reason: "BadRequest", code: 400)
    }

    static func invalid(_ info: ResourceInfo, _ name: String, _ errors: [FieldError]) -> Status {
        invalidStatus(kind: info.kind, group: info.group, name: name, errors: errors)
    }

    static func methodNotAllowed(_ message: String = "the server does not allow this method on the requested resource") -> Status {
        Status(message: message, reason: "MethodNotAllowed", code: 405)
    }

    static func gone(_ message: String) -> Status {
        Status(message: message, reason: "Expired", code: 410)
    }

    static func unsupportedMediaType(_ type: String, accepted: [String]) -> Status {
        Status(message: "the body of the request was in an unknown format - accepted media types include: \(accepted.joined(separator: ", "))",
               reason: "UnsupportedMediaType", code: 415)
    }

    static func forbidden(_ message: String, kind: String? = nil, name: String? = nil) -> Status {
        Status(message: message, reason: "Forbidden", code: 403, details: StatusDetails(name: name, kind: kind))
    }

    static let unauthorized = Status(message: "Unauthorized", reason: "Unauthorized", code: 401)

    static func internalError(_ message: String) -> Status {
        Status(message: "Internal error occurred: \(message)", reason: "InternalError", code: 500)
    }

    static func unavailable(_ message: String) -> Status {
        Status(message: message, reason: "ServiceUnavailable", code: 503)
    }

    static func timeout(_ message: String) -> Status {
        Status(message: message, reason: "Timeout", code: 504)
    }

    /// A successful Status (for deletes of collections, bindings and evictions).
    static func success(code: Int = 200, details: StatusDetails? = nil) -> Status {
        var s = Status(status: "Success", message: "", reason: "", code: code, details: details)
        s.message = nil
        s.reason = nil
        return s
    }
}
