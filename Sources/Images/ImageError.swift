/// What can go wrong with images, each naming the image and the cause.
public enum ImageError: Error, CustomStringConvertible, Sendable, Equatable {
    case invalidReference(String, String)
    case notFound(String)
    case invalidLayout(path: String, reason: String)
    case digestMismatch(what: String, expected: Digest, actual: Digest)
    case sizeMismatch(what: String, expected: Int64, actual: Int64)
    case unsupportedMediaType(String, image: String)
    case noMatchingPlatform(image: String, platform: String, available: [String])
    case unsafeLayer(layer: String, entry: String, reason: String)
    case corruptLayer(layer: String, reason: String)
    case inUse(String)
    /// A registry refused, failed or answered garbage; `reason` carries its words.
    case pullFailed(image: String, reason: String)
    case io(String)

    public var description: String {
        switch self {
        case .invalidReference(let ref, let why): return "invalid image reference \"\(ref)\": \(why)"
        case .notFound(let ref): return "image \"\(ref)\" is not in this node's image store; import it (nodectl import) or pull it"
        case .invalidLayout(let path, let reason): return "\(path) is not a usable OCI image layout: \(reason)"
        case .digestMismatch(let what, let expected, let actual): return "\(what): content has digest \(actual), expected \(expected)"
        case .sizeMismatch(let what, let expected, let actual): return "\(what): \(actual) bytes, expected \(expected)"
        case .unsupportedMediaType(let type, let image):
            if type.hasSuffix("+zstd") || type.hasSuffix(".zstd") {
                return "image \(image): zstd-compressed layers (\(type)) need libzstd.so.1 (Debian package libzstd1), which could not be loaded on this host"
            }
            return "image \(image): unsupported media type \(type)"
        case .noMatchingPlatform(let image, let platform, let available):
            return "image \(image) has no \(platform) variant (it has: \(available.joined(separator: ", ")))"
        case .unsafeLayer(let layer, let entry, let reason): return "layer \(layer): refusing entry \"\(entry)\": \(reason)"
        case .corruptLayer(let layer, let reason): return "layer \(layer) is corrupt: \(reason)"
        case .inUse(let ref): return "image \(ref) is used by a container"
        case .pullFailed(let image, let reason): return "failed to pull image \"\(image)\": \(reason)"
        case .io(let message): return message
        }
    }
}
