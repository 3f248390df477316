import Logging

/// How log lines are written.
public enum LogFormat: String, Sendable, CaseIterable {
    /// `2026-11-21T10:00:00+0000 info fedns: DNS listening address=127.0.0.1:5353`
    case text
    /// One JSON object per line, for log shippers.
    case json
}

public enum LogSetup {
    /// Installs the process-wide log handler (once, before anything logs) and returns the root logger.
    public static func bootstrap(format: LogFormat, level: Logger.Level) -> Logger {
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler
            switch format {
            case .text: handler = StreamLogHandler.standardError(label: label)
            case .json: handler = JSONLogHandler(label: label)
            }
            handler.logLevel = level
            return handler
        }
        return Logger(label: "fedns")
    }
}
