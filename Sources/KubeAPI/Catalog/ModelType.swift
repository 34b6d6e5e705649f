/// The Swift type of a resource's objects, as a catalog entry holds it.
///
/// Compared and hashed by type identity, so ``ResourceInfo`` stays `Hashable`.
public struct ModelType: Sendable, Hashable, CustomStringConvertible {
    /// The model type.
    public let type: any KubeObject.Type

    /// Wraps a model type.
    public init<T: KubeObject>(_ type: T.Type) { self.type = type }

    public static func == (a: ModelType, b: ModelType) -> Bool { ObjectIdentifier(a.type) == ObjectIdentifier(b.type) }
    public func hash(into h: inout Hasher) { h.combine(ObjectIdentifier(type)) }
    public var description: String { String(describing: type) }
}
