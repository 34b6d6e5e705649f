import Foundation

/// The names kubectl and the API server negotiate for streaming.
public enum StreamProtocol {
    /// Remote command over websocket with the CLOSE signal (kubectl ≥ 1.30's default).
    public static let v5 = "v5.channel.k8s.io"
    /// Remote command with JSON exit statuses (websocket and SPDY).
    public static let v4 = "v4.channel.k8s.io"
    /// Port forwarding (SPDY, and the classic websocket channels).
    public static let portForward = "portforward.k8s.io"
    /// SPDY carried inside websocket binary messages.
    public static let spdyTunnelPrefix = "SPDY/3.1+"
    /// The `Upgrade` token of SPDY.
    public static let spdy = "SPDY/3.1"

    /// Websocket subprotocols we accept for exec and attach, preferred first.
    public static let remoteCommandWebSocket = [v5, v4]
    /// SPDY `X-Stream-Protocol-Version`s we accept for exec and attach.
    public static let remoteCommandSPDY = [v4]
}

/// The channel ids of the websocket remote command protocols.
public enum RemoteChannel: UInt8, Sendable {
    case stdin = 0, stdout = 1, stderr = 2, error = 3, resize = 4
    /// v5: `[255, channel]` half-closes a channel (the client's stdin EOF).
    public static let closeSignal: UInt8 = 255
}

/// Which streams the client asked for (`stdin`/`input`, `stdout`/`output`,
/// `stderr`/`error`, `tty` query parameters).
public struct RemoteCommandOptions: Sendable, Equatable {
    public var stdin: Bool
    public var stdout: Bool
    public var stderr: Bool
    public var tty: Bool

    public init(stdin: Bool = false, stdout: Bool = true, stderr: Bool = true, tty: Bool = false) {
        self.stdin = stdin
        self.stdout = stdout
        self.stderr = stderr
        self.tty = tty
    }

    /// Reads both the API server's names (`stdin`) and the kubelet's (`input`).
    public init(query: [String: [String]]) {
        func flag(_ names: String...) -> Bool {
            names.contains { name in query[name]?.first.map { $0 == "1" || $0 == "true" || $0.isEmpty } ?? false }
        }
        self.init(stdin: flag("stdin", "input"), stdout: flag("stdout", "output"), stderr: flag("stderr", "error"), tty: flag("tty"))
    }

    /// With a terminal, stderr is merged into stdout (it is one pty).
    public var expectsStderrStream: Bool { stderr && !tty }

    /// The SPDY streams the client opens for these options.
    public var spdyStreamTypes: Set<String> {
        var types: Set<String> = ["error"]
        if stdin { types.insert("stdin") }
        if stdout { types.insert("stdout") }
        if expectsStderrStream { types.insert("stderr") }
        if tty { types.insert("resize") }
        return types
    }
}

/// A terminal size from the resize channel (`{"Width":80,"Height":24}`).
public struct TerminalSize: Codable, Equatable, Sendable {
    public var width: UInt16
    public var height: UInt16

    public init(width: UInt16, height: UInt16) {
        self.width = width
        self.height = height
    }

    enum CodingKeys: String, CodingKey {
        case width = "Width", height = "Height"
    }

    /// Splits a byte stream of concatenated JSON objects into sizes; bytes of
    /// an unfinished object stay in `buffer`.
    public static func drain(_ buffer: inout [UInt8]) -> [TerminalSize] {
        var sizes: [TerminalSize] = []
        var depth = 0
        var start: Int?
        for (i, byte) in buffer.enumerated() {
            if byte == UInt8(ascii: "{") {
                if depth == 0 { start = i }
                depth += 1
            } else if byte == UInt8(ascii: "}"), depth > 0 {
                depth -= 1
                if depth == 0, let s = start {
                    if let size = try? JSONDecoder().decode(TerminalSize.self, from: Data(buffer[s...i])) { sizes.append(size) }
                    start = nil
                }
            }
        }
        if let s = start { buffer.removeFirst(s) } else { buffer.removeAll() }
        return sizes
    }
}

/// How a remote command ended, as the error channel reports it (a v4
/// `metav1.Status`): kubectl exits with the code in `details.causes`.
public enum RemoteCommandResult: Sendable, Equatable {
    case success
    /// The process exited with a non-zero code (128 + n when killed by signal n).
    case exitCode(Int32)
    /// The command could not run; the message is shown to the user.
    case failure(String)

    /// The JSON written to the error channel.
    public var statusJSON: [UInt8] {
        func quote(_ s: String) -> String {
            let data = (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8)
            return String(decoding: data, as: UTF8.self)
        }
        switch self {
        case .success:
            return Array(#"{"metadata":{},"status":"Success"}"#.utf8)
        case .exitCode(let code):
            let message = "command terminated with non-zero exit code: exit status \(code)"
            return Array(("{\"metadata\":{},\"status\":\"Failure\",\"message\":\(quote(message)),\"reason\":\"NonZeroExitCode\","
                + "\"details\":{\"causes\":[{\"reason\":\"ExitCode\",\"message\":\"\(code)\"}]}}").utf8)
        case .failure(let message):
            return Array("{\"metadata\":{},\"status\":\"Failure\",\"message\":\(quote(message)),\"reason\":\"InternalError\",\"code\":500}".utf8)
        }
    }
}
