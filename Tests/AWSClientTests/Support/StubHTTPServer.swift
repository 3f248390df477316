import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A tiny HTTP/1.1 server on a free loopback port, answering with a closure: the stand-in for the instance
/// metadata service, a container credentials endpoint, or a misbehaving EC2 endpoint.
final class StubHTTPServer: Sendable {
    struct Request: Sendable {
        var method: String
        var uri: String
        var headers: HTTPHeaders
        var body: [UInt8]

        var bodyText: String { String(decoding: body, as: UTF8.self) }
        var path: String { String(uri.split(separator: "?", maxSplits: 1).first ?? "") }
        func header(_ name: String) -> String? { headers.first(name: name) }
    }

    enum Reply: Sendable {
        case respond(status: Int, headers: [(String, String)] = [], body: String = "")
        /// Read the request and never answer, like a firewall that drops packets.
        case hang
        /// Close the connection without answering.
        case closeConnection

        static func ok(_ body: String) -> Reply { .respond(status: 200, body: body) }
    }

    typealias Handler = @Sendable (Request) -> Reply

    private let channel: any Channel
    private let received = Mutex<[Request]>([])
    let port: Int

    /// Every request so far, in order of arrival.
    var requests: [Request] { received.withLock { $0 } }
    var baseURL: String { "http://127.0.0.1:\(port)" }

    private init(channel: any Channel, port: Int) {
        self.channel = channel
        self.port = port
    }

    static func start(_ handler: @escaping Handler) async throws -> StubHTTPServer {
        let box = Mutex<StubHTTPServer?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMapThrowing {
                    try channel.pipeline.syncOperations.addHandler(
                        Connection { request in
                            guard let server = box.withLock({ $0 }) else { return .closeConnection }
                            server.received.withLock { $0.append(request) }
                            return handler(request)
                        })
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = StubHTTPServer(channel: channel, port: channel.localAddress?.port ?? 0)
        box.withLock { $0 = server }
        return server
    }

    func stop() async {
        try? await channel.close()
    }

    /// Runs `body` with a started server and always stops it.
    static func with<Result>(
        _ handler: @escaping Handler, _ body: (StubHTTPServer) async throws -> Result
    ) async throws -> Result {
        let server = try await start(handler)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    private final class Connection: ChannelInboundHandler, @unchecked Sendable {
        // Only touched on the channel's event loop.
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let respond: @Sendable (Request) -> Reply
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(_ respond: @escaping @Sendable (Request) -> Reply) {
            self.respond = respond
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(let buffer):
                body += buffer.readableBytesView
            case .end:
                guard let head else { return }
                let request = Request(method: "\(head.method.rawValue)", uri: head.uri, headers: head.headers, body: body)
                switch respond(request) {
                case .hang:
                    return
                case .closeConnection:
                    context.close(promise: nil)
                case .respond(let status, let extraHeaders, let text):
                    var headers = HTTPHeaders(extraHeaders)
                    headers.replaceOrAdd(name: "Content-Length", value: String(text.utf8.count))
                    let responseHead = HTTPResponseHead(
                        version: head.version, status: HTTPResponseStatus(statusCode: status), headers: headers)
                    context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
                    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: text)))), promise: nil)
                    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
                }
            }
        }
    }
}
