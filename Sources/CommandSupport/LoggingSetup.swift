import ClusterLogs
import Logging

/// The log handler every executable installs: standard error, at `level`
/// (`--log-level`; an unknown name means `info`). Every line also goes to
/// the process's ``ComponentLogTap``, which keeps them only once a log
/// shipper enabled it (the kubelet's, the control plane's log store).
public func bootstrapLogging(level name: String) {
    let level = Logger.Level(rawValue: name) ?? .info
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return TappedLogHandler(label: label, inner: handler)
    }
}
