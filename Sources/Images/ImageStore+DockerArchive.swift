#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import LinuxSystem

extension ImageStore {
    /// One image of a `docker save` archive's manifest.json.
    struct DockerArchiveEntry: Decodable {
        var Config: String
        var RepoTags: [String]?
        var Layers: [String]
    }

    /// Imports the images of an extracted `docker save` archive (manifest.json,
    /// a config JSON and one tar per layer). The layers are stored as they are
    /// (uncompressed or gzip) under a Docker schema 2 manifest made for them.
    /// `tag` picks the images whose RepoTags have that tag (or are that
    /// reference); `name` renames a single image.
    func importDockerArchive(at directory: String, source: String, tag: String?, name: String?) throws -> [ImageRecord] {
        let entries: [DockerArchiveEntry]
        do {
            entries = try JSONDecoder().decode([DockerArchiveEntry].self, from: Data(try FileIO.readBytes(directory + "/manifest.json")))
        } catch {
            throw ImageError.invalidLayout(path: source, reason: "manifest.json is not a docker-archive manifest: \(error)")
        }
        var chosen = entries
        if let tag {
            chosen = entries.filter { entry in
                (entry.RepoTags ?? []).contains { $0 == tag || $0.hasSuffix(":" + tag) }
            }
            guard !chosen.isEmpty else {
                let tags = entries.flatMap { $0.RepoTags ?? [] }
                throw ImageError.invalidLayout(path: source, reason: "no image is tagged \"\(tag)\" (tags: \(tags.isEmpty ? "none" : tags.joined(separator: ", ")))")
            }
        }
        guard !chosen.isEmpty else { throw ImageError.invalidLayout(path: source, reason: "manifest.json lists no images") }
        try prepare()
        var imported: [ImageRecord] = []
        for entry in chosen {
            let names: [String]
            if let name {
                names = [try ImageReference(parsing: name).description]
            } else {
                names = try (entry.RepoTags ?? []).map { try ImageReference(parsing: $0).description }
                guard !names.isEmpty else {
                    throw ImageError.invalidLayout(path: source, reason: "the image \(entry.Config) has no RepoTags; pass --name REF")
                }
            }
            let record = try importArchiveImage(entry, from: directory, source: source, name: names[0])
            for n in names { try self.record(record, as: n) }
            imported.append(try resolve(names[0]))
        }
        return imported
    }

    func importArchiveImage(_ entry: DockerArchiveEntry, from directory: String, source: String, name: String) throws -> ImageRecord {
        func inside(_ relative: String) throws -> String {
            guard !relative.hasPrefix("/"), !relative.split(separator: "/").contains("..") else {
                throw ImageError.invalidLayout(path: source, reason: "manifest.json names \(relative), outside the archive")
            }
            return directory + "/" + relative
        }
        let configPath = try inside(entry.Config)
        let (configDigest, configSize, _) = try Self.fileDigest(configPath)
        let configDescriptor = Descriptor(mediaType: MediaType.dockerConfig, digest: configDigest, size: configSize)
        try storeBlob(from: configPath, configDescriptor, what: "config of \(name)")
        let config = try decode(ImageConfigFile.self, blobPath(configDigest), what: "config of \(name)")
        guard config.rootfs.diff_ids.count == entry.Layers.count else {
            throw ImageError.invalidLayout(path: source, reason: "\(name): the config lists \(config.rootfs.diff_ids.count) layers, manifest.json \(entry.Layers.count)")
        }
        var layers: [Descriptor] = []
        for (relative, diffID) in zip(entry.Layers, config.rootfs.diff_ids) {
            let path = try inside(relative)
            let (digest, size, gzip) = try Self.fileDigest(path)
            let layer = Descriptor(mediaType: gzip ? MediaType.dockerLayerGzip : "application/vnd.docker.image.rootfs.diff.tar", digest: digest, size: size)
            try storeBlob(from: path, layer, what: "layer \(relative) of \(name)")
            try unpackLayer(layer, diffID: diffID, image: name)
            layers.append(layer)
        }
        let manifest = ImageManifest(schemaVersion: 2, mediaType: MediaType.dockerManifest, config: configDescriptor, layers: layers)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let bytes = Array(try encoder.encode(manifest))
        let manifestDescriptor = Descriptor(mediaType: MediaType.dockerManifest, digest: Digest.of(bytes), size: Int64(bytes.count))
        try storeBlob(bytes: bytes, manifestDescriptor, what: "manifest of \(name)")
        return ImageRecord(names: [name], id: configDigest, manifestDigest: manifestDescriptor.digest, layers: layers, config: config,
                           size: layers.reduce(0) { $0 + $1.size }, stored: Date().formatted(Date.ISO8601FormatStyle()))
    }

    /// The digest and size of a file, and whether it starts like gzip.
    static func fileDigest(_ path: String) throws -> (Digest, Int64, Bool) {
        let fd = try sys("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(fd) }
        var reader = FileByteReader(fd: fd, hashing: true)
        var first: [UInt8] = []
        while true {
            let chunk = try reader.read(max: 1 << 20)
            if chunk.isEmpty { break }
            if first.count < 2 { first += chunk.prefix(2 - first.count) }
        }
        guard let hasher = reader.hasher else { throw ImageError.io("\(path): not hashed") }
        return (hasher.finalize(), Int64(hasher.count), first == [0x1f, 0x8b])
    }
}
