#if canImport(Glibc)
import Glibc
#endif
import CZlib

/// A pull-based byte stream: a file, or gzip inflated on the fly.
protocol ByteReader {
    /// Up to `max` bytes; empty at end of stream.
    mutating func read(max: Int) throws -> ArraySlice<UInt8>
}

extension ByteReader {
    /// Exactly `count` bytes, or fewer only at end of stream.
    mutating func read(exactly count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(count)
        while out.count < count {
            let chunk = try read(max: count - out.count)
            if chunk.isEmpty { break }
            out += chunk
        }
        return out
    }
}

/// Bytes already in memory, read like a stream (tests, fuzzing, small blobs).
struct MemoryReader: ByteReader {
    var bytes: [UInt8]
    var offset = 0

    mutating func read(max: Int) throws -> ArraySlice<UInt8> {
        let end = min(bytes.count, offset + max)
        defer { offset = end }
        return bytes[offset..<end]
    }
}

/// Reads a file descriptor in large chunks, hashing what passes through.
struct FileByteReader: ByteReader {
    let fd: Int32
    var buffer = [UInt8](repeating: 0, count: 256 * 1024)
    var hasher: DigestHasher?

    init(fd: Int32, hashing: Bool = false) {
        self.fd = fd
        hasher = hashing ? DigestHasher() : nil
    }

    mutating func read(max: Int) throws -> ArraySlice<UInt8> {
        let want = min(max, buffer.count)
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, want) }
        if n < 0 { throw ImageError.io("read: \(String(cString: strerror(errno)))") }
        let chunk = buffer[0..<n]
        hasher?.update(chunk)
        return chunk
    }
}

/// zlib's inflate state. zlib keeps a pointer back to its z_stream, so the
/// stream must never move: it lives on the heap, owned by this class.
final class InflateStream {
    let stream: UnsafeMutablePointer<z_stream>

    init() throws {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard czlib_inflate_init(stream) == Z_OK else {
            stream.deallocate()
            throw ImageError.io("zlib: inflateInit failed")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }
}

/// Inflates gzip (or zlib) data from another reader.
struct GzipReader<Source: ByteReader>: ByteReader {
    var source: Source
    let inflater: InflateStream
    var input: [UInt8] = []
    var inputOffset = 0
    var output = [UInt8](repeating: 0, count: 256 * 1024)
    var finished = false
    var started = false

    init(_ source: Source) throws {
        self.source = source
        inflater = try InflateStream()
    }

    mutating func read(max: Int) throws -> ArraySlice<UInt8> {
        let stream = inflater.stream
        while !finished {
            if inputOffset >= input.count {
                input = Array(try source.read(max: 256 * 1024))
                inputOffset = 0
                if input.isEmpty {
                    if started { throw ImageError.io("gzip stream ends early (truncated download?)") }
                    finished = true
                    return []
                }
            }
            started = true
            let want = min(max, output.count)
            var produced = 0
            var rc: Int32 = 0
            var consumed = 0
            input.withUnsafeMutableBufferPointer { inBuf in
                output.withUnsafeMutableBufferPointer { outBuf in
                    stream.pointee.next_in = inBuf.baseAddress! + inputOffset
                    stream.pointee.avail_in = UInt32(inBuf.count - inputOffset)
                    stream.pointee.next_out = outBuf.baseAddress
                    stream.pointee.avail_out = UInt32(want)
                    rc = inflate(stream, Z_NO_FLUSH)
                    consumed = inBuf.count - inputOffset - Int(stream.pointee.avail_in)
                    produced = want - Int(stream.pointee.avail_out)
                }
            }
            inputOffset += consumed
            if rc == Z_STREAM_END {
                // Concatenated gzip members are legal; start the next one if input remains.
                var more = inputOffset < input.count
                if !more { more = !(try peekEnd()) }
                if more {
                    inflateReset(stream)
                } else {
                    finished = true
                }
            } else if rc != Z_OK && rc != Z_BUF_ERROR {
                throw ImageError.io("gzip data is corrupt (zlib error \(rc))")
            }
            if produced > 0 { return output[0..<produced] }
        }
        return []
    }

    /// Whether the source has nothing more (reads ahead into `input`).
    mutating func peekEnd() throws -> Bool {
        input = Array(try source.read(max: 256 * 1024))
        inputOffset = 0
        return input.isEmpty
    }
}

/// Whole-file gzip decompression, for small files such as `/proc/config.gz`.
public enum Gunzip {
    /// The decompressed content of the gzip file at `path`, refusing more than `limit` bytes.
    public static func file(_ path: String, limit: Int = 16 << 20) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ImageError.io("open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var reader = try GzipReader(FileByteReader(fd: fd))
        var out: [UInt8] = []
        while true {
            let chunk = try reader.read(max: 256 * 1024)
            if chunk.isEmpty { return out }
            out += chunk
            if out.count > limit { throw ImageError.io("\(path) inflates to more than \(limit) bytes") }
        }
    }
}
