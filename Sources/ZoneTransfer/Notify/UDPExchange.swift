import NIOCore
import NIOPosix

/// One datagram out, the first one back: enough for NOTIFY, which expects a single small reply.
enum UDPExchange {
    struct Timeout: Error {}

    static func send(
        _ message: [UInt8], to address: SocketAddress, timeout: TimeAmount, group: any EventLoopGroup
    ) async throws -> [UInt8] {
        let local = try SocketAddress(ipAddress: address.protocol == .inet6 ? "::" : "0.0.0.0", port: 0)
        let loop = group.next()
        let reply = loop.makePromise(of: [UInt8].self)
        let channel = try await DatagramBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(FirstReply(promise: reply, from: address))
                }
            }
            .bind(to: local).get()
        let deadline = loop.scheduleTask(in: timeout) { reply.fail(Timeout()) }
        defer {
            deadline.cancel()
            channel.close(promise: nil)
        }
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: message))).get()
        return try await reply.futureResult.get()
    }

    /// Completes the promise with the first datagram from the address asked.
    private final class FirstReply: ChannelInboundHandler, Sendable {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        let promise: EventLoopPromise<[UInt8]>
        let from: SocketAddress

        init(promise: EventLoopPromise<[UInt8]>, from: SocketAddress) {
            self.promise = promise
            self.from = from
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard envelope.remoteAddress == from else { return }
            promise.succeed(Array(envelope.data.readableBytesView))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            promise.fail(error)
        }
    }
}
