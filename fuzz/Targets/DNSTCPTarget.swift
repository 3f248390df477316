import DNSServer
import DNSWire
import EC2Zone
import NIOCore
import NIOEmbedded

/// `dns-tcp`: a byte stream cut into pieces of random sizes (chosen from the input, so a crash replays) and fed
/// to the server's framing handler on an EmbeddedChannel. The messages it passes on must be exactly those a
/// reference reading of the stream finds, in order; a zero-length frame must close the connection; a message left
/// incomplete must be closed by the partial-message timeout, a complete stream only by the idle timeout. Every
/// message is then answered over TCP and checked like the `dns` target's.
enum DNSTCPTarget {
    static let idle = TimeAmount.seconds(10)
    static let partial = TimeAmount.seconds(2)
    /// Messages answered per input, to keep one execution short.
    static let answeredPerInput = 16

    /// What the stream holds, read the simple way: the messages, whether a zero-length frame ends it, and the
    /// bytes left after the last whole message.
    struct Reference {
        var messages: [[UInt8]] = []
        var endsWithZeroLength = false
        var leftover = 0

        init(_ stream: [UInt8]) {
            var offset = 0
            while stream.count - offset >= 2 {
                let length = Int(stream[offset]) << 8 | Int(stream[offset + 1])
                if length == 0 {
                    endsWithZeroLength = true
                    return
                }
                guard stream.count - offset - 2 >= length else { break }
                messages.append(Array(stream[(offset + 2)..<(offset + 2 + length)]))
                offset += 2 + length
            }
            leftover = stream.count - offset
        }
    }

    /// Keeps what the framing handler passes on.
    final class Collector: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        var messages: [[UInt8]] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            messages.append(Array(unwrapInboundIn(data).readableBytesView))
        }
    }

    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        let stream = Array(input)
        let reference = Reference(stream)
        var random = SplitMix(input)
        let collector = Collector()
        let channel = EmbeddedChannel()
        do {
            try channel.pipeline.syncOperations.addHandlers([
                makeTCPFrameHandler(idleTimeout: idle, partialTimeout: partial), collector,
            ])
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 53)).wait()
        } catch {
            throw InvariantViolation(.dnsTCP, "could not set up the channel: \(error)")
        }
        defer { _ = try? channel.finish() }

        // Pieces of 1 to 64 bytes mostly, sometimes up to 1,500 (a segment), sometimes all that is left.
        var offset = 0
        while offset < stream.count, channel.isActive {
            let size: Int
            switch random.next(in: 0...9) {
            case 0: size = stream.count - offset
            case 1...2: size = random.next(in: 1...1500)
            default: size = random.next(in: 1...64)
            }
            let end = min(stream.count, offset + size)
            do {
                try channel.writeInbound(ByteBuffer(bytes: stream[offset..<end]))
            } catch {
                throw InvariantViolation(.dnsTCP, "writing to the open channel failed: \(error)")
            }
            offset = end
        }

        try check(collector.messages == reference.messages, .dnsTCP,
            "passed on \(collector.messages.count) messages (\(collector.messages.map(\.count))), the stream holds \(reference.messages.count) (\(reference.messages.map(\.count)))")
        if reference.endsWithZeroLength {
            try check(!channel.isActive, .dnsTCP, "a zero-length frame did not close the connection")
        } else {
            try check(channel.isActive, .dnsTCP, "the connection closed on a stream without a zero-length frame")
            if reference.leftover > 0 {
                channel.embeddedEventLoop.advanceTime(by: partial)
                try check(!channel.isActive, .dnsTCP, "an incomplete message of \(reference.leftover) bytes outlived the partial timeout")
            } else {
                channel.embeddedEventLoop.advanceTime(by: idle - .milliseconds(1))
                try check(channel.isActive, .dnsTCP, "a connection with no message in progress closed before the idle timeout")
                channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
                try check(!channel.isActive, .dnsTCP, "an idle connection outlived the idle timeout")
            }
        }

        for (index, message) in reference.messages.prefix(answeredPerInput).enumerated() {
            let zone = FuzzZones.zone(forQueryID: message.count >= 2 ? UInt16(message[0]) << 8 | UInt16(message[1]) : 0)
            let result = message.withUnsafeBytes { bytes in
                Result { () throws(InvariantViolation) in
                    try DNSReplyCheck.answer(bytes, zone: zone, transport: .tcp, rotation: index, target: .dnsTCP)
                }
            }
            try result.get()
        }
    }
}
