import FednsSupport
import Foundation
import Logging
import Synchronization

/// Writes one JSON object per line to standard error:
/// `{"time":"2026-11-21T10:00:00Z","level":"info","logger":"fedns","message":"DNS listening","address":"127.0.0.1:5353"}`.
/// Metadata keys become top-level keys; nested metadata is flattened with dots.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private static let output = Mutex<Void>(())

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit = event.metadata { merged.merge(explicit) { $1 } }
        if let error = event.error { merged["error"] = "\(error)" }
        write(level: event.level, message: event.message, metadata: merged)
    }

    private func write(level: Logger.Level, message: Logger.Message, metadata merged: Logger.Metadata) {
        var fields: [(String, String)] = [
            ("time", ISO8601.format(Date())), ("level", level.rawValue), ("logger", label), ("message", "\(message)"),
        ]
        for (key, value) in flatten(merged).sorted(by: { $0.0 < $1.0 }) where !["time", "level", "logger", "message"].contains(key) {
            fields.append((key, value))
        }
        let line = "{" + fields.map { "\(Self.quote($0.0)):\(Self.quote($0.1))" }.joined(separator: ",") + "}\n"
        Self.output.withLock { _ in
            FileHandle.standardError.write(Data(line.utf8))
        }
    }

    private func flatten(_ metadata: Logger.Metadata, prefix: String = "") -> [(String, String)] {
        metadata.flatMap { key, value -> [(String, String)] in
            let name = prefix.isEmpty ? key : "\(prefix).\(key)"
            switch value {
            case .dictionary(let nested): return flatten(nested, prefix: name)
            default: return [(name, "\(value)")]
            }
        }
    }

    /// A JSON string literal (RFC 8259 §7).
    static func quote(_ text: String) -> String {
        var result = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": result += "\\\""
            case "\\": result += "\\\\"
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "\""
    }
}
