#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import LinuxSystem

extension ImageStore {
    /// Imports images from an OCI image layout or a `docker save` archive
    /// (a directory, or a tar of one).
    ///
    /// `tag` picks the manifest whose `org.opencontainers.image.ref.name` is
    /// `tag` (every manifest when nil). `name` is how the images are known: a
    /// full reference (`busybox:1.35`) names one image; a repository without
    /// a tag (`busybox`) gets each manifest's ref.name as its tag. Without a
    /// name, the `io.containerd.image.name` annotation is used. Blobs are
    /// verified; nothing partial is kept on failure.
    @discardableResult
    public func importLayout(at path: String, tag: String? = nil, name: String? = nil) throws -> [ImageRecord] {
        var layout = path
        var extracted: String?
        defer { if let extracted { try? FileIO.removeTree(extracted) } }
        if !FileIO.isDirectory(path) {
            guard FileIO.exists(path) else { throw ImageError.invalidLayout(path: path, reason: "no such file or directory") }
            extracted = try extractTar(path)
            layout = extracted!
        }
        guard let indexBytes = try? FileIO.readBytes(layout + "/index.json") else {
            if FileIO.exists(layout + "/manifest.json") {
                return try importDockerArchive(at: layout, source: path, tag: tag, name: name)
            }
            throw ImageError.invalidLayout(path: path, reason: "neither index.json (OCI layout) nor manifest.json (docker save) is in it")
        }
        let index: ImageIndex
        do {
            index = try JSONDecoder().decode(ImageIndex.self, from: Data(indexBytes))
        } catch {
            throw ImageError.invalidLayout(path: path, reason: "index.json is not an OCI index: \(error)")
        }
        let refName = "org.opencontainers.image.ref.name"
        var candidates = index.manifests
        if let tag {
            candidates = candidates.filter { $0.annotations?[refName] == tag }
            guard !candidates.isEmpty else {
                let tags = index.manifests.compactMap { $0.annotations?[refName] }
                throw ImageError.invalidLayout(path: path, reason: "no manifest is tagged \"\(tag)\" (tags: \(tags.isEmpty ? "none" : tags.joined(separator: ", ")))")
            }
        }
        guard !candidates.isEmpty else { throw ImageError.invalidLayout(path: path, reason: "index.json lists no manifests") }

        try prepare()
        var imported: [ImageRecord] = []
        for descriptor in candidates {
            let imageName = try storedName(for: descriptor, requested: name, refName: refName, path: path)
            let record = try importManifest(descriptor, from: layout, name: imageName)
            try self.record(record, as: imageName)
            imported.append(try resolve(imageName))
        }
        return imported
    }

    func storedName(for descriptor: Descriptor, requested: String?, refName: String, path: String) throws -> String {
        if let requested {
            let repositoryOnly = !(requested.split(separator: "/").last ?? "").contains(":") && !requested.contains("@")
            if repositoryOnly, let tag = descriptor.annotations?[refName], !tag.contains("/"), !tag.contains(":") {
                return try ImageReference(parsing: requested + ":" + tag).description
            }
            return try ImageReference(parsing: requested).description
        }
        if let full = descriptor.annotations?["io.containerd.image.name"] {
            return try ImageReference(parsing: full).description
        }
        if let ref = descriptor.annotations?[refName], ref.contains("/") || ref.contains(":") {
            return try ImageReference(parsing: ref).description
        }
        throw ImageError.invalidLayout(path: path, reason: "the manifest \(descriptor.digest.short) has no image name; pass --name REF")
    }

    /// Stores a manifest (resolving an index to this platform) with its config and layers.
    func importManifest(_ descriptor: Descriptor, from layout: String, name: String) throws -> ImageRecord {
        func blob(_ d: Descriptor) -> String { layout + "/blobs/sha256/" + d.digest.hex }
        var manifestDescriptor = descriptor
        if MediaType.isIndex(descriptor.mediaType) {
            try storeBlob(from: blob(descriptor), descriptor, what: "index of \(name)")
            let nested = try decode(ImageIndex.self, blobPath(descriptor.digest), what: "index of \(name)")
            manifestDescriptor = try Self.select(from: nested.manifests, image: name)
        }
        guard MediaType.isManifest(manifestDescriptor.mediaType) else {
            throw ImageError.unsupportedMediaType(manifestDescriptor.mediaType, image: name)
        }
        try storeBlob(from: blob(manifestDescriptor), manifestDescriptor, what: "manifest of \(name)")
        let manifest = try decode(ImageManifest.self, blobPath(manifestDescriptor.digest), what: "manifest of \(name)")
        try storeBlob(from: blob(manifest.config), manifest.config, what: "config of \(name)")
        let config = try decode(ImageConfigFile.self, blobPath(manifest.config.digest), what: "config of \(name)")
        guard config.rootfs.diff_ids.count == manifest.layers.count else {
            throw ImageError.invalidLayout(path: layout, reason: "\(name): the config lists \(config.rootfs.diff_ids.count) layers, the manifest \(manifest.layers.count)")
        }
        for (layer, diffID) in zip(manifest.layers, config.rootfs.diff_ids) {
            try storeBlob(from: blob(layer), layer, what: "layer \(layer.digest.short) of \(name)")
            try unpackLayer(layer, diffID: diffID, image: name)
        }
        return ImageRecord(names: [name], id: manifest.config.digest, manifestDigest: manifestDescriptor.digest, layers: manifest.layers,
                           config: config, size: manifest.layers.reduce(0) { $0 + $1.size }, stored: Date().formatted(Date.ISO8601FormatStyle()))
    }

    /// The manifest for this machine's platform from an index.
    public static func select(from manifests: [Descriptor], image: String, platform: Platform = .current) throws -> Descriptor {
        let usable = manifests.filter { MediaType.isManifest($0.mediaType) }
        if let exact = usable.first(where: { $0.platform?.os == platform.os && $0.platform?.architecture == platform.architecture }) {
            return exact
        }
        if usable.count == 1, usable[0].platform == nil { return usable[0] }
        throw ImageError.noMatchingPlatform(image: image, platform: "\(platform.os)/\(platform.architecture)",
                                            available: usable.compactMap { $0.platform.map { "\($0.os)/\($0.architecture)" } })
    }

    func decode<T: Decodable>(_ type: T.Type, _ path: String, what: String) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(try FileIO.readBytes(path)))
        } catch {
            throw ImageError.io("\(what) is not valid: \(error)")
        }
    }

    /// Extracts a tarball of a layout into a temporary directory of the store.
    func extractTar(_ path: String) throws -> String {
        try prepare()
        let dir = root + "/.import-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try sys("mkdir", dir) { mkdir(dir, 0o700) }
        do {
            let fd = try sys("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
            defer { close(fd) }
            var header = [UInt8](repeating: 0, count: 2)
            let gz = read(fd, &header, 2) == 2 && header == [0x1f, 0x8b]
            lseek(fd, 0, SEEK_SET)
            if gz {
                var tar = TarReader(try GzipReader(FileByteReader(fd: fd)), name: path)
                try LayerUnpacker(root: dir, layer: path).unpack(&tar)
            } else {
                var tar = TarReader(FileByteReader(fd: fd), name: path)
                try LayerUnpacker(root: dir, layer: path).unpack(&tar)
            }
            return dir
        } catch {
            try? FileIO.removeTree(dir)
            throw error
        }
    }
}
