import Logging

/// Hummingbird sets a request id in its logger's metadata for every request. swift-log's text handler renders its
/// metadata into a string at every such change, a cost each request paid although nothing was logged; this handler
/// keeps the metadata as a dictionary and hands it to the wrapped handler only with a line actually logged.
struct DeferredMetadataLogHandler: LogHandler {
    private var wrapped: any LogHandler
    var metadata: Logger.Metadata = [:]

    /// A logger writing through `logger`'s handler, with metadata kept apart until a line is logged.
    static func wrapping(_ logger: Logger) -> Logger {
        Logger(label: logger.label) { _ in DeferredMetadataLogHandler(wrapped: logger.handler) }
    }

    private init(wrapped: any LogHandler) {
        self.wrapped = wrapped
    }

    var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { wrapped.metadataProvider }
        set { wrapped.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var event = event
        if !metadata.isEmpty {
            event.metadata = metadata.merging(event.metadata ?? [:]) { _, explicit in explicit }
        }
        wrapped.log(event: event)
    }
}
