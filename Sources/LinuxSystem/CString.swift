#if canImport(Glibc)
import Glibc
#endif

extension String {
    /// The text of a C buffer up to its first NUL (all of it when there is
    /// none), as UTF-8 with invalid bytes repaired: what the kernel and libc
    /// write into `char` arrays (`gethostname`, `getcwd`, the BPF verifier log).
    public init(nulTerminated buffer: [CChar]) {
        self = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
