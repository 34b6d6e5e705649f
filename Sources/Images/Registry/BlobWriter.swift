#if canImport(Glibc)
import Glibc
#endif
import LinuxSystem

/// Writes one blob into the store as it arrives: to a temporary file next to
/// its final name, hashing every byte; ``commit(_:what:)`` checks size and
/// digest, syncs and renames, so the store never holds unverified content.
final class BlobWriter {
    let target: String
    let temporary: String
    let fd: Int32
    var hasher = DigestHasher()
    var committed = false
    var count: Int64 { Int64(hasher.count) }

    init(store: ImageStore, digest: Digest) throws {
        try store.prepare()
        let target = store.blobPath(digest)
        let path = target + ".tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        self.target = target
        temporary = path
        fd = try sys("open", path) { open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600) }
    }

    func write(_ bytes: [UInt8]) throws {
        hasher.update(bytes[...])
        try FileIO.writeAll(fd: fd, bytes, context: temporary)
    }

    /// Verifies against `descriptor` and moves the blob to its name.
    func commit(_ descriptor: Descriptor, what: String) throws {
        let digest = hasher.finalize()
        guard count == descriptor.size else { throw ImageError.sizeMismatch(what: what, expected: descriptor.size, actual: count) }
        guard digest == descriptor.digest else { throw ImageError.digestMismatch(what: what, expected: descriptor.digest, actual: digest) }
        let path = temporary, fd = fd, target = target
        try sys("fdatasync", path) { fdatasync(fd) }
        try sys("rename", path) { rename(path, target) }
        committed = true
    }

    deinit {
        close(fd)
        if !committed { unlink(temporary) }
    }
}

extension ImageStore {
    /// Stores `bytes` (already in memory, e.g. a manifest) as a verified blob.
    func storeBlob(bytes: [UInt8], _ descriptor: Descriptor, what: String) throws {
        if FileIO.exists(blobPath(descriptor.digest)) { return }
        let writer = try BlobWriter(store: self, digest: descriptor.digest)
        try writer.write(bytes)
        try writer.commit(descriptor, what: what)
    }
}
