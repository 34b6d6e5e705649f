#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import FoundationEssentials
import Synchronization
import LinuxSystem

extension ImageStore {
    /// Pulls `reference` (`nginx:1.27`, `registry.example:5000/team/app@sha256:…`)
    /// from its registry into the store and returns its record.
    ///
    /// Indexes and manifest lists resolve to the client's platform; OCI and
    /// Docker schema 2 manifests are accepted. Every blob is checked for size
    /// and digest while it streams to a temporary file, and every layer's
    /// uncompressed digest against the config's diff ids; layers download
    /// `maxConcurrentDownloads` at a time, each unpacked as soon as it is
    /// complete. On failure nothing this pull added stays in the store.
    ///
    /// ```swift
    /// let client = RegistryClient(configuration: RegistryConfiguration(insecureRegistries: ["127.0.0.1:5000"]))
    /// let image = try await store.pull("127.0.0.1:5000/team/app:v1", using: client) { print($0.bytesDone) }
    /// ```
    @discardableResult
    public func pull(_ reference: String, using client: RegistryClient, credentials: DockerConfig = DockerConfig(),
                     progress: (@Sendable (PullProgress) -> Void)? = nil) async throws -> ImageRecord {
        let ref = try ImageReference(parsing: reference)
        let session = RegistrySession(client: client, reference: ref, credentials: credentials.credentials(for: ref.registry))
        let tracker = PullProgressTracker(image: ref.familiar, report: progress)
        let created = CreatedContent()
        do {
            let record = try await pull(ref, session: session, tracker: tracker, created: created)
            try self.record(record, as: ref.description)
            tracker.update(force: true) { _ in }
            return try resolve(ref.description)
        } catch {
            removeUnreferenced(created.all)
            if error is CancellationError { throw error }
            if case ImageError.pullFailed = error { throw error }
            if let imageError = error as? ImageError { throw imageError }
            throw ImageError.pullFailed(image: ref.familiar, reason: "\(error)")
        }
    }

    func pull(_ ref: ImageReference, session: RegistrySession, tracker: PullProgressTracker, created: CreatedContent) async throws -> ImageRecord {
        let name = ref.familiar
        let platform = session.client.configuration.platform
        var fetched = try await session.manifest(ref.digest?.description ?? ref.tag ?? "latest", expected: ref.digest)
        if MediaType.isIndex(fetched.mediaType) {
            let index: ImageIndex
            do { index = try JSONDecoder().decode(ImageIndex.self, from: Data(fetched.bytes)) } catch {
                throw ImageError.pullFailed(image: name, reason: "the image index is not valid: \(error)")
            }
            let chosen = try Self.select(from: index.manifests, image: name, platform: platform)
            fetched = try await session.manifest(chosen.digest.description, expected: chosen.digest)
            guard Int64(fetched.bytes.count) == chosen.size else {
                throw ImageError.sizeMismatch(what: "manifest \(chosen.digest.short) of \(name)", expected: chosen.size, actual: Int64(fetched.bytes.count))
            }
        }
        guard MediaType.isManifest(fetched.mediaType) else { throw ImageError.unsupportedMediaType(fetched.mediaType, image: name) }
        let manifest: ImageManifest
        do { manifest = try JSONDecoder().decode(ImageManifest.self, from: Data(fetched.bytes)) } catch {
            throw ImageError.pullFailed(image: name, reason: "the manifest is not valid: \(error)")
        }
        for layer in manifest.layers where !LayerStream.supports(layer.mediaType) {
            throw ImageError.unsupportedMediaType(layer.mediaType, image: name)
        }
        try prepare()
        if !FileIO.exists(blobPath(fetched.digest)) {
            try storeBlob(bytes: fetched.bytes, fetched.descriptor, what: "manifest of \(name)")
            created.insert(fetched.digest)
        }
        if try await session.download(manifest.config, into: self, what: "config of \(name)") {
            created.insert(manifest.config.digest)
        }
        let config = try decode(ImageConfigFile.self, blobPath(manifest.config.digest), what: "config of \(name)")
        guard config.rootfs.diff_ids.count == manifest.layers.count else {
            throw ImageError.pullFailed(image: name, reason: "the config lists \(config.rootfs.diff_ids.count) layers, the manifest \(manifest.layers.count)")
        }
        if let os = config.os, let arch = config.architecture, os != platform.os || arch != platform.architecture {
            throw ImageError.noMatchingPlatform(image: name, platform: "\(platform.os)/\(platform.architecture)", available: ["\(os)/\(arch)"])
        }
        tracker.update(force: true) {
            $0.layers = manifest.layers.count
            $0.bytes = manifest.layers.reduce(0) { $0 + $1.size }
        }
        let jobs = Array(zip(manifest.layers, config.rootfs.diff_ids))
        let limit = session.client.configuration.maxConcurrentDownloads
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func startNext() {
                guard next < jobs.count else { return }
                let (layer, diffID) = jobs[next]
                next += 1
                group.addTask {
                    try await self.fetchLayer(layer, diffID: diffID, session: session, tracker: tracker, created: created)
                }
            }
            for _ in 0..<min(limit, jobs.count) { startNext() }
            while try await group.next() != nil { startNext() }
        }
        return ImageRecord(names: [ref.description], id: manifest.config.digest, manifestDigest: fetched.digest, layers: manifest.layers,
                           config: config, size: manifest.layers.reduce(0) { $0 + $1.size }, stored: Date().formatted(Date.ISO8601FormatStyle()))
    }

    /// Downloads one layer blob (unless stored) and unpacks it (unless unpacked).
    func fetchLayer(_ layer: Descriptor, diffID: Digest, session: RegistrySession, tracker: PullProgressTracker, created: CreatedContent) async throws {
        let name = session.image
        let fresh = try await session.download(layer, into: self, what: "layer \(layer.digest.short) of \(name)") { delta in
            tracker.update { $0.bytesDone += delta; $0.bytesDownloaded += delta }
        }
        if fresh { created.insert(layer.digest) } else { tracker.update { $0.bytesDownloaded -= layer.size } }
        if !FileIO.isDirectory(layerPath(diffID)) {
            try await Self.offThread { try self.unpackLayer(layer, diffID: diffID, image: name) }
            created.insert(diffID)
        }
        tracker.update(force: true) { $0.layersDone += 1 }
    }

    /// Deletes blobs and unpacked layers in `digests` that no image record references.
    func removeUnreferenced(_ digests: Set<Digest>) {
        guard !digests.isEmpty else { return }
        let images = (try? list()) ?? []
        var used: Set<Digest> = []
        for image in images {
            used.insert(image.manifestDigest)
            used.insert(image.id)
            image.layers.forEach { used.insert($0.digest) }
            image.diffIDs.forEach { used.insert($0) }
        }
        for digest in digests where !used.contains(digest) {
            if FileIO.isDirectory(layerPath(digest)) { try? FileIO.removeTree(layerPath(digest)) }
            _ = unlink(blobPath(digest))
        }
    }

    /// Runs blocking file work (unpacking) on a dispatch thread, keeping the
    /// cooperative pool free for network I/O.
    static func offThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
        }
    }
}

/// The blobs and layers one pull added, removed again if it fails.
final class CreatedContent: Sendable {
    let digests = Mutex<Set<Digest>>([])

    func insert(_ digest: Digest) { digests.withLock { _ = $0.insert(digest) } }
    var all: Set<Digest> { digests.withLock { $0 } }
}
