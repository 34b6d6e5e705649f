/// A ``Store`` that keeps the values of the resources an
/// ``EncryptionConfiguration`` names encrypted at rest: values are sealed by
/// the first provider of their resource on the way in, and opened by
/// whichever provider wrote them on the way out, so everything above sees
/// plaintext and the datastore (SQLite or etcd) sees ciphertext.
final class EncryptingStore: Store {
    let base: any Store
    let configuration: EncryptionConfiguration

    init(base: any Store, configuration: EncryptionConfiguration) {
        self.base = base
        self.configuration = configuration
    }

    /// A value as stored.
    func seal(_ key: String, _ value: [UInt8]) throws(StoreError) -> [UInt8] {
        guard let first = configuration.providers(forKey: key)?.first else { return value }
        do {
            return try first.encrypt(value, key: key)
        } catch {
            throw .unavailable("encrypting \(key): \(error)")
        }
    }

    /// A stored value in plaintext.
    func open(_ key: String, _ value: [UInt8]) throws(StoreError) -> [UInt8] {
        guard let providers = configuration.providers(forKey: key) else { return value }
        for p in providers {
            do {
                if let plain = try p.decrypt(value, key: key) { return plain }
            } catch {
                throw .unavailable(error.description)
            }
        }
        // Plaintext (written before encryption was configured) is read only with `identity` listed, as upstream.
        if providers.contains(where: { if case .identity = $0 { return true } else { return false } }),
           !value.starts(with: Array("k8s:enc:".utf8)) {
            return value
        }
        throw .unavailable("\(key): no provider of the encryption configuration can read the stored value; list the key that wrote it (or identity {} for plaintext)")
    }

    func open(_ v: StoredValue) throws(StoreError) -> StoredValue {
        var out = v
        out.value = try open(v.key, v.value)
        return out
    }

    func create(key: String, value: [UInt8]) async throws(StoreError) -> Int64 {
        try await base.create(key: key, value: try seal(key, value))
    }

    func update(key: String, value: [UInt8], expectedRevision: Int64) async throws(StoreError) -> Int64 {
        try await base.update(key: key, value: try seal(key, value), expectedRevision: expectedRevision)
    }

    func delete(key: String, expectedRevision: Int64?) async throws(StoreError) -> (revision: Int64, last: StoredValue) {
        let (revision, last) = try await base.delete(key: key, expectedRevision: expectedRevision)
        return (revision, try open(last))
    }

    func get(key: String) async throws(StoreError) -> StoredValue? {
        guard let v = try await base.get(key: key) else { return nil }
        return try open(v)
    }

    func list(prefix: String, startAfter: String?, limit: Int, revision: Int64) async throws(StoreError) -> StoreListResult {
        var page = try await base.list(prefix: prefix, startAfter: startAfter, limit: limit, revision: revision)
        for i in page.items.indices { page.items[i] = try open(page.items[i]) }
        return page
    }

    func watch(prefix: String, afterRevision: Int64) async throws(StoreError) -> AsyncThrowingStream<StoreEvent, any Error> {
        let events = try await base.watch(prefix: prefix, afterRevision: afterRevision)
        let (stream, continuation) = AsyncThrowingStream<StoreEvent, any Error>.makeStream()
        let task = Task {
            do {
                for try await e in events {
                    var out = e
                    out.value = try open(e.key, e.value)
                    if let previous = e.previousValue { out.previousValue = try open(e.key, previous) }
                    continuation.yield(out)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return stream
    }

    func currentRevision() async throws(StoreError) -> Int64 { try await base.currentRevision() }

    func compact(revision: Int64) async throws(StoreError) { try await base.compact(revision: revision) }

    func close() async { await base.close() }
}
