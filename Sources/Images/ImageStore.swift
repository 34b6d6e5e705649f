#if canImport(Glibc)
import Glibc
#endif
import FoundationEssentials
import LinuxSystem

/// The node's content-addressed image store, shared by the kubelet and
/// nodectl:
///
///     ROOT/blobs/sha256/HEX     verified blobs (manifests, configs, compressed layers)
///     ROOT/layers/HEX/          each layer unpacked once, named by its diff id
///     ROOT/images.json          image records (names → manifest, config, layers)
///
/// Everything is written to a temporary name and renamed once verified, so a
/// crash mid-import leaves no partial blob, layer or record.
public final class ImageStore: Sendable {
    public let root: String
    /// The index as last read: the kubelet resolves every container's image
    /// here, and nodectl may rewrite the index at any time.
    let index = DecodedFileCache<[ImageRecord]>(limit: 1)

    public init(root: String) {
        self.root = root
    }

    var blobsDirectory: String { root + "/blobs/sha256" }
    var layersDirectory: String { root + "/layers" }
    var indexFile: String { root + "/images.json" }

    public func blobPath(_ digest: Digest) -> String { blobsDirectory + "/" + digest.hex }
    public func layerPath(_ diffID: Digest) -> String { layersDirectory + "/" + diffID.hex }

    func prepare() throws {
        try FileIO.makeDirectories(blobsDirectory, mode: 0o700)
        try FileIO.makeDirectories(layersDirectory, mode: 0o700)
    }

    // MARK: - Records

    /// Every image, sorted by first name.
    public func list() throws -> [ImageRecord] {
        try index.value(at: indexFile) {
            guard let bytes = try? FileIO.readBytes(indexFile) else { return [] }
            do {
                return try JSONDecoder().decode([ImageRecord].self, from: Data(bytes))
            } catch {
                throw ImageError.io("the image index \(indexFile) is unreadable: \(error)")
            }
        }
    }

    /// The image named `reference` (any spelling Docker accepts), or whose id
    /// or id prefix (at least 4 hex digits, `sha256:` optional) it is.
    public func resolve(_ reference: String) throws -> ImageRecord {
        let images = try list()
        if let parsed = try? ImageReference(parsing: reference), let hit = images.first(where: { $0.names.contains(parsed.description) }) {
            return hit
        }
        var hex = reference.hasPrefix("sha256:") ? String(reference.dropFirst(7)) : reference
        hex = hex.lowercased()
        if hex.count >= 4, hex.allSatisfy(\.isHexDigit) {
            let hits = images.filter { $0.id.hex.hasPrefix(hex) }
            if hits.count == 1 { return hits[0] }
        }
        throw ImageError.notFound(reference)
    }

