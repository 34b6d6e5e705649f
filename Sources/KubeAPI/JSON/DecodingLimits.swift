/// Bounds on what one decode of untrusted bytes (a request body, a manifest
/// file, a kubeconfig) may produce, so that a small input cannot make the
/// decoder build a huge or very deep tree.
///
/// Upstream's decoders are the reference: Go's `encoding/json` refuses nesting
/// beyond 10,000 ("exceeded max depth"), and go-yaml refuses documents whose
/// aliases do most of the work ("document contains excessive aliasing", see
/// ``YAMLDecoding``). The decoded-size bound is ours: a YAML alias may repeat a
/// large string without adding nodes, and go-yaml has no such bound.
public struct DecodingLimits: Sendable, Equatable {
    /// Deepest nesting of arrays and objects accepted, counted after alias
    /// expansion for YAML.
    public var maxDepth: Int
    /// Most bytes the decoded value may take when written as compact JSON
    /// (counted after alias expansion for YAML).
    public var maxDecodedBytes: Int

    /// Limits for one decode.
    public init(maxDepth: Int = JSONParser.maxDepth, maxDecodedBytes: Int = 16 << 20) {
        self.maxDepth = maxDepth
        self.maxDecodedBytes = maxDecodedBytes
    }

    /// Upstream's depth (10,000) and 16 MiB of decoded JSON: more than any
    /// object fits in storage, and five times the API server's 3 MiB body limit.
    public static let `default` = DecodingLimits()
}
