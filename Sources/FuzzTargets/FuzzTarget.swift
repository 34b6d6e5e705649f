/// One parser of bytes that come from outside the node, as a fuzz target:
/// `run` must return (or throw) for every input, never trap, hang or grow
/// without bound. `scripts/fuzz` drives these under libFuzzer; FuzzTests
/// replays the seeds and every input a fuzzer ever crashed on.
public struct FuzzTarget: Sendable {
    /// The name `scripts/fuzz NAME` and the corpus directory use.
    public let name: String
    /// What the bytes are, for the listing.
    public let summary: String
    /// Starting inputs: valid examples the fuzzer mutates.
    public let seeds: [[UInt8]]
    /// Parses one input; errors are expected answers, not failures.
    public let run: @Sendable ([UInt8]) throws -> Void

    public init(_ name: String, _ summary: String, seeds: [[UInt8]], run: @escaping @Sendable ([UInt8]) throws -> Void) {
        self.name = name
        self.summary = summary
        self.seeds = seeds
        self.run = run
    }
}

extension FuzzTarget {
    /// Every target, by name.
    public static var all: [FuzzTarget] {
        [dnsMessage, spdyFrames, webSocketFrames, tarStream, gzipStream, zstdStream, imageManifest, ociConfig, criLog, netlinkReplies,
         jsonBody, yamlBody, protobufBody, patches, listParameters, csiMessages, neighborPackets, ingressRoute, http1Messages, customResourceSchema, patterns, celExpressions, admissionReview, logQueries]
    }

    /// The target called `name`.
    public static func named(_ name: String) -> FuzzTarget? { all.first { $0.name == name } }
}
