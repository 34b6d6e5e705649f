#if canImport(Glibc)
import Glibc
#endif
import CRuntimeShims
import LinuxSystem

/// Runs OCI hooks: each hook's path with its args and env, the container
/// state JSON on stdin, its output captured for the error message, and its
/// timeout enforced with SIGKILL.
enum HookRunner {
    static func run(_ hooks: [Spec.Hook], kind: String, state: String) throws {
        for hook in hooks {
            try runOne(hook, kind: kind, state: state)
        }
    }

    static func runOne(_ hook: Spec.Hook, kind: String, state: String) throws {
        var pipeFDs: [Int32] = [0, 0]
        try sys("pipe2", "\(kind) hook stdin") { swr_pipe_cloexec(&pipeFDs) }
        defer { close(pipeFDs[0]) }
        let stateBytes = Array(state.utf8)
        if !stateBytes.isEmpty {
            try? FileIO.writeAll(fd: pipeFDs[1], stateBytes, context: "\(kind) hook stdin")
        }
        close(pipeFDs[1])
        let output = swr_memfd_create("hook-output", 1)
        guard output >= 0 else { throw SystemError(call: "memfd_create", errno: errno, context: "\(kind) hook output") }
        defer { close(output) }

        let pid: Int32
        do {
            pid = try Spawn.start(Spawn.Request(
                path: hook.path, args: hook.args ?? [hook.path], env: hook.env ?? [],
                fds: [(pipeFDs[0], 0), (output, 1), (output, 2)]))
        } catch let error as SystemError {
            throw RuntimeError.hookFailed(kind: kind, path: hook.path, reason: error.reason)
        }
        let status = try waitWithTimeout(pid, seconds: hook.timeout)
        guard let status else {
            throw RuntimeError.hookFailed(kind: kind, path: hook.path, reason: "timed out after \(hook.timeout ?? 0)s and was killed")
        }
        if status.code != 0 {
            lseek(output, 0, SEEK_SET)
            let text = String(decoding: (try? FileIO.readAll(fd: output)) ?? [], as: UTF8.self).trimmingWhitespace()
            let how = status.code.map { "exit status \($0)" } ?? "signal \(status.signal ?? 0)"
            throw RuntimeError.hookFailed(kind: kind, path: hook.path, reason: how + (text.isEmpty ? "" : ": \(String(text.suffix(2000)))"))
        }
    }

    /// Waits for `pid`; after `seconds` (if set) kills it and returns nil.
    static func waitWithTimeout(_ pid: Int32, seconds: Int?) throws -> ExitStatus? {
        guard let seconds, seconds > 0 else { return try waitForExit(pid) }
        return try waitForExit(pid, timeout: Double(seconds))
    }
}
