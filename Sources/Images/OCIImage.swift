/// The OCI image-spec documents (and their Docker schema 2 equivalents).
public enum MediaType {
    public static let ociIndex = "application/vnd.oci.image.index.v1+json"
    public static let ociManifest = "application/vnd.oci.image.manifest.v1+json"
    public static let ociConfig = "application/vnd.oci.image.config.v1+json"
    public static let ociLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip"
    public static let ociLayerTar = "application/vnd.oci.image.layer.v1.tar"
    public static let ociLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd"
    public static let dockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json"
    public static let dockerManifest = "application/vnd.docker.distribution.manifest.v2+json"
    public static let dockerConfig = "application/vnd.docker.container.image.v1+json"
    public static let dockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip"

    public static func isIndex(_ t: String?) -> Bool { t == ociIndex || t == dockerManifestList }
    public static func isManifest(_ t: String?) -> Bool { t == ociManifest || t == dockerManifest }
}

/// A content descriptor.
public struct Descriptor: Codable, Sendable, Equatable {
    public var mediaType: String
    public var digest: Digest
    public var size: Int64
    public var annotations: [String: String]?
    public var platform: Platform?

    public init(mediaType: String, digest: Digest, size: Int64, annotations: [String: String]? = nil, platform: Platform? = nil) {
        self.mediaType = mediaType
        self.digest = digest
        self.size = size
        self.annotations = annotations
        self.platform = platform
    }
}

public struct Platform: Codable, Sendable, Equatable {
    public var architecture: String
    public var os: String
    public var variant: String?

    public init(architecture: String, os: String, variant: String? = nil) {
        self.architecture = architecture
        self.os = os
        self.variant = variant
    }

    /// This machine (linux/amd64 here).
    public static let current: Platform = {
        #if arch(x86_64)
        return Platform(architecture: "amd64", os: "linux")
        #elseif arch(arm64)
        return Platform(architecture: "arm64", os: "linux", variant: "v8")
        #else
        return Platform(architecture: "unknown", os: "linux")
        #endif
    }()
}

/// An image index / manifest list.
public struct ImageIndex: Codable, Sendable, Equatable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var manifests: [Descriptor]
}

/// An image manifest.
public struct ImageManifest: Codable, Sendable, Equatable {
    public var schemaVersion: Int
    public var mediaType: String?
    public var config: Descriptor
    public var layers: [Descriptor]
}

/// The image configuration.
public struct ImageConfigFile: Codable, Sendable, Equatable {
    public struct ContainerConfig: Codable, Sendable, Equatable {
        public var User: String?
        public var Env: [String]?
        public var Entrypoint: [String]?
        public var Cmd: [String]?
        public var WorkingDir: String?
        public var ExposedPorts: [String: EmptyObject]?
        public var Labels: [String: String]?
        public var StopSignal: String?
    }

    public struct RootFS: Codable, Sendable, Equatable {
        public var type: String
        public var diff_ids: [Digest]
    }

    public var architecture: String?
    public var os: String?
    public var config: ContainerConfig?
    public var rootfs: RootFS
    public var created: String?
}

/// `{}` in JSON (exposed ports, volumes).
public struct EmptyObject: Codable, Sendable, Equatable {}
