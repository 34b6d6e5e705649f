#if canImport(Glibc)
import Glibc
#endif

/// This host's name (`gethostname`), as the kernel's UTS namespace has it.
public func currentHostName() -> String {
    var buffer = [CChar](repeating: 0, count: 256)
    guard gethostname(&buffer, buffer.count) == 0 else { return "localhost" }
    return String(nulTerminated: buffer)
}
