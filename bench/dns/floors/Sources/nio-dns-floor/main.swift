import DNSFloor
import NIOCore
import NIOPosix

#if canImport(Glibc)
import Glibc
#endif

// nio-dns-floor --port N [--threads N] [--batch N]: the fixed answer to every datagram, on fedns's UDP path
// (Sources/DNSServer/DNSServer.swift, bindUDP, and UDPQueryHandler) with the lookup taken out.

/// Answers each datagram as it is read and flushes once per read burst, as fedns's UDPQueryHandler does.
final class FixedAnswerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private var pendingWrites = false

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var reply = context.channel.allocator.buffer(capacity: FixedAnswer.maxSize)
        let length = reply.writeWithUnsafeMutableBytes(minimumWritableBytes: FixedAnswer.maxSize) { target in
            envelope.data.withUnsafeReadableBytes { query in FixedAnswer.write(answering: query, into: target) }
        }
        guard length > 0 else { return }
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: reply)), promise: nil)
        pendingWrites = true
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if pendingWrites {
            pendingWrites = false
            context.flush()
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // One failed send must not close the socket that serves everyone else.
    }
}

let options = FloorOptions.fromCommandLine(program: "nio-dns-floor")
let group = MultiThreadedEventLoopGroup(numberOfThreads: options.threads)
var channels: [any Channel] = []
for loop in group.makeIterator() {
    // The options fedns sets (DNSServer.bindUDP), with its read size of 2,048 bytes per datagram.
    let bootstrap = DatagramBootstrap(group: loop)
        .channelOption(.socketOption(.so_reuseaddr), value: 1)
        .channelOption(ChannelOptions.Types.SocketOption(level: .socket, name: .init(rawValue: SO_REUSEPORT)), value: 1)
        .channelOption(.datagramVectorReadMessageCount, value: options.batch)
        .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: options.batch * 2048))
        .channelOption(.maxMessagesPerRead, value: 4)
        .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
        .channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(FixedAnswerHandler()) }
        }
    channels.append(try bootstrap.bind(host: options.host, port: options.port).wait())
}
try channels[0].closeFuture.wait()
