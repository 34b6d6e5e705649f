public import KubeAPI

/// The API server's decoders of untrusted request bytes, reachable from
/// outside the module for the fuzz targets (`Sources/FuzzTargets`): each
/// returns or throws a `Status` (a 4xx) for every input.
public enum RequestDecoding {
    /// A request body as the API server reads it for `contentType`
    /// (`application/json`, `application/yaml`,
    /// `application/vnd.kubernetes.protobuf`), and the keys given twice.
    public static func body(_ bytes: [UInt8], contentType: String) throws(Status) -> (JSONValue, duplicates: [String]) {
        try BodyDecoder.decode(bytes, contentType: contentType)
    }
}
