import DNSWire
import EC2Zone
import FednsSupport
import NIOCore
import NIOPosix

/// A one-server DNS client for `fedns lookup` and `fedns doctor`: UDP first, TCP when the answer is truncated
/// (as dig does), with a timeout per attempt.
public struct DNSClient: Sendable {
    public var server: SocketAddress
    public var timeout: TimeAmount
    public var attempts: Int
    private let group: any EventLoopGroup

    public init(
        server: SocketAddress, timeout: TimeAmount = .seconds(2), attempts: Int = 2,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) {
        self.server = server
        self.timeout = timeout
        self.attempts = max(1, attempts)
        self.group = group
    }

    public enum Failure: Error, CustomStringConvertible {
        case timedOut(SocketAddress, DNSTransport)
        case connectionFailed(SocketAddress, any Error)
        case malformedResponse(DNSWireError)
        case mismatchedResponse

        public var description: String {
            switch self {
            case .timedOut(let server, let transport):
                return "no answer from \(server.displayText) over \(transport.rawValue.uppercased())"
            case .connectionFailed(let server, let error): return "cannot reach \(server.displayText): \(error)"
            case .malformedResponse(let error): return "malformed response: \(error)"
            case .mismatchedResponse: return "response does not match the query"
            }
        }
    }

    /// Sends `query` and returns the parsed response. `forceTCP` skips UDP.
    public func send(_ query: Message, forceTCP: Bool = false) async throws -> Message {
        if !forceTCP {
            var lastError: (any Error)?
            for _ in 0..<attempts {
                do {
                    let response = try await exchangeUDP(query)
                    if !response.truncated { return response }
                    lastError = nil
                    break
                } catch let error as Failure {
                    lastError = error
                    if case .timedOut = error { continue }
                    throw error
                }
            }
            if let lastError { throw lastError }
        }
        return try await exchangeTCP(query)
    }

    private func check(_ bytes: ByteBuffer, against query: Message) throws -> Message {
        let response: Message
        do {
            response = try Message(parsing: bytes)
        } catch {
            throw Failure.malformedResponse(error)
        }
        guard response.id == query.id, response.isResponse, response.questions == query.questions || response.questions.isEmpty
        else { throw Failure.mismatchedResponse }
        return response
    }

    private func exchangeUDP(_ query: Message) async throws -> Message {
        let payload = try query.encoded()
        let bindHost = server.protocol == .inet6 ? "::" : "0.0.0.0"
        let channel = try await DatagramBootstrap(group: group)
            .bind(host: bindHost, port: 0) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<AddressedEnvelope<ByteBuffer>, AddressedEnvelope<ByteBuffer>>(
                        wrappingChannelSynchronously: channel)
                }
            }
        let server = server
        return try await withTimeout(.udp) {
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(AddressedEnvelope(remoteAddress: server, data: payload))
                for try await envelope in inbound where envelope.remoteAddress == server {
                    if let response = try? check(envelope.data, against: query) { return response }
                }
                throw Failure.timedOut(server, .udp)
            }
        }
    }

    private func exchangeTCP(_ query: Message) async throws -> Message {
        let payload = try query.encoded()
        var framing = ByteBuffer()
        framing.writeInteger(UInt16(payload.readableBytes))
        framing.writeImmutableBuffer(payload)
        let framed = framing
        let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>
        do {
            channel = try await ClientBootstrap(group: group)
                .connectTimeout(timeout)
                .connect(to: server) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw Failure.connectionFailed(server, error)
        }
        let server = server
        return try await withTimeout(.tcp) {
            try await channel.executeThenClose { inbound, outbound in
                try await outbound.write(framed)
                var received = ByteBuffer()
                for try await var chunk in inbound {
                    received.writeBuffer(&chunk)
                    if let length = received.getInteger(at: received.readerIndex, as: UInt16.self),
                        received.readableBytes >= Int(length) + 2
                    {
                        received.moveReaderIndex(forwardBy: 2)
                        guard let message = received.readSlice(length: Int(length)) else { break }
                        return try check(message, against: query)
                    }
                }
                throw Failure.timedOut(server, .tcp)
            }
        }
    }

    private func withTimeout<T: Sendable>(
        _ transport: DNSTransport, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        let server = server
        let nanoseconds = timeout.nanoseconds
        return try await withThrowingTaskGroup(of: T.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(max(0, nanoseconds)))
                throw Failure.timedOut(server, transport)
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw Failure.timedOut(server, transport) }
            return first
        }
    }
}
