import ClusterLogs
import Foundation
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
    init(path: String) throws {
        var config = Configuration()
        config.busyMode = .timeout(10)
        pool = try DatabasePool(path: path, configuration: config)
        try pool.write { db in
            try db.execute(sql: """
                CREATE TABLE IF NOT EXISTS streams(id INTEGER PRIMARY KEY AUTOINCREMENT, labels TEXT NOT NULL UNIQUE);
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

    /// The most streams kept (Loki's `max_global_streams_per_user` is 5,000 per tenant; one cluster is one tenant here).
    static let maxStreams = 100_000
    /// How far ahead of the store's clock a line may be dated (Loki's `creation_grace_period`).
    static let maxFuture: Double = 600

    /// Stores the lines of each stream in one transaction; refuses the
    /// whole push (storing nothing) when a stream's labels or a line break a
    /// limit, a line is dated too far ahead or before `oldest` (nanoseconds:
    /// retention would drop it at once), or new streams would pass ``maxStreams``.
    func append(_ pushed: [LogStream], oldest: Int64 = 0, now: Date = Date()) async throws {
        let newest = Int64((now.timeIntervalSince1970 + Self.maxFuture) * 1e9)
        for stream in pushed {
            try LogStream.validate(stream.labels)
            if let long = stream.entries.first(where: { $0.line.utf8.count > LogStream.maxLineBytes }) {
                throw LogRefusal("max entry size '\(LogStream.maxLineBytes)' bytes exceeded for stream '\(LogStream.canonical(stream.labels).prefix(200))' while adding an entry with length '\(long.line.utf8.count)' bytes")
            }
            if let late = stream.entries.first(where: { $0.timestamp > newest }) {
                throw LogRefusal("entry for stream '\(LogStream.canonical(stream.labels).prefix(200))' has timestamp too new: \(late.timestamp)")
            }
            if let old = stream.entries.first(where: { $0.timestamp < oldest }) {
                throw LogRefusal("entry for stream '\(LogStream.canonical(stream.labels).prefix(200))' has timestamp too old: \(old.timestamp), oldest acceptable timestamp is: \(oldest)")
            }
        }
        try await pool.write { db in
            for stream in pushed where !stream.entries.isEmpty {
                let key = LogStream.canonical(stream.labels)
                // Looked up and added inside the write, which retention's removals also take: never a stale id.
                var id = self.streams.withLock { $0.ids[key] }
                if id == nil {
                    guard self.streams.withLock({ $0.ids.count }) < Self.maxStreams else {
                        throw LogRefusal("Maximum active stream limit exceeded, reduce the number of active streams (reduce labels or reduce label values), or contact your administrator to see if the limit can be increased (\(Self.maxStreams))")
                    }
                    try db.execute(sql: "INSERT OR IGNORE INTO streams(labels) VALUES (?)", arguments: [key])
                    id = try Int64.fetchOne(db, sql: "SELECT id FROM streams WHERE labels = ?", arguments: [key])
                    if let id {
                        self.streams.withLock { s in
                            s.ids[key] = id
                            s.labels[id] = stream.labels
                        }
                    }
                }
                guard let id else { continue }
                let insert = try db.cachedStatement(sql: "INSERT INTO entries(stream, ts, line) VALUES (?, ?, ?)")
                for e in stream.entries { try insert.execute(arguments: [id, e.timestamp, e.line]) }
            }
        }
    }

    /// Which way a query walks time.
    public enum Direction: String, Sendable { case forward, backward }

    /// The most bytes of lines one query answers (Loki's `max_query_bytes_read` is larger; ours fits the API server's memory).
    static let maxAnswerBytes = 32 << 20
    /// The most rows one query reads before it stops (its work, whatever the filters keep).
    static let maxRowsRead = 2_000_000

    /// The lines of the query's streams in `[start, end]` (nanoseconds) that
    /// pass its filters, at most `limit` (and ``maxAnswerBytes``), grouped by
    /// stream; each stream's lines in `direction` order, streams by their labels.
    /// Reads run on the database's own threads, one statement walked by a
    /// cursor, at most ``maxRowsRead`` rows.
    func query(_ q: LogQuery, start: Int64, end: Int64, limit: Int, direction: Direction = .backward) async throws -> [LogStream] {
        let selected = streams.withLock { $0.labels }.filter { q.selects($0.value) }
        guard !selected.isEmpty, limit > 0, start <= end else { return [] }
        let ids = selected.keys.sorted()
        // Substrings of 3 characters or more narrow through the trigram index; all filters are checked here again.
        let indexed = q.requiredSubstrings.filter { $0.count >= 3 }
        let match = indexed.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " AND ")
        let order = direction == .backward ? "DESC" : "ASC"
        let sql = "SELECT id, stream, ts, line FROM entries WHERE stream IN (\(ids.map(String.init).joined(separator: ","))) AND ts >= ? AND ts <= ?"
            + (match.isEmpty ? "" : " AND id IN (SELECT rowid FROM entries_text WHERE entries_text MATCH ?)")
            + " ORDER BY ts \(order), id \(order)"
        let found = try await pool.read { db -> [Int64: [LogEntry]] in
            var found: [Int64: [LogEntry]] = [:]
            var count = 0, bytes = 0, read = 0
            var args: [any DatabaseValueConvertible] = [start, end]
            if !match.isEmpty { args.append(match) }
            let rows = try Row.fetchCursor(db, sql: sql, arguments: StatementArguments(args))
            while let row = try rows.next() {
                read += 1
                if read > Self.maxRowsRead { break }
                let line: String = row["line"]
                guard q.keeps(line) else { continue }
                found[row["stream"], default: []].append(LogEntry(timestamp: row["ts"], line: line))
                count += 1
                bytes += line.utf8.count
                if count >= limit || bytes >= Self.maxAnswerBytes { break }
            }
            return found
        }
        return found.map { LogStream(labels: selected[$0.key] ?? [:], entries: $0.value) }
            .sorted { LogStream.canonical($0.labels) < LogStream.canonical($1.labels) }
    }

    /// The label names of the streams kept, sorted.
    func labelNames() -> [String] {
        Set(streams.withLock { $0.labels }.values.flatMap(\.keys)).sorted()
    }

    /// The values one label takes, sorted.
    func labelValues(_ name: String) -> [String] {
        Set(streams.withLock { $0.labels }.values.compactMap { $0[name] }).sorted()
    }

    /// Drops lines older than `maxAge` seconds, then the oldest lines until
    /// the database is under `maxBytes`; forgets streams left empty (inside
    /// the same write, so an append never uses a stream id just removed).
    /// Returns how many lines went.
    @discardableResult
    func enforceRetention(maxAge: Double, maxBytes: Int64, now: Date = Date()) async throws -> Int {
        let cutoff = LokiAPI.clamp(now.timeIntervalSince1970 - maxAge)
        var removed = try await pool.write { db -> Int in
            try db.execute(sql: "DELETE FROM entries WHERE ts < ?", arguments: [cutoff])
            return db.changesCount
        }
        // By size: the share of lines over the budget (oldest first, by time), at most a few passes.
        for _ in 0..<5 {
            let size = try await size()
            guard size > maxBytes else { break }
            let dropped = try await pool.write { db -> Int in
                let total = try Int.fetchOne(db, sql: "SELECT count(*) FROM entries") ?? 0
                guard total > 0 else { return 0 }
                let share = min(1, Double(size - maxBytes) / Double(size) + 0.05)
                try db.execute(sql: "DELETE FROM entries WHERE id IN (SELECT id FROM entries ORDER BY ts, id LIMIT ?)",
                               arguments: [max(1, Int(Double(total) * share))])
                let n = db.changesCount
                // The index's deletions are tombstones until its segments merge.
                try db.execute(sql: "INSERT INTO entries_text(entries_text) VALUES ('optimize')")
                return n
            }
            removed += dropped
            if dropped == 0 { break }
        }
        if removed > 0 {
            try await pool.write { db in
                let gone = try Int64.fetchAll(db, sql: "SELECT id FROM streams WHERE NOT EXISTS (SELECT 1 FROM entries WHERE stream = streams.id)")
                try db.execute(sql: "DELETE FROM streams WHERE NOT EXISTS (SELECT 1 FROM entries WHERE stream = streams.id)")
                self.streams.withLock { s in
                    for id in gone {
                        if let labels = s.labels.removeValue(forKey: id) { s.ids.removeValue(forKey: LogStream.canonical(labels)) }
                    }
                }
            }
        }
        return removed
    }

    /// The bytes the database's pages take (live ones: what retention measures).
    func size() async throws -> Int64 {
        try await pool.read { db in
            let pages = try Int64.fetchOne(db, sql: "PRAGMA page_count") ?? 0
            let free = try Int64.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0
            let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
            return (pages - free) * pageSize
        }
    }

    /// How many lines are stored.
    func count() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM entries") ?? 0 }
    }
}
