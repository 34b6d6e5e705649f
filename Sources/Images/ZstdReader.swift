#if canImport(Glibc)
import Glibc
#endif

/// libzstd's streaming decoder, loaded at run time from Debian's libzstd1
/// (which apt itself depends on, so it is on every Debian host) rather than
/// linked: building needs no libzstd-dev, and a host without the library
/// still pulls gzip images and refuses zstd ones with a clear error.
final class ZstdLibrary: @unchecked Sendable {
    typealias CreateDStream = @convention(c) () -> OpaquePointer?
    typealias FreeDStream = @convention(c) (OpaquePointer?) -> Int
    typealias InitDStream = @convention(c) (OpaquePointer?) -> Int
    typealias DecompressStream = @convention(c) (OpaquePointer?, UnsafeMutableRawPointer, UnsafeMutableRawPointer) -> Int
    typealias IsError = @convention(c) (Int) -> UInt32
    typealias ErrorName = @convention(c) (Int) -> UnsafePointer<CChar>?

    let create: CreateDStream
    let free: FreeDStream
    let initialize: InitDStream
    let decompress: DecompressStream
    let isError: IsError
    let errorName: ErrorName

    /// The library, or nil when libzstd.so.1 is not installed.
    static let shared: ZstdLibrary? = ZstdLibrary()

    private init?() {
        guard let handle = dlopen("libzstd.so.1", RTLD_NOW) ?? dlopen("libzstd.so", RTLD_NOW) else { return nil }
        func symbol<T>(_ name: String, _ type: T.Type) -> T? {
            dlsym(handle, name).map { unsafeBitCast($0, to: T.self) }
        }
        guard let create = symbol("ZSTD_createDStream", CreateDStream.self), let free = symbol("ZSTD_freeDStream", FreeDStream.self),
              let initialize = symbol("ZSTD_initDStream", InitDStream.self),
              let decompress = symbol("ZSTD_decompressStream", DecompressStream.self),
              let isError = symbol("ZSTD_isError", IsError.self), let errorName = symbol("ZSTD_getErrorName", ErrorName.self) else { return nil }
        self.create = create
        self.free = free
        self.initialize = initialize
        self.decompress = decompress
        self.isError = isError
        self.errorName = errorName
    }

    func message(_ code: Int) -> String {
        errorName(code).map { String(cString: $0) } ?? "error \(code)"
    }
}

/// One ZSTD_DStream, freed with its owner.
final class ZstdStream {
    let library: ZstdLibrary
    let stream: OpaquePointer

    init(_ library: ZstdLibrary) throws {
        guard let stream = library.create() else { throw ImageError.io("zstd: cannot create a decompression stream") }
        self.library = library
        self.stream = stream
        _ = library.initialize(stream)
    }

    deinit { _ = library.free(stream) }
}

/// Inflates zstd data from another reader. ZSTD_inBuffer and
/// ZSTD_outBuffer are `{pointer, size_t size, size_t pos}`; they are laid
/// out by hand in raw memory so their C layout is exact.
struct ZstdReader<Source: ByteReader>: ByteReader {
    var source: Source
    let state: ZstdStream
    var input: [UInt8] = []
    var inputOffset = 0
    var output = [UInt8](repeating: 0, count: 256 * 1024)
    /// The last ZSTD_decompressStream result: 0 when a frame just ended.
    var pendingHint = 1
    var started = false

    init(_ source: Source) throws {
        guard let library = ZstdLibrary.shared else {
            throw ImageError.unsupportedMediaType(MediaType.ociLayerZstd, image: "this layer")
        }
        self.source = source
        state = try ZstdStream(library)
    }

    mutating func read(max: Int) throws -> ArraySlice<UInt8> {
        while true {
            if inputOffset >= input.count {
                input = Array(try source.read(max: 256 * 1024))
                inputOffset = 0
                if input.isEmpty {
                    if started && pendingHint != 0 { throw ImageError.io("zstd stream ends early (truncated download?)") }
                    return []
                }
            }
            started = true
            let want = min(max, output.count)
            var produced = 0
            var result = 0
            let library = state.library, stream = state.stream
            input.withUnsafeBufferPointer { inBuf in
                output.withUnsafeMutableBufferPointer { outBuf in
                    let word = MemoryLayout<Int>.size
                    let inRaw = UnsafeMutableRawPointer.allocate(byteCount: 3 * word, alignment: word)
                    let outRaw = UnsafeMutableRawPointer.allocate(byteCount: 3 * word, alignment: word)
                    defer { inRaw.deallocate(); outRaw.deallocate() }
                    inRaw.storeBytes(of: UnsafeRawPointer(inBuf.baseAddress), as: UnsafeRawPointer?.self)
                    inRaw.storeBytes(of: inBuf.count, toByteOffset: word, as: Int.self)
                    inRaw.storeBytes(of: inputOffset, toByteOffset: 2 * word, as: Int.self)
                    outRaw.storeBytes(of: UnsafeMutableRawPointer(outBuf.baseAddress), as: UnsafeMutableRawPointer?.self)
                    outRaw.storeBytes(of: want, toByteOffset: word, as: Int.self)
                    outRaw.storeBytes(of: 0, toByteOffset: 2 * word, as: Int.self)
                    result = library.decompress(stream, outRaw, inRaw)
                    inputOffset = inRaw.load(fromByteOffset: 2 * word, as: Int.self)
                    produced = outRaw.load(fromByteOffset: 2 * word, as: Int.self)
                }
            }
            if library.isError(result) != 0 { throw ImageError.io("zstd data is corrupt: \(library.message(result))") }
            pendingHint = result
            if produced > 0 { return output[0..<produced] }
        }
    }
}
