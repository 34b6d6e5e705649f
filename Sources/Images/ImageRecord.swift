/// An image in the node's store.
public struct ImageRecord: Codable, Sendable, Equatable {
    /// Normalized references (`docker.io/library/busybox:1.35`), one or more.
    public var names: [String]
    /// The image id: the digest of its config.
    public var id: Digest
    public var manifestDigest: Digest
    /// Compressed layer blobs, bottom first.
    public var layers: [Descriptor]
    public var config: ImageConfigFile
    /// Bytes of all layer blobs.
    public var size: Int64
    /// RFC 3339 time it entered the store.
    public var stored: String

    /// Uncompressed layer digests, bottom first (directories under layers/).
    public var diffIDs: [Digest] { config.rootfs.diff_ids }
}
