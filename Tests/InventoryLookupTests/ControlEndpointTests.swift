import AWSDiscovery
import EC2Zone
import Foundation
import Inventory
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import Testing

@testable import InventoryLookup

/// A running fedns's control endpoint, played by a real HTTP server on loopback that serves `/v1/instances` the
/// way the server does (the whole document, or the instances `name` and `region` ask for).
final class FakeControlEndpoint: Sendable {
    let document: InventoryDocument
    private let requested = Mutex<[String]>([])
    private let channel: Mutex<(any Channel)?> = Mutex(nil)
    var requests: [String] { requested.withLock { $0 } }

    init(document: InventoryDocument) { self.document = document }

    func start() async throws -> SocketAddress {
        let bootstrap = ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(Handler(endpoint: self))
                }
            }
        let listening = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
        channel.withLock { $0 = listening }
        return try #require(listening.localAddress)
    }

    func stop() async {
        try? await channel.withLock { $0 }?.close()
    }

    func body(for uri: String) throws -> Data {
        requested.withLock { $0.append(uri) }
        var answered = document
        if let query = URLComponents(string: uri)?.queryItems {
            let name = query.first { $0.name == "name" }?.value
            let region = query.first { $0.name == "region" }?.value
            answered.instances = document.instances.filter { instance in
                (name == nil || instance.name == name || instance.id == name) && (region == nil || instance.region == region)
            }
        }
        return try answered.encoded()
    }

    final class Handler: ChannelInboundHandler, Sendable {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let endpoint: FakeControlEndpoint

        init(endpoint: FakeControlEndpoint) { self.endpoint = endpoint }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            guard case .head(let head) = unwrapInboundIn(data) else { return }
            let body = (try? endpoint.body(for: head.uri)) ?? Data()
            var headers = HTTPHeaders([("Content-Type", "application/json"), ("Content-Length", "\(body.count)")])
            headers.add(name: "Connection", value: "close")
            context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
            context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
        }
    }
}

@Suite("InventoryLookup: a running server's control endpoint")
struct ControlEndpointTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    static let instances = [
        Instance(id: "i-web", name: "web-1", region: "eu-west-1", privateIPv4: ["10.0.0.1"]),
        Instance(id: "i-db", name: "db-1", region: "us-east-1", privateIPv4: ["10.0.0.2"]),
    ]

    func options(control: SocketAddress?) -> InventoryLookupOptions {
        InventoryLookupOptions(
            source: .aws(DiscoveryOptions(refresh: RefreshOptions(regions: .list(["eu-west-1"]), snapshotPath: nil))),
            controlAddress: control, zone: ZoneOptions())
    }

    func withEndpoint(loaded: Bool = true, _ body: (FakeControlEndpoint, SocketAddress) async throws -> Void) async throws {
        let endpoint = FakeControlEndpoint(
            document: InventoryDocument(snapshot: Snapshot(instances: Self.instances), loaded: loaded, problems: []))
        let address = try await endpoint.start()
        do {
            try await body(endpoint, address)
        } catch {
            await endpoint.stop()
            throw error
        }
        await endpoint.stop()
    }

    static let awsMustNotBeAsked: InventoryLookup.AWSRead = { _, _ in
        Issue.record("AWS was asked although a server answered")
        throw LookupError(message: "not reached")
    }

    @Test("a running server answers first, with the whole inventory")
    func serverFirst() async throws {
        try await withEndpoint { endpoint, address in
            let result = try await InventoryLookup(
                options: options(control: address), logger: Self.logger, readAWS: Self.awsMustNotBeAsked
            ).fetch()
            guard case .server(let from) = result.origin else {
                Issue.record("expected the server, got \(result.origin)")
                return
            }
            #expect(from == address)
            #expect(Set(result.document.instances.map(\.id)) == ["i-web", "i-db"])
            #expect(!result.isPartial)
            #expect(endpoint.requests == ["/v1/instances"])
        }
    }

    @Test("only: one request per question, merged without repeats, and the result says it is partial")
    func narrowQuestions() async throws {
        try await withEndpoint { endpoint, address in
            let questions = [
                InventoryLookup.InstanceQuery(name: "web-1"), InventoryLookup.InstanceQuery(name: "i-web", region: "eu-west-1"),
                InventoryLookup.InstanceQuery(name: "db 1/x"),
            ]
            let result = try await InventoryLookup(
                options: options(control: address), logger: Self.logger, readAWS: Self.awsMustNotBeAsked
            ).fetch(only: questions)
            #expect(result.isPartial)
            #expect(result.document.instances.map(\.id) == ["i-web"])
            #expect(
                endpoint.requests == [
                    "/v1/instances?name=web-1", "/v1/instances?name=i-web&region=eu-west-1", "/v1/instances?name=db%201%2Fx",
                ])
        }
    }

    @Test("a server that has not loaded an inventory yet is passed over")
    func notLoadedServer() async throws {
        try await withEndpoint(loaded: false) { endpoint, address in
            let result = try await InventoryLookup(
                options: options(control: address), logger: Self.logger,
                readAWS: { _, _ in RefreshReport(snapshot: Snapshot(instances: []), succeeded: []) }
            ).fetch()
            guard case .aws = result.origin else {
                Issue.record("expected AWS, got \(result.origin)")
                return
            }
            #expect(endpoint.requests.count == 1)
        }
    }

    @Test("with the control endpoint off in the configuration, no server is asked")
    func controlOff() async throws {
        try await withEndpoint { endpoint, _ in
            _ = try await InventoryLookup(
                options: options(control: nil), logger: Self.logger,
                readAWS: { _, _ in RefreshReport(snapshot: Snapshot(instances: []), succeeded: []) }
            ).fetch()
            #expect(endpoint.requests.isEmpty)
        }
    }

    @Test("the probe: a listening port accepts, a closed one is refused at once")
    func probe() async throws {
        try await withEndpoint { _, address in
            #expect(TCPProbe.acceptsConnections(address))
        }
        let closed = try SocketAddress(ipAddress: "127.0.0.1", port: 1)
        let started = ContinuousClock.now
        #expect(!TCPProbe.acceptsConnections(closed))
        #expect(ContinuousClock.now - started < .milliseconds(400))
    }
}
