import CZlib

/// Compresses SPDY/3 header blocks: one zlib stream per direction of a
/// connection, primed with ``SPDYDictionary``, each block ended with a sync
/// flush so the peer can inflate it at once. Not thread-safe: one owner
/// (the session's writer) uses it in frame order.
final class SPDYHeaderCompressor {
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws(StreamingError) {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard czlib_deflate_init(stream, Z_BEST_COMPRESSION) == Z_OK else {
            stream.deallocate()
            throw .compression("deflateInit failed")
        }
        let rc = SPDYDictionary.bytes.withUnsafeBufferPointer { dict in
            deflateSetDictionary(stream, dict.baseAddress, UInt32(dict.count))
        }
        guard rc == Z_OK else {
            deflateEnd(stream)
            stream.deallocate()
            throw .compression("deflateSetDictionary failed (zlib error \(rc))")
        }
    }

    deinit {
        deflateEnd(stream)
        stream.deallocate()
    }

    /// The compressed form of one header block.
    func compress(_ block: [UInt8]) throws(StreamingError) -> [UInt8] {
        var input = block
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var rc: Int32 = Z_OK
        input.withUnsafeMutableBufferPointer { inBuf in
            stream.pointee.next_in = inBuf.baseAddress
            stream.pointee.avail_in = UInt32(inBuf.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.pointee.next_out = outBuf.baseAddress
                    stream.pointee.avail_out = UInt32(outBuf.count)
                    rc = deflate(stream, Z_SYNC_FLUSH)
                }
                out += chunk[0..<(chunk.count - Int(stream.pointee.avail_out))]
            } while rc == Z_OK && stream.pointee.avail_out == 0
            stream.pointee.next_in = nil
        }
        guard rc == Z_OK || rc == Z_BUF_ERROR else { throw .compression("deflate failed (zlib error \(rc))") }
        return out
    }
}

/// Inflates the peer's SPDY/3 header blocks (the counterpart of
/// ``SPDYHeaderCompressor``), supplying the dictionary when zlib asks.
final class SPDYHeaderDecompressor {
    private let stream: UnsafeMutablePointer<z_stream>

    init() throws(StreamingError) {
        stream = UnsafeMutablePointer<z_stream>.allocate(capacity: 1)
        stream.initialize(to: z_stream())
        guard czlib_inflate_init_zlib(stream) == Z_OK else {
            stream.deallocate()
            throw .compression("inflateInit failed")
        }
    }

    deinit {
        inflateEnd(stream)
        stream.deallocate()
    }

    /// The header block that `compressed` holds. At most `limit` bytes.
    func decompress(_ compressed: ArraySlice<UInt8>, limit: Int = 1 << 20) throws(StreamingError) -> [UInt8] {
        var input = Array(compressed)
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        var failure: StreamingError?
        input.withUnsafeMutableBufferPointer { inBuf in
            stream.pointee.next_in = inBuf.baseAddress
            stream.pointee.avail_in = UInt32(inBuf.count)
            while failure == nil {
                var rc: Int32 = Z_OK
                chunk.withUnsafeMutableBufferPointer { outBuf in
                    stream.pointee.next_out = outBuf.baseAddress
                    stream.pointee.avail_out = UInt32(outBuf.count)
                    rc = inflate(stream, Z_SYNC_FLUSH)
                }
                out += chunk[0..<(chunk.count - Int(stream.pointee.avail_out))]
                if rc == Z_NEED_DICT {
                    let set = SPDYDictionary.bytes.withUnsafeBufferPointer { dict in
                        inflateSetDictionary(stream, dict.baseAddress, UInt32(dict.count))
                    }
                    if set != Z_OK { failure = .compression("the peer's header block uses an unknown dictionary") }
                    continue
                }
                if out.count > limit { failure = .protocolViolation("header block inflates to more than \(limit) bytes") }
                if rc == Z_BUF_ERROR || (rc == Z_OK && stream.pointee.avail_in == 0 && stream.pointee.avail_out > 0) { break }
                if rc != Z_OK { failure = .compression("inflate failed (zlib error \(rc))") }
            }
            stream.pointee.next_in = nil
        }
        if let failure { throw failure }
        return out
    }
}
