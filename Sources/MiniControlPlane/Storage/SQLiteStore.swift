import Foundation
import GRDB

/// The embedded store: SQLite in WAL mode with one append-only log table whose
/// row id is the revision (the kine layout). The newest row of a key is its
/// current value; a row with `deleted = 1` is a tombstone. Concurrent writes
/// share transactions (``SQLiteGroupCommit``).
public final class SQLiteStore: Store {
    private let pool: DatabasePool
    private let broadcaster: WatchBroadcaster
    private let groupCommit: SQLiteGroupCommit

    /// Opens (creating if needed) the database file at `path`.
    public init(path: String) throws(StoreError) {
        do {
            var config = Configuration()
            config.prepareDatabase { db in
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                try db.execute(sql: "PRAGMA busy_timeout = 5000")
            }
            let pool = try DatabasePool(path: path, configuration: config)
            try pool.write { db in
                try db.execute(sql: """
                    CREATE TABLE IF NOT EXISTS kine (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        name TEXT NOT NULL,
                        created INTEGER NOT NULL,
                        deleted INTEGER NOT NULL,
                        create_revision INTEGER NOT NULL,
                        value BLOB,
                        old_value BLOB);
                    CREATE INDEX IF NOT EXISTS kine_name_id ON kine (name, id);
                    CREATE TABLE IF NOT EXISTS kine_meta (k TEXT PRIMARY KEY, v INTEGER NOT NULL);
                    """)
                let seq = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'kine'") ?? 0
                if seq == 0 {
                    // Revision 1 marks an initialised store, so resourceVersions start above 0.
                    try db.execute(sql: "INSERT INTO kine (name, created, deleted, create_revision, value) VALUES ('/meta/initialized', 1, 0, 1, x'')")
                }
            }
            let current = try pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'kine'") ?? 0
            }
            self.pool = pool
            let broadcaster = WatchBroadcaster(lastPublished: current)
            self.broadcaster = broadcaster
            groupCommit = SQLiteGroupCommit(pool: pool, broadcaster: broadcaster)
        } catch {
            throw .unavailable("cannot open SQLite database \(path): \(error)")
        }
    }

    private static func wrap<T>(_ body: () async throws -> T) async throws(StoreError) -> T {
        do {
            return try await body()
        } catch let e as StoreError {
            throw e
        } catch {
            throw .unavailable("sqlite: \(error)")
        }
    }

    private struct Latest {
        var id: Int64
        var deleted: Bool
        var createRevision: Int64
        var value: Data
    }

    private static func latest(_ db: Database, _ key: String) throws -> Latest? {
        guard let row = try Row.fetchOne(db, sql: "SELECT id, deleted, create_revision, value FROM kine WHERE name = ? ORDER BY id DESC LIMIT 1", arguments: [key]) else { return nil }
        let id: Int64 = row["id"]
        let created: Int64 = row["create_revision"]
        return Latest(id: id, deleted: (row["deleted"] as Int64) != 0, createRevision: created == 0 ? id : created,
                      value: (row["value"] as Data?) ?? Data())
    }

    /// Runs a write in a transaction (shared with concurrent writes, see
    /// ``SQLiteGroupCommit``) and publishes its event while still holding the
    /// writer, so watchers see events in revision order.
    private func write(_ body: @Sendable @escaping (Database) throws -> StoreEvent) async throws(StoreError) -> StoreEvent {
        try await Self.wrap { try await groupCommit.write(body) }
    }

    public func create(key: String, value: [UInt8]) async throws(StoreError) -> Int64 {
        let e = try await write { db in
            if let cur = try Self.latest(db, key), !cur.deleted { throw StoreError.alreadyExists(key: key) }
            // create_revision 0 means "this row": no second statement per create.
            try db.execute(sql: "INSERT INTO kine (name, created, deleted, create_revision, value) VALUES (?, 1, 0, 0, ?)",
                           arguments: [key, Data(value)])
            let id = db.lastInsertedRowID
            return StoreEvent(kind: .put, key: key, value: value, previousValue: nil, revision: id, created: true)
        }
        return e.revision
    }

    public func update(key: String, value: [UInt8], expectedRevision: Int64) async throws(StoreError) -> Int64 {
        let e = try await write { db in
            guard let cur = try Self.latest(db, key), !cur.deleted else { throw StoreError.notFound(key: key) }
            guard cur.id == expectedRevision else { throw StoreError.conflict(key: key, currentRevision: cur.id) }
            try db.execute(sql: "INSERT INTO kine (name, created, deleted, create_revision, value, old_value) VALUES (?, 0, 0, ?, ?, ?)",
                           arguments: [key, cur.createRevision, Data(value), cur.value])
            return StoreEvent(kind: .put, key: key, value: value, previousValue: [UInt8](cur.value),
                              revision: db.lastInsertedRowID, created: false)
        }
        return e.revision
    }

    public func delete(key: String, expectedRevision: Int64?) async throws(StoreError) -> (revision: Int64, last: StoredValue) {
        let e = try await write { db in
            guard let cur = try Self.latest(db, key), !cur.deleted else { throw StoreError.notFound(key: key) }
            if let expectedRevision, cur.id != expectedRevision {
                throw StoreError.conflict(key: key, currentRevision: cur.id)
            }
            try db.execute(sql: "INSERT INTO kine (name, created, deleted, create_revision, value, old_value) VALUES (?, 0, 1, ?, NULL, ?)",
                           arguments: [key, cur.createRevision, cur.value])
            return StoreEvent(kind: .delete, key: key, value: [UInt8](cur.value), previousValue: [UInt8](cur.value),
                              revision: db.lastInsertedRowID, created: false)
        }
        return (e.revision, StoredValue(key: key, value: e.value, modRevision: e.revision, createRevision: 0))
    }

    public func get(key: String) async throws(StoreError) -> StoredValue? {
        try await Self.wrap {
            try await pool.read { db in
                guard let cur = try Self.latest(db, key), !cur.deleted else { return nil }
                return StoredValue(key: key, value: [UInt8](cur.value), modRevision: cur.id, createRevision: cur.createRevision)
            }
        }
    }

    private static func revisions(_ db: Database) throws -> (current: Int64, compacted: Int64) {
        let current = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'kine'") ?? 0
        let compacted = try Int64.fetchOne(db, sql: "SELECT v FROM kine_meta WHERE k = 'compact_rev'") ?? 0
        return (current, compacted)
    }

    public func list(prefix: String, startAfter: String?, limit: Int, revision: Int64) async throws(StoreError) -> StoreListResult {
        try await Self.wrap {
            try await pool.read { db in
                let (current, compacted) = try Self.revisions(db)
                let rev = revision > 0 ? revision : current
                if rev > current { throw StoreError.futureRevision(requested: rev, current: current) }
                if rev < compacted { throw StoreError.compacted(requested: rev, compactRevision: compacted) }
                let start = startAfter ?? prefix
                let op = startAfter == nil ? ">=" : ">"
                let fetch = limit > 0 ? limit + 1 : -1
                let rows = try Row.fetchAll(db, sql: """
                    SELECT k.id, k.name, CASE k.create_revision WHEN 0 THEN k.id ELSE k.create_revision END AS create_revision, k.value FROM kine k
                    JOIN (SELECT MAX(id) AS mid FROM kine WHERE name \(op) ? AND name < ? AND id <= ? GROUP BY name) m
                      ON k.id = m.mid
                    WHERE k.deleted = 0 ORDER BY k.name LIMIT ?
                    """, arguments: [start, prefixEnd(prefix), rev, fetch])
                var items = rows.map { r in
                    StoredValue(key: r["name"], value: [UInt8]((r["value"] as Data?) ?? Data()),
                                modRevision: r["id"], createRevision: r["create_revision"])
                }
                var more = false
                if limit > 0, items.count > limit {
                    items.removeLast()
                    more = true
                }
                return StoreListResult(items: items, revision: rev, more: more)
            }
        }
    }

    public func watch(prefix: String, afterRevision: Int64) async throws(StoreError) -> AsyncThrowingStream<StoreEvent, any Error> {
        let pool = self.pool
        return try await broadcaster.subscribe(prefix: prefix, after: afterRevision) { upTo throws(StoreError) in
            try await Self.wrap {
                try await pool.read { db in
                    let (_, compacted) = try Self.revisions(db)
                    if afterRevision < compacted {
                        throw StoreError.compacted(requested: afterRevision, compactRevision: compacted)
                    }
                    guard afterRevision < upTo else { return [] }
                    let rows = try Row.fetchAll(db, sql: """
                        SELECT id, name, created, deleted, value, old_value FROM kine
                        WHERE id > ? AND id <= ? AND name >= ? AND name < ? ORDER BY id
                        """, arguments: [afterRevision, upTo, prefix, prefixEnd(prefix)])
                    return rows.map { r in
                        let deleted = (r["deleted"] as Int64) != 0
                        let old = (r["old_value"] as Data?).map { [UInt8]($0) }
                        return StoreEvent(kind: deleted ? .delete : .put, key: r["name"],
                                          value: deleted ? (old ?? []) : [UInt8]((r["value"] as Data?) ?? Data()),
                                          previousValue: old, revision: r["id"], created: (r["created"] as Int64) != 0)
                    }
                }
            }
        }
    }

    public func currentRevision() async throws(StoreError) -> Int64 {
        try await Self.wrap { try await pool.read { db in try Self.revisions(db).current } }
    }

    public func compact(revision: Int64) async throws(StoreError) {
        try await Self.wrap {
            try await pool.write { db in
                let (current, compacted) = try Self.revisions(db)
                let rev = min(revision, current)
                guard rev > compacted else { return }
                try db.execute(sql: """
                    DELETE FROM kine WHERE id <= ? AND id NOT IN (SELECT MAX(id) FROM kine WHERE id <= ? GROUP BY name)
                    """, arguments: [rev, rev])
                try db.execute(sql: "DELETE FROM kine WHERE id <= ? AND deleted = 1", arguments: [rev])
                try db.execute(sql: "INSERT OR REPLACE INTO kine_meta (k, v) VALUES ('compact_rev', ?)", arguments: [rev])
            }
        }
    }

    public func close() async {
        broadcaster.finishAll()
        try? pool.close()
    }
}
