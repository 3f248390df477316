#if os(Linux)
    import BatchedUDP
    import EC2Zone
    import Foundation
    import Glibc
    import Logging
    import NIOCore
    import Synchronization

    /// UDP on Linux, below SwiftNIO: one SO_REUSEPORT socket and one thread per core on the listen address, each
    /// thread a plain loop of `recvmmsg`, answer every datagram into a preallocated reply buffer, `sendmmsg`.
    ///
    /// Measured against SwiftNIO's datagram channel (which already batched with `recvmmsg`), this removes per
    /// datagram an `AddressedEnvelope`, two `ByteBuffer`s, the pipeline's dispatch and the event loop's epoll
    /// round: the cost that was left once answers were copied from prebuilt records (see the README's figures).
    /// TCP stays on SwiftNIO.
    final class UDPListener: Sendable {
        let sockets: [BatchedUDPSocket]
        private let running = RunFlag()
        private let finished: [DispatchSemaphore]

        /// Binds `threads` sockets on `address` (the first picks the port when it is 0) and starts a thread for
        /// each.
        init(
            address: SocketAddress, threads: Int, batch: Int, handler: any DNSQueryHandler, metrics: DNSServerMetrics,
            queryLogger: Logger?, rateLimiter: ResponseRateLimiter
        ) throws(UDPSocketError) {
            var sockets: [BatchedUDPSocket] = []
            var target = address
            for _ in 0..<max(1, threads) {
                let socket = try BatchedUDPSocket(
                    bindingTo: target, batch: batch, replySize: WireAnswerer.maxUDPReplyLength)
                target = socket.localAddress
                sockets.append(socket)
            }
            self.sockets = sockets
            finished = sockets.map { _ in DispatchSemaphore(value: 0) }
            for (index, socket) in sockets.enumerated() {
                let done = finished[index]
                let thread = Thread { [running] in
                    var answerer = UDPAnswerer(
                        metered: MeteredAnswerer(
                            handler: handler, metrics: metrics, queryLogger: queryLogger, transport: .udp,
                            rateLimiter: rateLimiter))
                    socket.serve(&answerer) { running.isSet }
                    done.signal()
                }
                thread.name = "fedns-udp-\(index)"
                thread.start()
            }
        }

        /// The address the sockets share.
        var localAddress: SocketAddress { sockets[0].localAddress }

        /// Stops every thread and waits for them; the sockets close when the listener goes.
        func stop() {
            guard running.clear() else { return }
            for socket in sockets { socket.wake() }
            for done in finished { done.wait() }
        }
    }

    /// Whether the threads should go on; cleared once, by `stop`.
    final class RunFlag: Sendable {
        private let value = Atomic(true)

        var isSet: Bool { value.load(ordering: .relaxed) }

        /// Clears the flag; false when it was already clear.
        func clear() -> Bool { value.exchange(false, ordering: .relaxed) }
    }

    /// The DNS side of one socket's loop: each batch answered from one zone and tallied by `MeteredAnswerer`.
    struct UDPAnswerer: DatagramAnswerer {
        var metered: MeteredAnswerer

        mutating func beginBatch(_ datagrams: UnsafeBufferPointer<UnsafeRawBufferPointer>) {
            metered.beginBatch()
            metered.prefetch(answersTo: datagrams)
        }

        mutating func answer(
            _ query: UnsafeRawBufferPointer, from client: DatagramClient, into reply: UnsafeMutableRawBufferPointer
        ) -> Int {
            metered.answer(
                query, client: client.socketAddress,
                network: client.address.withMemoryRebound(to: sockaddr.self, capacity: 1, ResponseRateLimiter.networkKey),
                into: reply
            ).length
        }

        mutating func endBatch() {
            metered.endBatch()
        }

        func transportError() {
            metered.recordTransportError()
        }
    }
#endif
