/// The gRPC status codes, as a CSI driver returns them (the CSI spec gives
/// each RPC's codes a meaning: `notFound` for an unknown volume,
/// `failedPrecondition` for a volume staged elsewhere, `aborted` for an
/// operation already pending on the volume, …).
public enum CSIStatusCode: Int, Sendable, CustomStringConvertible {
    case ok = 0
    case cancelled = 1
    case unknown = 2
    case invalidArgument = 3
    case deadlineExceeded = 4
    case notFound = 5
    case alreadyExists = 6
    case permissionDenied = 7
    case resourceExhausted = 8
    case failedPrecondition = 9
    case aborted = 10
    case outOfRange = 11
    case unimplemented = 12
    case `internal` = 13
    case unavailable = 14
    case dataLoss = 15
    case unauthenticated = 16

    /// The name gRPC gives the code (`NotFound`, `FailedPrecondition`).
    public var description: String {
        switch self {
        case .ok: "OK"
        case .cancelled: "Canceled"
        case .unknown: "Unknown"
        case .invalidArgument: "InvalidArgument"
        case .deadlineExceeded: "DeadlineExceeded"
        case .notFound: "NotFound"
        case .alreadyExists: "AlreadyExists"
        case .permissionDenied: "PermissionDenied"
        case .resourceExhausted: "ResourceExhausted"
        case .failedPrecondition: "FailedPrecondition"
        case .aborted: "Aborted"
        case .outOfRange: "OutOfRange"
        case .unimplemented: "Unimplemented"
        case .internal: "Internal"
        case .unavailable: "Unavailable"
        case .dataLoss: "DataLoss"
        case .unauthenticated: "Unauthenticated"
        }
    }

    /// Whether the operation ended for good on the driver's side and a retry
    /// needs no cleanup first (upstream's `isFinalError`: everything but
    /// Canceled, DeadlineExceeded, Unavailable, ResourceExhausted and Aborted,
    /// after which the operation may still be running in the driver).
    public var isFinal: Bool {
        switch self {
        case .cancelled, .deadlineExceeded, .unavailable, .resourceExhausted, .aborted: false
        default: true
        }
    }
}

/// A CSI call that failed: the RPC, the driver's endpoint, and the gRPC status
/// code and message the driver (or the transport, for `unavailable`) returned.
public struct CSIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The RPC, as `csi.v1.Node/NodeStageVolume`.
    public var method: String
    /// The driver's socket path.
    public var endpoint: String
    public var code: CSIStatusCode
    public var message: String

    public init(method: String, endpoint: String, code: CSIStatusCode, message: String) {
        self.method = method
        self.endpoint = endpoint
        self.code = code
        self.message = message
    }

    public var description: String {
        "\(method) on \(endpoint) failed: \(rpcDescription)"
    }

    /// `rpc error: code = NotFound desc = …`, as a Go gRPC error reads in upstream's events.
    public var rpcDescription: String { "rpc error: code = \(code) desc = \(message)" }
}
