/// One entry of a tar archive (ustar, with pax and GNU long-name extensions).
struct TarEntry {
    enum Kind {
        case file, hardLink, symlink, charDevice, blockDevice, directory, fifo
    }

    var path: String
    var kind: Kind
    var mode: UInt32
    var uid: UInt32
    var gid: UInt32
    var size: Int64
    var mtime: Int64
    var linkName: String
    var deviceMajor: UInt32
    var deviceMinor: UInt32
    var xattrs: [String: [UInt8]]
}

/// Reads tar entries from a byte stream; file contents are read with
/// ``readContent(_:)`` before asking for the next entry.
struct TarReader<Source: ByteReader> {
    var source: Source
    var remaining: Int64 = 0
    var padding: Int = 0
    let name: String

    init(_ source: Source, name: String) {
        self.source = source
        self.name = name
    }

    /// The next entry, or nil at the end of the archive.
    mutating func next() throws -> TarEntry? {
        try skipContent()
        var pax: [String: String] = [:]
        var longName: String?
        var longLink: String?
        while true {
            let block = try source.read(exactly: 512)
            if block.count < 512 {
                if block.isEmpty { return nil }
                throw ImageError.corruptLayer(layer: name, reason: "truncated tar header")
            }
            if block.allSatisfy({ $0 == 0 }) { return nil }
            try verifyChecksum(block)
            let type = block[156]
            let size = try number(block[124..<136])
            switch type {
            case UInt8(ascii: "x"), UInt8(ascii: "g"):
                let data = try readAll(size)
                if type == UInt8(ascii: "x") { pax.merge(parsePax(data)) { $1 } }
                continue
            case UInt8(ascii: "L"):
                longName = String(decoding: try readAll(size).prefix { $0 != 0 }, as: UTF8.self)
                continue
            case UInt8(ascii: "K"):
                longLink = String(decoding: try readAll(size).prefix { $0 != 0 }, as: UTF8.self)
                continue
            default:
                break
            }
            var path = string(block[0..<100])
            let magic = string(block[257..<263])
            if magic.hasPrefix("ustar") {
                let prefix = string(block[345..<500])
                if !prefix.isEmpty { path = prefix + "/" + path }
            }
            if let longName { path = longName }
            if let p = pax["path"] { path = p }
            var linkName = string(block[157..<257])
            if let longLink { linkName = longLink }
            if let l = pax["linkpath"] { linkName = l }
            let kind: TarEntry.Kind
            switch type {
            case 0, UInt8(ascii: "0"), UInt8(ascii: "7"): kind = path.hasSuffix("/") ? .directory : .file
            case UInt8(ascii: "1"): kind = .hardLink
            case UInt8(ascii: "2"): kind = .symlink
            case UInt8(ascii: "3"): kind = .charDevice
            case UInt8(ascii: "4"): kind = .blockDevice
            case UInt8(ascii: "5"): kind = .directory
            case UInt8(ascii: "6"): kind = .fifo
            default:
                throw ImageError.corruptLayer(layer: name, reason: "unsupported tar entry type '\(Character(UnicodeScalar(type)))' for \(path)")
            }
            var xattrs: [String: [UInt8]] = [:]
            for (key, value) in pax where key.hasPrefix("SCHILY.xattr.") {
                xattrs[String(key.dropFirst(13))] = Array(value.utf8)
            }
            let entrySize = pax["size"].flatMap { Int64($0) } ?? size
            remaining = kind == .file ? entrySize : 0
            padding = kind == .file ? Int((512 - entrySize % 512) % 512) : 0
            if kind != .file && size > 0 {
                // Hard links and others may carry data in odd archives; skip it.
                remaining = size
                padding = Int((512 - size % 512) % 512)
            }
            let headerUID = UInt32(truncatingIfNeeded: try number(block[108..<116]))
            let headerGID = UInt32(truncatingIfNeeded: try number(block[116..<124]))
            let headerMtime = try number(block[136..<148])
            return TarEntry(
                path: path, kind: kind, mode: UInt32(try number(block[100..<108]) & 0o7777),
                uid: pax["uid"].flatMap { UInt32($0) } ?? headerUID,
                gid: pax["gid"].flatMap { UInt32($0) } ?? headerGID,
                size: entrySize,
                mtime: pax["mtime"].flatMap { Double($0) }.map { Int64($0) } ?? headerMtime,
                linkName: linkName,
                deviceMajor: UInt32(truncatingIfNeeded: try number(block[329..<337])),
                deviceMinor: UInt32(truncatingIfNeeded: try number(block[337..<345])),
                xattrs: xattrs)
        }
    }

    /// Reads the current file's content in chunks, passing each to `sink`.
    mutating func readContent(_ sink: (ArraySlice<UInt8>) throws -> Void) throws {
        while remaining > 0 {
            let chunk = try source.read(max: Int(min(remaining, 256 * 1024)))
            if chunk.isEmpty { throw ImageError.corruptLayer(layer: name, reason: "archive ends inside a file") }
            try sink(chunk)
            remaining -= Int64(chunk.count)
        }
        if padding > 0 {
            _ = try source.read(exactly: padding)
            padding = 0
        }
    }

    mutating func skipContent() throws {
        try readContent { _ in }
    }

    mutating func readAll(_ size: Int64) throws -> [UInt8] {
        let data = try source.read(exactly: Int(size))
        guard data.count == Int(size) else { throw ImageError.corruptLayer(layer: name, reason: "truncated tar extension header") }
        let pad = Int((512 - size % 512) % 512)
        if pad > 0 { _ = try source.read(exactly: pad) }
        return data
    }

    func string(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }

    /// Octal, or base-256 when the high bit is set (GNU large numbers).
    func number(_ field: ArraySlice<UInt8>) throws -> Int64 {
        if let first = field.first, first & 0x80 != 0 {
            var v: Int64 = Int64(first & 0x7f)
            for b in field.dropFirst() { v = v << 8 | Int64(b) }
            return v
        }
        let text = string(field).trimmingCharacters(in: " ")
        if text.isEmpty { return 0 }
        guard let v = Int64(text, radix: 8) else {
            throw ImageError.corruptLayer(layer: name, reason: "bad number \"\(text)\" in a tar header")
        }
        return v
    }

    func verifyChecksum(_ block: [UInt8]) throws {
        var sum = 0
        for (i, b) in block.enumerated() { sum += (148..<156).contains(i) ? 32 : Int(b) }
        let stored = try number(block[148..<156])
        guard Int64(sum) == stored else {
            throw ImageError.corruptLayer(layer: name, reason: "tar header checksum mismatch")
        }
    }

    /// pax records: "LEN key=value\n".
    func parsePax(_ data: [UInt8]) -> [String: String] {
        var out: [String: String] = [:]
        var i = 0
        while i < data.count {
            guard let space = data[i...].firstIndex(of: 32), let length = Int(String(decoding: data[i..<space], as: UTF8.self)),
                  length > 0, i + length <= data.count else { break }
            let record = data[(space + 1)..<(i + length - 1)]
            if let eq = record.firstIndex(of: UInt8(ascii: "=")) {
                out[String(decoding: record[..<eq], as: UTF8.self)] = String(decoding: record[(eq + 1)...], as: UTF8.self)
            }
            i += length
        }
        return out
    }
}

extension String {
    func trimmingCharacters(in set: String) -> String {
        var s = Substring(self)
        while let f = s.first, set.contains(f) { s.removeFirst() }
        while let l = s.last, set.contains(l) { s.removeLast() }
        return String(s)
    }
}
