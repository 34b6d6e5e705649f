import AsyncHTTPClient
import FoundationEssentials
import NIOCore
import LinuxSystem

/// A manifest or index as the registry sent it.
struct FetchedManifest: Sendable {
    var bytes: [UInt8]
    var mediaType: String
    var digest: Digest

    var descriptor: Descriptor { Descriptor(mediaType: mediaType, digest: digest, size: Int64(bytes.count)) }
}

extension RegistrySession {
    static let manifestTypes = [MediaType.ociIndex, MediaType.dockerManifestList, MediaType.ociManifest, MediaType.dockerManifest]

    /// GET /v2/REPO/manifests/TAG-OR-DIGEST, with the digest checked against
    /// `expected` (pulls by digest) and Docker-Content-Digest.
    func manifest(_ identifier: String, expected: Digest? = nil) async throws -> FetchedManifest {
        try await retrying("manifest \(identifier)") {
            let response = try await get(url("manifests", identifier), accept: Self.manifestTypes)
            try await check(response, what: "manifest \(identifier)")
            let body: ByteBuffer
            do { body = try await response.body.collect(upTo: 4 << 20) } catch {
                throw RegistryTransportError("reading manifest \(identifier): \(error)")
            }
            let bytes = Array(buffer: body)
            let digest = Digest.of(bytes)
            if let expected, digest != expected {
                throw ImageError.digestMismatch(what: "manifest \(identifier) of \(image)", expected: expected, actual: digest)
            }
            if let header = response.headers.first(name: "Docker-Content-Digest"), let claimed = Digest(header), claimed != digest {
                throw ImageError.digestMismatch(what: "manifest \(identifier) of \(image)", expected: claimed, actual: digest)
            }
            struct Probe: Decodable { var mediaType: String?; var schemaVersion: Int? }
            guard let probe = try? JSONDecoder().decode(Probe.self, from: Data(bytes)) else {
                throw ImageError.pullFailed(image: image, reason: "the manifest \(identifier) from \(reference.registry) is not JSON")
            }
            var type = probe.mediaType
            if type == nil, let header = response.headers.first(name: "Content-Type") {
                type = header.split(separator: ";").first.map { String($0).trimmingCharacters(in: " ") }
            }
            if probe.schemaVersion == 1 {
                throw ImageError.pullFailed(image: image, reason: "\(reference.registry) serves a Docker schema 1 manifest, which is not supported (push it again with a current tool)")
            }
            return FetchedManifest(bytes: bytes, mediaType: type ?? MediaType.ociManifest, digest: digest)
        }
    }

    /// GET /v2/REPO/blobs/DIGEST streamed into the store (verified, then
    /// renamed). `progress` gets byte deltas (negative when a try is undone).
    /// Returns false when the blob was already there.
    @discardableResult
    func download(_ descriptor: Descriptor, into store: ImageStore, what: String,
                  progress: @Sendable (Int64) -> Void = { _ in }) async throws -> Bool {
        if FileIO.exists(store.blobPath(descriptor.digest)) {
            progress(descriptor.size)
            return false
        }
        try await retrying(what) {
            let writer = try BlobWriter(store: store, digest: descriptor.digest)
            var reported: Int64 = 0
            do {
                let response = try await get(url("blobs", descriptor.digest.description))
                try await check(response, what: what)
                do {
                    for try await chunk in response.body {
                        try writer.write(Array(buffer: chunk))
                        if writer.count > descriptor.size {
                            throw ImageError.sizeMismatch(what: what, expected: descriptor.size, actual: writer.count)
                        }
                        progress(Int64(chunk.readableBytes))
                        reported += Int64(chunk.readableBytes)
                    }
                } catch let error as ImageError {
                    throw error
                } catch {
                    throw RegistryTransportError("downloading \(what): \(error)")
                }
                if writer.count < descriptor.size {
                    throw RegistryTransportError("the download of \(what) ended after \(writer.count) of \(descriptor.size) bytes")
                }
                try writer.commit(descriptor, what: what)
            } catch {
                progress(-reported)
                throw error
            }
        }
        return true
    }

    /// Throws for anything but 200: 404 and other refusals as the registry
    /// worded them, 429 and 5xx as retryable.
    func check(_ response: HTTPClientResponse, what: String) async throws {
        let code = Int(response.status.code)
        guard code != 200 else { return }
        let text = await errorText(response)
        let said = text.isEmpty ? "" : ": \(text)"
        if code == 429 || code >= 500 {
            throw RegistryTransportError("\(reference.registry) answered \(code) for \(what)\(said)")
        }
        if code == 404 {
            throw ImageError.pullFailed(image: image, reason: "\(what) not found in \(reference.registry)/\(reference.repository) (404\(said))")
        }
        throw ImageError.pullFailed(image: image, reason: "\(reference.registry) answered \(code) for \(what)\(said)")
    }

    /// Runs `body`, retrying transport failures with exponential back-off.
    func retrying<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        let configuration = client.configuration
        var delay = configuration.initialBackOff
        var attempt = 1
        while true {
            do {
                return try await body()
            } catch let error as RegistryTransportError {
                guard attempt < configuration.attempts else {
                    throw ImageError.pullFailed(image: image, reason: "\(error.description) (gave up after \(attempt) attempts)")
                }
            }
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
            delay *= 2
            attempt += 1
        }
    }
}
