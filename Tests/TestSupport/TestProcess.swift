#if canImport(Glibc)
import Glibc
#endif
public import LinuxSystem
import Runtime

/// Runs a command to completion, capturing stdout and stderr, killing it
/// after `timeout` seconds so a hung test fails instead of hanging CI.
///
/// Output goes to memory files rather than pipes and is read once the
/// command exits: `swiftrun create` hands its stdio to the container, which
/// keeps it open long after swiftrun is gone.
public struct TestProcess {
    public struct Result: CustomStringConvertible, Sendable {
        public var status: ExitStatus
        public var stdout: String
        public var stderr: String
        public var code: Int32 { status.shellCode }
        public var description: String { "exit \(code)\nstdout: \(stdout)\nstderr: \(stderr)" }

        public init(status: ExitStatus, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    /// Runs `args` (args[0] is an absolute path). `extraFDs` are placed at 3, 4, …
    public static func run(_ args: [String], env: [String] = ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], stdin: String? = nil,
                    extraFDs: [Int32] = [], timeout: Double = 60) throws -> Result {
        let out = try Descriptors.memoryFile("stdout")
        defer { close(out) }
        let err = try Descriptors.memoryFile("stderr")
        defer { close(err) }
        let (inRead, inWrite) = try Descriptors.pipe("test stdin")
        let inPipe = [inRead, inWrite]
        var fds: [(source: Int32, target: Int32)] = [(inPipe[0], 0), (out, 1), (err, 2)]
        for (i, fd) in extraFDs.enumerated() { fds.append((fd, Int32(3 + i))) }
        let pid = try Spawn.start(Spawn.Request(path: args[0], args: args, env: env, fds: fds))
        close(inPipe[0])
        if let stdin { try? FileIO.writeAll(fd: inPipe[1], Array(stdin.utf8)) }
        close(inPipe[1])
        let status = try waitForExit(pid, timeout: timeout) ?? ExitStatus(signal: SIGKILL)
        func contents(_ fd: Int32) -> String {
            lseek(fd, 0, SEEK_SET)
            return String(decoding: (try? FileIO.readAll(fd: fd)) ?? [], as: UTF8.self)
        }
        return Result(status: status, stdout: contents(out), stderr: contents(err))
    }
}

/// Runs `command` with `/bin/sh -c`, standard error merged into standard
/// output: the exit code (-1 when it could not run) and the output.
public func shell(_ command: String, timeout: Double = 60) -> (Int32, String) {
    guard let result = try? TestProcess.run(["/bin/sh", "-c", command + " 2>&1"], timeout: timeout) else { return (-1, "") }
    return (result.code, result.stdout)
}

/// A test helper's failure, already phrased for the reader of the test log.
public struct TestError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