    /// Updates the index under an exclusive lock.
    func updateIndex(_ change: (inout [ImageRecord]) throws -> Void) throws {
        try prepare()
        let lock = try sys("open", root + "/.lock") { open(root + "/.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        defer { close(lock) }
        try sys("flock", root) { flock(lock, LOCK_EX) }
        var images = try list()
        try change(&images)
        images.sort { ($0.names.first ?? "") < ($1.names.first ?? "") }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        try FileIO.writeAtomically(indexFile, Array(try encoder.encode(images)), mode: 0o600, durable: true)
    }

    /// Records `image` under `name`, taking the name from any image that had it.
    func record(_ image: ImageRecord, as name: String) throws {
        try updateIndex { images in
            for i in images.indices { images[i].names.removeAll { $0 == name } }
            if let i = images.firstIndex(where: { $0.id == image.id && $0.manifestDigest == image.manifestDigest }) {
                images[i].names.append(name)
                images[i].names.sort()
            } else {
                var new = image
                new.names = [name]
                images.append(new)
            }
            images.removeAll { $0.names.isEmpty }
        }
    }

    /// Removes `reference` (one name, or the whole image when given its id).
    /// Blobs and layers no image uses any more are deleted; images whose ids
    /// are in `inUse` are refused.
    public func remove(_ reference: String, inUse: Set<Digest> = []) throws {
        let image = try resolve(reference)
        let byName = (try? ImageReference(parsing: reference)).map { image.names.contains($0.description) } ?? false
        try updateIndex { images in
            guard let i = images.firstIndex(where: { $0.id == image.id && $0.manifestDigest == image.manifestDigest }) else { return }
            if byName, images[i].names.count > 1, let parsed = try? ImageReference(parsing: reference) {
                images[i].names.removeAll { $0 == parsed.description }
                return
            }
            if inUse.contains(image.id) { throw ImageError.inUse(image.names.first ?? image.id.description) }
            images.remove(at: i)
        }
        try collectGarbage()
    }

    /// Deletes blobs and unpacked layers that no image references.
    public func collectGarbage() throws {
        let images = try list()
        var blobs: Set<String> = []
        var layers: Set<String> = []
        for image in images {
            blobs.insert(image.manifestDigest.hex)
            blobs.insert(image.id.hex)
            image.layers.forEach { blobs.insert($0.digest.hex) }
            image.diffIDs.forEach { layers.insert($0.hex) }
        }
        for name in (try? FileIO.listDirectory(blobsDirectory)) ?? [] where !blobs.contains(name) {
            // A temporary file younger than an hour belongs to a pull in progress.
            if name.contains(".tmp-"), Self.age(blobsDirectory + "/" + name) < 3600 { continue }
            unlink(blobsDirectory + "/" + name)
        }
        for name in (try? FileIO.listDirectory(layersDirectory)) ?? [] where !layers.contains(name) && !name.contains(".tmp-") {
            try? FileIO.removeTree(layersDirectory + "/" + name)
        }
    }

    /// Seconds since `path` was modified (infinity when it is gone).
    static func age(_ path: String) -> Double {
        var st = stat()
        guard stat(path, &st) == 0 else { return .infinity }
        return Double(time(nil) - st.st_mtim.tv_sec)
    }

    // MARK: - Blobs and layers

    /// Copies a blob into the store, verifying size and digest first.
    func storeBlob(from path: String, _ descriptor: Descriptor, what: String) throws {
        let target = blobPath(descriptor.digest)
        if FileIO.exists(target) { return }
        let input = try sys("open", path) { open(path, O_RDONLY | O_CLOEXEC) }
        defer { close(input) }
        let tmp = target + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        let output = try sys("open", tmp) { open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
        var reader = FileByteReader(fd: input, hashing: true)
        do {
            defer { close(output) }
            while true {
                let chunk = try reader.read(max: 1 << 20)
                if chunk.isEmpty { break }
                try FileIO.writeAll(fd: output, Array(chunk), context: tmp)
            }
            let digest = reader.hasher!.finalize()
            guard Int64(reader.hasher!.count) == descriptor.size else {
                throw ImageError.sizeMismatch(what: what, expected: descriptor.size, actual: Int64(reader.hasher!.count))
            }
            guard digest == descriptor.digest else { throw ImageError.digestMismatch(what: what, expected: descriptor.digest, actual: digest) }
            try sys("rename", tmp) { rename(tmp, target) }
        } catch {
            unlink(tmp)
            throw error
        }
    }

    /// Unpacks a stored layer blob into layers/DIFFID, checking the
    /// uncompressed digest against the image config.
    func unpackLayer(_ layer: Descriptor, diffID: Digest, image: String) throws {
        let target = layerPath(diffID)
        if FileIO.isDirectory(target) { return }
        let tmp = layersDirectory + "/" + diffID.hex + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try sys("mkdir", tmp) { mkdir(tmp, 0o755) }
        do {
            let fd = try sys("open", blobPath(layer.digest)) { open(blobPath(layer.digest), O_RDONLY | O_CLOEXEC) }
            defer { close(fd) }
            let name = "\(layer.digest.short) of \(image)"
            var uncompressed = HashingReader(source: try LayerStream.open(fd: fd, mediaType: layer.mediaType, image: image))
            var tar = TarReader(uncompressed, name: name)
            try LayerUnpacker(root: tmp, layer: name).unpack(&tar)
            // Drain the end-of-archive padding so the digest covers every byte.
            uncompressed = tar.source
            while !(try uncompressed.read(max: 1 << 20)).isEmpty {}
            let actual = uncompressed.hasher.finalize()
            guard actual == diffID else {
                throw ImageError.digestMismatch(what: "uncompressed layer \(layer.digest.short) of \(image)", expected: diffID, actual: actual)
            }
            if rename(tmp, target) != 0 {
                let code = errno
                // Another import unpacked the same layer first: keep theirs.
                if code == EEXIST || code == ENOTEMPTY { try? FileIO.removeTree(tmp); return }
                throw SystemError(call: "rename", errno: code, context: tmp)
            }
        } catch {
            try? FileIO.removeTree(tmp)
            throw error
        }
    }
}

/// Hashes what passes through: the uncompressed digest of a layer is its diff id.
struct HashingReader<Source: ByteReader>: ByteReader {
    var source: Source
    var hasher = DigestHasher()

    mutating func read(max: Int) throws -> ArraySlice<UInt8> {
        let chunk = try source.read(max: max)
        hasher.update(chunk)
        return chunk
    }
}

/// A layer blob's uncompressed stream, by media type.
enum LayerStream: ByteReader {
    case plain(FileByteReader)
    case gzip(GzipReader<FileByteReader>)

    case zstd(ZstdReader<FileByteReader>)

    static let zstdTypes = [MediaType.ociLayerZstd, "application/vnd.oci.image.layer.nondistributable.v1.tar+zstd"]

    /// Whether layers of `mediaType` can be unpacked here (zstd only with libzstd).
    static func supports(_ mediaType: String) -> Bool {
        switch mediaType {
        case MediaType.ociLayerGzip, MediaType.dockerLayerGzip, "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
             "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip", MediaType.ociLayerTar, "application/vnd.docker.image.rootfs.diff.tar":
            return true
        default:
            return zstdTypes.contains(mediaType) && ZstdLibrary.shared != nil
        }
    }

    static func open(fd: Int32, mediaType: String, image: String) throws -> LayerStream {
        switch mediaType {
        case MediaType.ociLayerGzip, MediaType.dockerLayerGzip, "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip",
             "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip":
            return .gzip(try GzipReader(FileByteReader(fd: fd)))
        case MediaType.ociLayerTar, "application/vnd.docker.image.rootfs.diff.tar":
            return .plain(FileByteReader(fd: fd))
        case let type where zstdTypes.contains(type) && ZstdLibrary.shared != nil:
            return .zstd(try ZstdReader(FileByteReader(fd: fd)))
        default:
            throw ImageError.unsupportedMediaType(mediaType, image: image)
        }
    }

    mutating func read(max: Int) throws -> ArraySlice<UInt8> {
        switch self {
        case .plain(var r):
            defer { self = .plain(r) }
            return try r.read(max: max)
        case .gzip(var r):
            defer { self = .gzip(r) }
            return try r.read(max: max)
        case .zstd(var r):
            defer { self = .zstd(r) }
            return try r.read(max: max)
        }
    }
}
