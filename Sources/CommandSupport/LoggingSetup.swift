import Logging

/// The log handler every executable installs: standard error, at `level`
/// (`--log-level`; an unknown name means `info`).
public func bootstrapLogging(level name: String) {
    let level = Logger.Level(rawValue: name) ?? .info
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
}
