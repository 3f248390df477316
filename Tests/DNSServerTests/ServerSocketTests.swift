import DNSWire
import FednsSupport
import Inventory
import Logging
import NIOCore
import NIOPosix
import Testing

@testable import DNSServer
@testable import EC2Zone

/// The transports on real loopback sockets, with the real zone behind them.
@Suite("Server on loopback sockets")
struct ServerSocketTests {
    static let zone = CompiledZone(
        snapshot: Snapshot(instances: (0..<100).map { index in
            Instance(id: "i-\(index)", name: index < 3 ? "web-\(index)" : "crowd", region: "eu-west-1", privateIPv4: ["10.0.0.\(index)"])
        }),
        settings: ZoneOptions())

    func withServer(
        maxConnections: Int = 512, idle: TimeAmount = .seconds(10),
        _ body: (SocketAddress, DNSServer) async throws -> Void
    ) async throws {
        let server = DNSServer(
            settings: DNSServerOptions(
                listen: [try SocketAddress(ipAddress: "127.0.0.1", port: 0)], tcpIdleTimeout: idle,
                tcpMaxConnections: maxConnections),
            handler: ZoneQueryHandler(zone: Self.zone), logger: Logger(label: "test"))
        try await server.start()
        do {
            let address = try #require(server.boundAddresses.first)
            try await body(address, server)
        } catch {
            await server.stop()
            throw error
        }
        await server.stop()
    }

    @Test("UDP and TCP answer on the same port picked for port 0")
    func udpAndTCP() async throws {
        try await withServer { address, _ in
            #expect(address.port != 0)
            let client = DNSClient(server: address)
            let query = Message.query(id: 1, name: DNSName("web-1.ec2"), type: .a)
            let udp = try await client.send(query)
            #expect(udp.answers.map(\.data.presentation) == ["10.0.0.1"])
            let tcp = try await client.send(query, forceTCP: true)
            #expect(tcp.answers.map(\.data.presentation) == ["10.0.0.1"])
        }
    }

    @Test("a truncated UDP answer is retried over TCP by the client")
    func truncationFallback() async throws {
        try await withServer { address, _ in
            let reply = try await DNSClient(server: address).send(
                Message.query(id: 2, name: DNSName("crowd.ec2"), type: .a, edns: nil))
            #expect(!reply.truncated)
            #expect(reply.answers.count == 97)
        }
    }

    @Test("connections beyond the cap are closed at once; the rest keep working")
    func connectionCap() async throws {
        // The held connections stay idle for the whole test, which a loaded machine can stretch past the default
        // 10 s idle timeout (CI once saw the server close one that way): give them an idle limit the test cannot reach.
        try await withServer(maxConnections: 2, idle: .seconds(300)) { address, server in
            let group = MultiThreadedEventLoopGroup.singleton
            var held: [any Channel] = []
            for _ in 0..<2 {
                held.append(try await ClientBootstrap(group: group).connect(to: address).get())
            }
            // Each accepted connection is admitted on its own event loop, so a busy loop could admit the third
            // before the second: wait until the server has admitted both held ones.
            let admitted = ContinuousClock.now + .seconds(10)
            while server.connections.count < 2, ContinuousClock.now < admitted {
                try await Task.sleep(for: .milliseconds(10))
            }
            try #require(server.connections.count == 2)
            let third = try await ClientBootstrap(group: group).connect(to: address).get()
            // The server closes it: the close future completes without us closing it.
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await third.closeFuture.get() }
                tasks.addTask {
                    try await Task.sleep(for: .seconds(5))
                    throw DNSClient.Failure.timedOut(address, .tcp)
                }
                try await tasks.next()
                tasks.cancelAll()
            }
            for channel in held { try await channel.close() }
            // The server counts a connection gone once it has seen the close, which a busy machine can delay: ask
            // until a connection is admitted again (a cap that never frees its places fails here after 10 s).
            let deadline = ContinuousClock.now + .seconds(10)
            var reply: Message?
            while reply == nil {
                reply = try? await DNSClient(server: address).send(
                    Message.query(id: 3, name: DNSName("web-2.ec2"), type: .a), forceTCP: true)
                if reply == nil {
                    guard ContinuousClock.now < deadline else { break }
                    try await Task.sleep(for: .milliseconds(50))
                }
            }
            #expect(reply?.answers.map(\.data.presentation) == ["10.0.0.2"])
        }
    }

    @Test("a second server on the same address fails with a message an operator can act on")
    func addressInUse() async throws {
        try await withServer { address, _ in
            let second = DNSServer(
                settings: DNSServerOptions(listen: [address]), handler: ZoneQueryHandler(zone: Self.zone),
                logger: Logger(label: "test"))
            do {
                try await second.start()
                await second.stop()
                Issue.record("second bind succeeded")
            } catch let error as DNSListenError {
                #expect(error.description.contains("address already in use"))
                #expect(error.description.contains(address.displayText))
            }
        }
    }
}
