/// One entry of `metadata.managedFields`: the fields one manager owns
/// through one operation (`Apply` or `Update`), on the main resource or a
/// subresource.
public struct ManagedFieldsEntry: Sendable, Hashable {
    public var manager: String
    /// `Apply` or `Update`.
    public var operation: String
    public var apiVersion: String?
    /// RFC 3339 time of the entry's last change.
    public var time: String?
    public var subresource: String?
    public var fields: FieldSet

    public init(manager: String, operation: String, apiVersion: String?, time: String?, subresource: String?, fields: FieldSet) {
        self.manager = manager
        self.operation = operation
        self.apiVersion = apiVersion
        self.time = time
        self.subresource = subresource
        self.fields = fields
    }

    /// Whether two entries are the same manager (name, operation and subresource).
    public func sameManager(as other: ManagedFieldsEntry) -> Bool {
        manager == other.manager && operation == other.operation && (subresource ?? "") == (other.subresource ?? "")
    }

    /// The entry as JSON, as it appears in `metadata.managedFields`.
    public var json: JSONValue {
        var o: [String: JSONValue] = ["manager": .string(manager), "operation": .string(operation),
                                      "fieldsType": "FieldsV1", "fieldsV1": fields.fieldsV1]
        if let apiVersion { o["apiVersion"] = .string(apiVersion) }
        if let time { o["time"] = .string(time) }
        if let subresource, !subresource.isEmpty { o["subresource"] = .string(subresource) }
        return .object(o)
    }

    /// Reads an entry; throws a message naming what is wrong.
    public init(json: JSONValue) throws(FieldSetError) {
        guard case .object(let o) = json else { throw FieldSetError(message: "a managedFields entry must be an object") }
        manager = o["manager"]?.stringValue ?? ""
        operation = o["operation"]?.stringValue ?? ""
        guard ["Apply", "Update"].contains(operation) else {
            throw FieldSetError(message: "operation must be Apply or Update, not \"\(operation)\"")
        }
        apiVersion = o["apiVersion"]?.stringValue
        time = o["time"]?.stringValue
        subresource = o["subresource"]?.stringValue
        if let t = o["fieldsType"]?.stringValue, t != "FieldsV1" {
            throw FieldSetError(message: "fieldsType must be FieldsV1, not \"\(t)\"")
        }
        fields = try FieldSet(fieldsV1: o["fieldsV1"] ?? .emptyObject)
    }

    /// The entries of an object's `metadata.managedFields`.
    public static func entries(of object: JSONValue) throws(FieldSetError) -> [ManagedFieldsEntry] {
        guard let list = object[path: ["metadata", "managedFields"]], !list.isNull else { return [] }
        guard case .array(let items) = list else { throw FieldSetError(message: "metadata.managedFields must be a list") }
        var out: [ManagedFieldsEntry] = []
        for item in items { out.append(try ManagedFieldsEntry(json: item)) }
        return out
    }

    /// How a conflict names its manager: `"kubectl"`, or
    /// `"kubectl-edit" using apps/v1` (with the time) for updates.
    public var conflictName: String {
        var s = "\"\(manager)\""
        if let subresource, !subresource.isEmpty { s += " with subresource \"\(subresource)\"" }
        if operation == "Update" {
            s += " using \(apiVersion ?? "")"
            if let time { s += " at \(time)" }
        }
        return s
    }
}
