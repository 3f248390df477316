import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

// nio-floor PORT CERTIFICATE KEY: every request gets the fixed reply, written and flushed on the event loop.

final class FixedReplyHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    static let body = ByteBuffer(
        string: #"{"stellar_address":"user1*example.org","account_id":"GAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","memo_type":"id","memo":"1"}"#)
    static let headers: HTTPHeaders = [
        "Content-Type": "application/json; charset=utf-8", "Access-Control-Allow-Origin": "*",
        "Cache-Control": "no-store", "Strict-Transport-Security": "max-age=63072000; includeSubDomains",
        "Content-Length": String(body.readableBytes),
    ]

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .end = unwrapInboundIn(data) else { return }
        let head = HTTPResponseHead(version: .http1_1, status: .ok, headers: Self.headers)
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(Self.body))), promise: nil)
        context.write(wrapOutboundOut(.end(nil)), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }
}

let arguments = CommandLine.arguments
let chain = try NIOSSLCertificate.fromPEMFile(arguments[2])
let key = try NIOSSLPrivateKey(file: arguments[3], format: .pem)
let tls = try NIOSSLContext(
    configuration: .makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key)))
let server = try ServerBootstrap(group: MultiThreadedEventLoopGroup(numberOfThreads: 1))
    .serverChannelOption(.backlog, value: 1024)
    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
    .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls))
            try channel.pipeline.syncOperations.configureHTTPServerPipeline()
            try channel.pipeline.syncOperations.addHandler(FixedReplyHandler())
        }
    }
    .bind(host: "127.0.0.1", port: Int(arguments[1])!).wait()
try server.closeFuture.wait()
