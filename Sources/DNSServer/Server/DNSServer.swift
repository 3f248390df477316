#if os(Linux)
    import BatchedUDP
#endif
import EC2Zone
import FednsSupport
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The authoritative server's transports: UDP and TCP on every configured address.
///
/// UDP is built for packet rate: one socket per thread on the same port (SO_REUSEPORT lets the kernel spread
/// clients over them), `recvmmsg` batches into fixed buffers, replies sent once per batch with `sendmmsg`. On Linux
/// the threads are plain loops below SwiftNIO (`UDPListener`), one per event loop of the group; elsewhere each
/// event loop has a SwiftNIO datagram channel. TCP runs on the group's event loops.
public final class DNSServer: Service, Sendable {
    private let settings: DNSServerOptions
    private let handler: any DNSQueryHandler
    private let group: any EventLoopGroup
    private let logger: Logger
    private let metrics: DNSServerMetrics
    private let queryLogger: Logger?
    private let started = Mutex(false)
    private let channels = Mutex<[any Channel]>([])
    private let udpListeners = Mutex<[UDPListenerHandle]>([])
    private let bound = Mutex<[SocketAddress]>([])
    let connections = ConnectionLimiter()
    /// UDP response rate limiting, shared by every UDP socket; off unless `settings.rateLimit` says otherwise.
    private let rateLimiter: ResponseRateLimiter

    public init(
        settings: DNSServerOptions, handler: any DNSQueryHandler,
        group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger,
        metrics: DNSServerMetrics = DNSServerMetrics(), queryLogger: Logger? = nil
    ) {
        self.settings = settings
        self.handler = handler
        self.group = group
        self.logger = logger
        self.metrics = metrics
        self.queryLogger = queryLogger
        rateLimiter = ResponseRateLimiter(responsesPerSecond: settings.rateLimit, slip: settings.rateLimitSlip)
    }

    /// New response rate limits (a configuration reload), for every UDP listener at once.
    public func configureRateLimit(responsesPerSecond: Int, slip: Int) {
        rateLimiter.configure(responsesPerSecond: responsesPerSecond, slip: slip)
    }

    /// The addresses actually bound (with real ports when port 0 was configured), once `start` returned.
    public var boundAddresses: [SocketAddress] { bound.withLock { $0 } }

    /// Opens every listener, or none: a failure closes what was already open and throws `DNSListenError`.
    /// Calling it again once started does nothing.
    public func start() async throws {
        guard started.withLock({ started in defer { started = true }; return !started }) else { return }
        do {
            for address in settings.listen {
                let listening = try await bindBoth(address)
                bound.withLock { $0.append(listening) }
                logger.info("DNS listening", metadata: ["address": "\(listening.displayText)", "transports": "udp,tcp"])
            }
        } catch {
            await stop()
            throw error
        }
    }

    /// Closes the listeners. Queries are answered synchronously as they are read, so nothing is in flight
    /// beyond replies already written, which the close flushes.
    public func stop() async {
        let listeners = udpListeners.withLock { listeners in
            defer { listeners = [] }
            return listeners
        }
        for listener in listeners { await listener.stop() }
        let open = channels.withLock { channels in
            defer { channels = [] }
            return channels
        }
        for channel in open {
            try? await channel.close()
        }
    }

    /// Runs until graceful shutdown (starting first if `start` was not called), then closes the listeners.
    public func run() async throws {
        try await start()
        try? await gracefulShutdown()
        await stop()
    }

    /// An IPv6 listener serves IPv6 only; IPv4 gets its own listener from its own configured address, so
    /// `0.0.0.0` and `::` can both be listed without colliding.
    private static let v6Only = ChannelOptions.Types.SocketOption(level: .ipv6, name: .init(rawValue: IPV6_V6ONLY))

    /// UDP first, then TCP on the same port. With port 0 the port UDP got may be taken for TCP by someone else:
    /// then both are released and another port is tried.
    private func bindBoth(_ address: SocketAddress) async throws -> SocketAddress {
        let attempts = address.port == 0 ? 10 : 1
        for attempt in 1...attempts {
            let (udpAddress, udp) = try await bindUDP(address)
            do {
                try await bindTCP(udpAddress)
                udpListeners.withLock { $0.append(udp) }
                return udpAddress
            } catch let error as DNSListenError where attempt < attempts && error.isAddressInUse {
                await udp.stop()
            }
        }
        // Unreachable: the last attempt either returned or threw.
        throw DNSListenError(address: address, transport: .tcp, underlying: ChannelError.ioOnClosedChannel)
    }

