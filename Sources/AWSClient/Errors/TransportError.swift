/// A request that got no HTTP response at all.
public enum TransportError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No complete response within the request's time limit.
    case timedOut(after: Duration)
    /// The connection could not be made or broke (refused, reset, DNS failure, TLS failure).
    case connectionFailed(String)
    /// The body was larger than the limit this client accepts.
    case responseTooLarge(limit: Int)
    /// The URL could not be turned into a request.
    case invalidURL(String)

    public var description: String {
        switch self {
        case .timedOut(let duration): return "no response within \(duration.secondsText)"
        case .connectionFailed(let detail): return "connection failed: \(detail)"
        case .responseTooLarge(let limit): return "response larger than \(limit) bytes"
        case .invalidURL(let url): return "\"\(url)\" is not a usable http(s) URL"
        }
    }
}

extension Duration {
    /// `1 s`, `0.25 s`: durations as people read them in messages.
    var secondsText: String {
        let (seconds, attoseconds) = components
        if attoseconds == 0 { return "\(seconds) s" }
        let value = Double(seconds) + Double(attoseconds) / 1e18
        return "\((value * 1000).rounded() / 1000) s"
    }
}
