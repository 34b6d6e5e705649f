#if canImport(Glibc)
import Glibc
#endif

/// A failed system call: which call, the errno it returned, and what it was
/// working on (a path, a pid, a namespace), so the message alone tells a user
/// what broke.
public struct SystemError: Error, CustomStringConvertible, Sendable, Equatable, Codable {
    /// The call that failed, such as `mount` or `pivot_root`.
    public var call: String
    /// The errno value.
    public var errno: Int32
    /// What the call was applied to.
    public var context: String

    public init(call: String, errno: Int32, context: String = "") {
        self.call = call
        self.errno = errno
        self.context = context
    }

    /// The C library's text for `errno`.
    public var reason: String { String(cString: strerror(errno)) }

    public var description: String {
        context.isEmpty ? "\(call): \(reason)" : "\(call) \(context): \(reason)"
    }
}

/// Runs a system call, retrying it while it fails with EINTR, and throws a
/// ``SystemError`` naming `call` and `context` when it fails otherwise.
///
/// ```swift
/// try sys("mkdir", path) { mkdir(path, 0o755) }
/// ```
@discardableResult
@inline(__always)
public func sys<T: BinaryInteger>(_ call: String, _ context: @autoclosure () -> String = "", _ body: () -> T) throws -> T {
    while true {
        let result = body()
        if result >= 0 { return result }
        let code = Glibc.errno
        if code == EINTR { continue }
        throw SystemError(call: call, errno: code, context: context())
    }
}

/// Like ``sys(_:_:_:)`` for calls that return a pointer or nil.
@inline(__always)
public func sysPointer<T>(_ call: String, _ context: @autoclosure () -> String = "", _ body: () -> T?) throws -> T {
    while true {
        if let result = body() { return result }
        let code = Glibc.errno
        if code == EINTR { continue }
        throw SystemError(call: call, errno: code, context: context())
    }
}

/// O_PATH (fcntl.h hides it without _GNU_SOURCE): a descriptor that names a
/// file without opening it for I/O.
public let oPath: Int32 = 0o10000000