    /// The UDP listener of one address: `UDPListener` threads on Linux, SwiftNIO channels elsewhere.
    private func bindUDP(_ address: SocketAddress) async throws -> (SocketAddress, UDPListenerHandle) {
        #if os(Linux)
            do {
                let threads = Array(group.makeIterator()).count
                let listener = try UDPListener(
                    address: address, threads: threads, batch: settings.udpBatchSize, handler: handler, metrics: metrics,
                    queryLogger: queryLogger, rateLimiter: rateLimiter)
                return (listener.localAddress, .threads(listener))
            } catch {
                throw DNSListenError(address: address, transport: .udp, underlying: IOError(errnoCode: error.code, reason: error.call))
            }
        #else
            let (bound, opened) = try await bindNIOUDP(address)
            return (bound, .channels(opened))
        #endif
    }

    private func bindNIOUDP(_ address: SocketAddress) async throws -> (SocketAddress, [any Channel]) {
        var target = address
        var first = true
        var opened: [any Channel] = []
        for loop in group.makeIterator() {
            var bootstrap = DatagramBootstrap(group: loop)
                .channelOption(.socketOption(.so_reuseaddr), value: 1)
                .channelOption(ChannelOptions.Types.SocketOption(level: .socket, name: .init(rawValue: SO_REUSEPORT)), value: 1)
                .channelOption(.datagramVectorReadMessageCount, value: settings.udpBatchSize)
                .channelOption(
                    .recvAllocator,
                    value: FixedSizeRecvByteBufferAllocator(capacity: settings.udpBatchSize * DNSServerOptions.maxDatagramSize))
                .channelOption(.maxMessagesPerRead, value: 4)
                // Room for bursts while the loop is busy elsewhere: the kernel default (about 200 KB, a few
                // hundred queries) drops datagrams under load. Capped by net.core.rmem_max.
                .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
                .channelInitializer { [handler, metrics, queryLogger, rateLimiter] channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            UDPQueryHandler(handler: handler, metrics: metrics, queryLogger: queryLogger, rateLimiter: rateLimiter))
                    }
                }
            if target.protocol == .inet6 {
                bootstrap = bootstrap.channelOption(Self.v6Only, value: 1)
            }
            let channel: any Channel
            do {
                channel = try await bootstrap.bind(to: target).get()
            } catch {
                throw DNSListenError(address: target, transport: .udp, underlying: error)
            }
            opened.append(channel)
            if first, let local = channel.localAddress {
                target = local  // later sockets join the same port, including one picked for port 0
                first = false
            }
        }
        return (target, opened)
    }

    private func bindTCP(_ address: SocketAddress) async throws {
        let settings = settings
        var bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            // A client that sends queries but does not read the replies: once this much is waiting to be written,
            // the connection stops reading (BackPressureHandler) until the client catches up, so its replies cannot
            // pile up in memory; the idle timeout then closes it if it never does.
            .childChannelOption(.writeBufferWaterMark, value: ChannelOptions.Types.WriteBufferWaterMark(low: 16 << 10, high: 64 << 10))
            // One read of at most 16 KiB (some 500 pipelined queries) before the write side is looked at again, so
            // a stalled client's replies stop near the water mark rather than several reads later.
            .childChannelOption(.maxMessagesPerRead, value: 1)
            .childChannelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 512, initial: 4096, maximum: 16 << 10))
            .childChannelInitializer { [handler, metrics, connections, queryLogger] channel in
                guard connections.admit(channel, limit: settings.tcpMaxConnections) else {
                    metrics.connectionRefused()
                    return channel.close()
                }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandlers([
                        BackPressureHandler(),
                        TCPFrameHandler(
                            idleTimeout: settings.tcpIdleTimeout, partialTimeout: settings.tcpPartialMessageTimeout),
                        TCPQueryHandler(handler: handler, metrics: metrics, queryLogger: queryLogger),
                    ])
                }
            }
        if address.protocol == .inet6 {
            bootstrap = bootstrap.serverChannelOption(Self.v6Only, value: 1)
        }
        do {
            let channel = try await bootstrap.bind(to: address).get()
            channels.withLock { $0.append(channel) }
        } catch {
            throw DNSListenError(address: address, transport: .tcp, underlying: error)
        }
    }
}

/// How one address's UDP is served, for stopping it.
enum UDPListenerHandle: Sendable {
    #if os(Linux)
        case threads(UDPListener)
    #endif
    case channels([any Channel])

    func stop() async {
        switch self {
        #if os(Linux)
            case .threads(let listener): listener.stop()
        #endif
        case .channels(let channels):
            for channel in channels { try? await channel.close() }
        }
    }
}
