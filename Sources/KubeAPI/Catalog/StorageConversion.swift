/// A version of a resource served over the storage of another: the objects
/// are kept once, in the storage version, and converted on the way in and
/// out, as kube-apiserver keeps one storage version per resource
/// (`events.k8s.io/v1` events are core/v1 events in storage).
///
/// By default the conversion renames top-level fields and anything else
/// passes through: a field of one version that bears the other's name of a
/// renamed field is unknown in its own version and is dropped rather than
/// aliased. A conversion whose versions differ in shape (autoscaling/v1's
/// CPU target against v2's metrics) implements both directions itself.
public protocol StorageConversion: Sendable {
    /// The group of the resource whose storage holds the objects ("" for core).
    static var storageGroup: String { get }
    /// The apiVersion of the stored objects.
    static var storageAPIVersion: String { get }
    /// Top-level fields renamed: served name → stored name.
    static var renamedFields: KeyValuePairs<String, String> { get }
    /// Fills in what the stored version requires and the served one may omit.
    static func completeForStorage(_ object: inout JSONValue)
    /// An object of the served version in the stored form.
    static func toStorage(_ object: JSONValue) -> JSONValue
    /// A stored object in the served version `apiVersion`.
    static func fromStorage(_ object: JSONValue, apiVersion: String) -> JSONValue
}

extension StorageConversion {
    public static var renamedFields: KeyValuePairs<String, String> { [:] }
    public static func completeForStorage(_ object: inout JSONValue) {}

    /// An object of the served version in the stored form: renamed fields.
    public static func toStorage(_ object: JSONValue) -> JSONValue {
        guard case .object(var members) = object else { return object }
        for (_, stored) in renamedFields { members[stored] = nil }
        for (served, stored) in renamedFields {
            if let v = members.removeValue(forKey: served) { members[stored] = v }
        }
        members["apiVersion"] = .string(storageAPIVersion)
        var out = JSONValue.object(members)
        completeForStorage(&out)
        return out
    }

    /// A stored object in the served version `apiVersion`: renamed fields.
    public static func fromStorage(_ object: JSONValue, apiVersion: String) -> JSONValue {
        guard case .object(var members) = object else { return object }
        for (served, _) in renamedFields { members[served] = nil }
        for (served, stored) in renamedFields {
            if let v = members.removeValue(forKey: stored) { members[served] = v }
        }
        members["apiVersion"] = .string(apiVersion)
        return .object(members)
    }
}

/// The conversion of a catalog entry, compared and hashed by type identity
/// (as ``ModelType``), so ``ResourceInfo`` stays `Hashable`.
public struct ConversionType: Sendable, Hashable, CustomStringConvertible {
    /// The conversion.
    public let type: any StorageConversion.Type

    /// Wraps a conversion type.
    public init(_ type: any StorageConversion.Type) { self.type = type }

    public static func == (a: ConversionType, b: ConversionType) -> Bool { ObjectIdentifier(a.type) == ObjectIdentifier(b.type) }
    public func hash(into h: inout Hasher) { h.combine(ObjectIdentifier(type)) }
    public var description: String { String(describing: type) }
}
