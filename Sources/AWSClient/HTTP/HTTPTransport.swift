import AsyncHTTPClient
import NIOCore
import NIOHTTP1
import Synchronization

/// The one HTTP client every AWS call goes through (EC2, STS, IMDS, container credentials).
///
/// Responses are read whole: the largest is a DescribeInstances page of a few megabytes. Every request has its
/// own time limit covering connect, headers and body. `shutdown()` must be called once before the last reference
/// goes away, as AsyncHTTPClient requires.
final class HTTPTransport: Sendable {
    struct Request: Sendable {
        var method: HTTPMethod
        var url: String
        var headers: [SigningRequest.Header]
        var body: [UInt8]
        var timeout: Duration
    }

    struct Response: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]
    }

    private let directClient: HTTPClient
    /// A second client for requests that go through `HTTPS_PROXY`: AsyncHTTPClient sets the proxy per client.
    private let proxiedClient: HTTPClient?
    private let proxy: ProxySettings?
    private let maximumResponseBytes: Int
    private let userAgent: String

    /// - Parameter connectionsPerHost: connections kept open to one host; more requests to it queue. AWS has one
    ///   host per region, but an endpoint override (a VPC endpoint, a test's stand-in) puts every region on one.
    init(
        connectTimeout: Duration, proxy: ProxySettings?, maximumResponseBytes: Int, userAgent: String,
        eventLoopGroup: (any EventLoopGroup)? = nil, connectionsPerHost: Int = 8
    ) {
        let eventLoopGroup = eventLoopGroup ?? HTTPClient.defaultEventLoopGroup
        let timeout = HTTPClient.Configuration.Timeout(connect: .nanoseconds(connectTimeout.nanoseconds))
        let pool = HTTPClient.Configuration.ConnectionPool(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: max(1, connectionsPerHost))
        // AWS never redirects query API calls; following one would send signed requests somewhere unexpected.
        directClient = HTTPClient(
            eventLoopGroup: eventLoopGroup,
            configuration: .init(redirectConfiguration: .disallow, timeout: timeout, connectionPool: pool))
        if let proxy {
            proxiedClient = HTTPClient(
                eventLoopGroup: eventLoopGroup,
                configuration: .init(
                    redirectConfiguration: .disallow, timeout: timeout, connectionPool: pool, proxy: proxy.clientProxy))
        } else {
            proxiedClient = nil
        }
        self.proxy = proxy
        self.maximumResponseBytes = maximumResponseBytes
        self.userAgent = userAgent
    }

    func send(_ request: Request) async throws(TransportError) -> Response {
        var outgoing = HTTPClientRequest(url: request.url)
        outgoing.method = request.method
        for header in request.headers { outgoing.headers.add(name: header.name, value: header.value) }
        if !outgoing.headers.contains(name: "User-Agent") { outgoing.headers.add(name: "User-Agent", value: userAgent) }
        if !request.body.isEmpty || request.method == .POST || request.method == .PUT {
            outgoing.body = .bytes(ByteBuffer(bytes: request.body))
        }
        let prepared = outgoing
        let client = client(for: request.url)
        let limit = maximumResponseBytes
        do {
            return try await withTimeLimit(request.timeout) {
                let response = try await client.execute(prepared, timeout: .nanoseconds(request.timeout.nanoseconds))
                let body = try await response.body.collect(upTo: limit)
                return Response(
                    status: Int(response.status.code), headers: response.headers, body: Array(buffer: body))
            }
        } catch {
            throw Self.transportError(error, timeout: request.timeout, limit: limit, url: request.url)
        }
    }

    func shutdown() async throws {
        try await directClient.shutdown()
        try await proxiedClient?.shutdown()
    }

    private func client(for url: String) -> HTTPClient {
        guard let proxiedClient, let proxy, let components = EndpointURL(url), proxy.applies(to: components) else {
            return directClient
        }
        return proxiedClient
    }

    private static func transportError(_ error: any Error, timeout: Duration, limit: Int, url: String) -> TransportError
    {
        switch error {
        case is TimeLimitExceeded:
            return .timedOut(after: timeout)
        case is NIOTooManyBytesError:
            return .responseTooLarge(limit: limit)
        case let error as HTTPClientError:
            if [.deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout].contains(error) {
                return .timedOut(after: timeout)
            }
            if [.invalidURL, .emptyHost, .emptyScheme].contains(error) { return .invalidURL(url) }
            return .connectionFailed(error.description)
        case is CancellationError:
            return .connectionFailed("cancelled")
        default:
            return .connectionFailed(String(describing: error))
        }
    }
}

/// Thrown by `withTimeLimit` when the operation ran out of time.
struct TimeLimitExceeded: Error {}

/// Runs `operation` and cancels it if it has not finished within `limit`, returning at the limit either way.
///
/// AsyncHTTPClient's own deadline stops at the response head; the body can still stall or drip. Racing the whole
/// exchange against a timer gives each request one limit. The caller does not wait for the cancelled operation to
/// wind down: a structured task group would, and a body that keeps dripping (a few bytes now and then, so no read
/// timeout fires) held the refresh until the server stopped sending. Cancelling the operation's task cancels the
/// underlying request.
func withTimeLimit<Value: Sendable>(
    _ limit: Duration, _ operation: @escaping @Sendable () async throws -> Value
) async throws -> Value {
    let race = FirstOutcome<Value>()
    return try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
            let work = Task {
                do {
                    race.finish(.success(try await operation()))
                } catch {
                    race.finish(.failure(error))
                }
            }
            let timer = Task {
                try? await Task.sleep(for: limit)
                race.finish(.failure(TimeLimitExceeded()))
            }
            race.start(continuation) {
                work.cancel()
                timer.cancel()
            }
        }
    } onCancel: {
        race.finish(.failure(CancellationError()))
    }
}

/// The outcome that comes first, of an operation and its timer (or the caller's cancellation): it resumes the
/// continuation once, and the losers are cancelled.
private final class FirstOutcome<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        var cancelLosers: (@Sendable () -> Void)?
        /// An outcome that arrived before the continuation was set.
        var early: Result<Value, any Error>?
        var done = false
    }

    private let state = Mutex(State())

    func start(_ continuation: CheckedContinuation<Value, any Error>, cancelLosers: @escaping @Sendable () -> Void) {
        let early: Result<Value, any Error>? = state.withLock { state in
            if let early = state.early {
                state.early = nil
                return early
            }
            state.continuation = continuation
            state.cancelLosers = cancelLosers
            return nil
        }
        if let early {
            cancelLosers()
            continuation.resume(with: early)
        }
    }

    func finish(_ outcome: Result<Value, any Error>) {
        let (continuation, cancelLosers): (CheckedContinuation<Value, any Error>?, (@Sendable () -> Void)?) = state.withLock { state in
            guard !state.done else { return (nil, nil) }
            state.done = true
            guard let continuation = state.continuation else {
                state.early = outcome
                return (nil, nil)
            }
            defer {
                state.continuation = nil
                state.cancelLosers = nil
            }
            return (continuation, state.cancelLosers)
        }
        cancelLosers?()
        continuation?.resume(with: outcome)
    }
}

extension Duration {
    var nanoseconds: Int64 {
        let (seconds, attoseconds) = components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
