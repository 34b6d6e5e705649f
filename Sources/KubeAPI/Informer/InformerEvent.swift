/// A change seen by an ``Informer``.
public enum InformerEvent<T: KubeObject>: Sendable {
    case added(T)
    case updated(old: T, new: T)
    case deleted(T)
    /// The cache holds a complete list (after the first list and every relist).
    case synced
}
