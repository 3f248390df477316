import Logging
import Synchronization
import Testing

@testable import FederationHTTP

@Suite("Request logger: metadata handed over with each logged line")
struct DeferredMetadataLogHandlerTests {
    /// Records what reaches the wrapped handler.
    struct Recorder: LogHandler {
        let lines: Lines
        var metadata: Logger.Metadata = ["handler": "base"]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            lines.append("\(event.level) \(event.message) \((event.metadata ?? [:]).sorted { $0.key < $1.key })")
        }
    }

    final class Lines: Sendable {
        private let storage = Mutex<[String]>([])
        func append(_ line: String) { storage.withLock { $0.append(line) } }
        var all: [String] { storage.withLock { $0 } }
    }

    @Test("metadata set on the logger reaches the line, explicit metadata wins, levels are the wrapped handler's")
    func metadataAndLevels() {
        let lines = Lines()
        let base = Logger(label: "test") { _ in Recorder(lines: lines) }
        var logger = DeferredMetadataLogHandler.wrapping(base)
        logger[metadataKey: "hb.request.id"] = "42"
        logger[metadataKey: "path"] = "/federation"
        logger.info("request", metadata: ["path": "/stellar.txt"])
        logger.debug("not logged: below the wrapped handler's level")
        #expect(logger.logLevel == .info)
        #expect(lines.all == [#"info request [(key: "hb.request.id", value: 42), (key: "path", value: /stellar.txt)]"#])
        #expect(logger[metadataKey: "hb.request.id"] == "42")
    }
}
