import Logging
import Synchronization

/// Collects log records so tests can check what was (and was not) logged.
public final class CapturedLogs: Sendable {
    public init() {}

    let lines = Mutex<[String]>([])

    public var logger: Logger {
        var logger = Logger(label: "fedns.test.capture") { _ in CapturingHandler(sink: self) }
        logger.logLevel = .trace
        return logger
    }

    public var all: [String] { lines.withLock { $0 } }

    struct CapturingHandler: LogHandler {
        let sink: CapturedLogs
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            sink.lines.withLock { $0.append("\(event.level) \(event.message) \(merged)") }
        }
    }
}
