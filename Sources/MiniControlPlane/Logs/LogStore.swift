public import ClusterLogs
public import Foundation
import GRDB
import Synchronization

/// The cluster's log store: log lines in streams named by their labels (as
/// Loki keeps them), in SQLite with a full-text index (FTS5, trigram
/// tokenizer, case-sensitive), so a query finds the streams by label and
/// the lines by text without reading them all. Retention drops the oldest
/// lines by age and by the database's size.
final class LogStore: Sendable {
    let pool: DatabasePool
    /// Stream ids by their canonical labels, and labels by id (streams are never renamed).
    let streams = Mutex<(ids: [String: Int64], labels: [Int64: [String: String]])>(([:], [:]))

    /// Opens (or creates) the store at `path`.
    public init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: config)
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS streams(id INTEGER PRIMARY KEY, labels TEXT NOT NULL UNIQUE);
                CREATE TABLE IF NOT EXISTS entries(id INTEGER PRIMARY KEY, stream INTEGER NOT NULL, ts INTEGER NOT NULL, line TEXT NOT NULL);
                CREATE INDEX IF NOT EXISTS entries_stream_ts ON entries(stream, ts);
                CREATE INDEX IF NOT EXISTS entries_ts ON entries(ts);
                CREATE VIRTUAL TABLE IF NOT EXISTS entries_text USING fts5(line, content='entries', content_rowid='id', tokenize='trigram case_sensitive 1');
                CREATE TRIGGER IF NOT EXISTS entries_added AFTER INSERT ON entries BEGIN
                    INSERT INTO entries_text(rowid, line) VALUES (new.id, new.line);
                END;
                CREATE TRIGGER IF NOT EXISTS entries_removed AFTER DELETE ON entries BEGIN
                    INSERT INTO entries_text(entries_text, rowid, line) VALUES ('delete', old.id, old.line);
                END;
                """)
        }
        let rows = try pool.read { db in try Row.fetchAll(db, sql: "SELECT id, labels FROM streams") }
        var ids: [String: Int64] = [:]
        var labels: [Int64: [String: String]] = [:]
        for row in rows {
            let id: Int64 = row["id"]
            let text: String = row["labels"]
            ids[text] = id
            labels[id] = LogStream.decodeLabels(text)
        }
        streams.withLock { $0 = (ids, labels) }
    }

    /// Stores the lines of each stream in one transaction; refuses the
    /// whole push (storing nothing) when a stream's labels or a line break a limit.
    public func append(_ pushed: [LogStream]) throws {
        for stream in pushed {
            try LogStream.validate(stream.labels)
            if let long = stream.entries.first(where: { $0.line.utf8.count > LogStream.maxLineBytes }) {
                throw LogRefusal("max entry size '\(LogStream.maxLineBytes)' bytes exceeded for stream '\(LogStream.canonical(stream.labels).prefix(200))' while adding an entry with length '\(long.line.utf8.count)' bytes")
            }
        }
        var created: [(String, Int64, [String: String])] = []
        try pool.write { db in
            created = []
            for stream in pushed where !stream.entries.isEmpty {
                let key = LogStream.canonical(stream.labels)
                var id = streams.withLock { $0.ids[key] }
                if id == nil {
                    try db.execute(sql: "INSERT OR IGNORE INTO streams(labels) VALUES (?)", arguments: [key])
                    id = try Int64.fetchOne(db, sql: "SELECT id FROM streams WHERE labels = ?", arguments: [key])
                    if let id { created.append((key, id, stream.labels)) }
                }
                guard let id else { continue }
                let insert = try db.cachedStatement(sql: "INSERT INTO entries(stream, ts, line) VALUES (?, ?, ?)")
                for e in stream.entries { try insert.execute(arguments: [id, e.timestamp, e.line]) }
            }
        }
        if !created.isEmpty {
            streams.withLock { s in
                for (key, id, labels) in created {
                    s.ids[key] = id
                    s.labels[id] = labels
                }
            }
        }
    }

    /// Which way a query walks time.
    public enum Direction: String, Sendable { case forward, backward }

    /// The lines of the query's streams in `[start, end]` (nanoseconds) that
    /// pass its filters, at most `limit`, grouped by stream; each stream's
    /// lines in `direction` order, streams by their labels.
    public func query(_ q: LogQuery, start: Int64, end: Int64, limit: Int, direction: Direction = .backward) throws -> [LogStream] {
        let selected = streams.withLock { $0.labels }.filter { q.selects($0.value) }
        guard !selected.isEmpty, limit > 0, start <= end else { return [] }
        let ids = selected.keys.sorted()
        // Substrings of 3 characters or more narrow through the trigram index; all filters are checked here again.
        let indexed = q.requiredSubstrings.filter { $0.count >= 3 }
        let match = indexed.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " AND ")
        let order = direction == .backward ? "DESC" : "ASC"
        var found: [Int64: [LogEntry]] = [:]
        var count = 0
        var cursor: (ts: Int64, id: Int64)?
        let chunk = max(limit, 500)
        try pool.read { db in
            while count < limit {
                var sql = "SELECT id, stream, ts, line FROM entries WHERE stream IN (\(ids.map(String.init).joined(separator: ","))) AND ts >= ? AND ts <= ?"
                var args: [any DatabaseValueConvertible] = [start, end]
                if !match.isEmpty {
                    sql += " AND id IN (SELECT rowid FROM entries_text WHERE entries_text MATCH ?)"
                    args.append(match)
                }
                if let cursor {
                    sql += direction == .backward ? " AND (ts < ? OR (ts = ? AND id < ?))" : " AND (ts > ? OR (ts = ? AND id > ?))"
                    args += [cursor.ts, cursor.ts, cursor.id]
                }
                sql += " ORDER BY ts \(order), id \(order) LIMIT \(chunk)"
                let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(args))
                for row in rows {
                    let line: String = row["line"]
                    cursor = (row["ts"], row["id"])
                    guard q.keeps(line) else { continue }
                    found[row["stream"], default: []].append(LogEntry(timestamp: row["ts"], line: line))
                    count += 1
                    if count == limit { break }
                }
                if rows.count < chunk { break }
            }
        }
        return found.map { LogStream(labels: selected[$0.key] ?? [:], entries: $0.value) }
            .sorted { LogStream.canonical($0.labels) < LogStream.canonical($1.labels) }
    }

    /// The label names of streams with lines in `[start, end]`, sorted.
    public func labelNames() -> [String] {
        Set(streams.withLock { $0.labels }.values.flatMap(\.keys)).sorted()
    }

    /// The values one label takes, sorted.
    public func labelValues(_ name: String) -> [String] {
        Set(streams.withLock { $0.labels }.values.compactMap { $0[name] }).sorted()
    }

    /// Drops lines older than `maxAge` seconds, then the oldest lines until
    /// the database is under `maxBytes`; forgets streams left empty.
    /// Returns how many lines went.
    @discardableResult
    public func enforceRetention(maxAge: Double, maxBytes: Int64, now: Date = Date()) throws -> Int {
        let cutoff = Int64((now.timeIntervalSince1970 - maxAge) * 1e9)
        var removed = try pool.write { db -> Int in
            try db.execute(sql: "DELETE FROM entries WHERE ts < ?", arguments: [cutoff])
            return db.changesCount
        }
        for _ in 0..<100 {
            guard try size() > maxBytes else { break }
            let dropped = try pool.write { db -> Int in
                let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM entries") ?? 0
                guard total > 0 else { return 0 }
                try db.execute(sql: "DELETE FROM entries WHERE id IN (SELECT id FROM entries ORDER BY id LIMIT ?)", arguments: [max(1, total / 10)])
                return db.changesCount
            }
            removed += dropped
            if dropped == 0 { break }
        }
        if removed > 0 {
            let gone = try pool.write { db -> [Int64] in
                let ids = try Int64.fetchAll(db, sql: "SELECT id FROM streams WHERE NOT EXISTS (SELECT 1 FROM entries WHERE stream = streams.id)")
                try db.execute(sql: "DELETE FROM streams WHERE NOT EXISTS (SELECT 1 FROM entries WHERE stream = streams.id)")
                return ids
            }
            streams.withLock { s in
                for id in gone {
                    if let labels = s.labels.removeValue(forKey: id) { s.ids.removeValue(forKey: LogStream.canonical(labels)) }
                }
            }
        }
        return removed
    }

    /// The bytes the database's pages take (live ones: what retention measures).
    public func size() throws -> Int64 {
        try pool.read { db in
            let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let free = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            return (pages - free) * pageSize
        }
    }

    /// How many lines are stored.
    public func count() throws -> Int {
        try pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM entries") ?? 0 }
    }
}
