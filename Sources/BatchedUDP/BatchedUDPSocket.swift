#if os(Linux)
    import CBatchedUDP
    import Glibc
    import NIOCore

    /// What answers the datagrams of one socket, batch by batch. A value type and a generic parameter of
    /// `serve`, so that the whole loop is specialised for it: no existential, no allocation per datagram.
    public protocol DatagramAnswerer {
        /// Before the datagrams of one `recvmmsg` are answered; `datagrams` are the batch's queries, for an
        /// answerer that looks ahead (they stay valid until `endBatch`).
        mutating func beginBatch(_ datagrams: UnsafeBufferPointer<UnsafeRawBufferPointer>)
        /// Writes the reply to `query` (from `client`) into `reply` and returns its length; 0 sends nothing.
        mutating func answer(
            _ query: UnsafeRawBufferPointer, from client: DatagramClient, into reply: UnsafeMutableRawBufferPointer
        ) -> Int
        /// After the batch's replies were handed to `sendmmsg`.
        mutating func endBatch()
        /// A receive or send failed (an ICMP error queued by an earlier send, a full send buffer).
        mutating func transportError()
    }

    /// The source address of a datagram, as the kernel wrote it.
    public struct DatagramClient {
        public let address: UnsafePointer<sockaddr_storage>
        public let length: socklen_t

        /// As a SwiftNIO address, for logs (it allocates: not for every datagram).
        public var socketAddress: SocketAddress? {
            switch Int32(address.pointee.ss_family) {
            case AF_INET:
                return address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) {
                    SocketAddress($0.pointee, host: "")
                }
            case AF_INET6:
                return address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) {
                    SocketAddress($0.pointee, host: "")
                }
            default:
                return nil
            }
        }
    }

    /// A socket could not be opened; says which call failed and why.
    public struct UDPSocketError: Error, CustomStringConvertible {
        public var call: String
        public var code: Int32
        public var description: String { "\(call): \(String(cString: strerror(code)))" }
    }

    /// One UDP socket on a port shared with SO_REUSEPORT (the kernel spreads clients over the sockets of the
    /// port, one per thread), with every buffer one batch needs allocated once: `recvmmsg` fills up to `batch`
    /// query buffers and their source addresses, each query is answered into a reply buffer of its own, and the
    /// replies leave through one `sendmmsg`. Nothing is allocated per datagram; the only system calls are the two
    /// per batch.
    ///
    /// `serve` is driven by one thread; `wake` (from any thread) makes it return.
    public final class BatchedUDPSocket: @unchecked Sendable {
        // @unchecked: the buffers are touched only by the one thread in `serve`; `descriptor` is immutable, and
        // `wake` only calls shutdown(2) on it.

        /// The largest datagram read: queries are small, and anything longer is cut and then fails to parse.
        public static let maxDatagram = 2048

        public let descriptor: Int32
        public let batch: Int
        /// Where the socket is bound (the port the kernel picked, when asked for port 0).
        public let localAddress: SocketAddress
        private let replySize: Int
        private let queries: UnsafeMutableRawPointer
        private let replies: UnsafeMutableRawPointer
        private let addresses: UnsafeMutablePointer<sockaddr_storage>
        private let receiveVectors: UnsafeMutablePointer<iovec>
        private let sendVectors: UnsafeMutablePointer<iovec>
        private let received: UnsafeMutablePointer<fedns_mmsghdr>
        private let outgoing: UnsafeMutablePointer<fedns_mmsghdr>
        /// The received datagrams of the batch under way, as buffers.
        private let datagrams: UnsafeMutablePointer<UnsafeRawBufferPointer>

        /// Binds `address` with SO_REUSEADDR and SO_REUSEPORT (IPv6 only for an IPv6 address, so `0.0.0.0` and
        /// `::` can both be bound) and a 4 MiB receive buffer: room for bursts while the thread is busy (capped by
        /// net.core.rmem_max).
        public init(bindingTo address: SocketAddress, batch: Int, replySize: Int) throws(UDPSocketError) {
            let family = address.protocol == .inet6 ? AF_INET6 : AF_INET
            let descriptor = socket(family, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            guard descriptor >= 0 else { throw UDPSocketError(call: "socket", code: errno) }
            func option(_ level: Int32, _ name: Int32, _ value: Int32, _ label: String) -> UDPSocketError? {
                var value = value
                return setsockopt(descriptor, level, name, &value, socklen_t(MemoryLayout<Int32>.size)) == 0
                    ? nil : UDPSocketError(call: "setsockopt(\(label))", code: errno)
            }
            var failure =
                option(SOL_SOCKET, SO_REUSEADDR, 1, "SO_REUSEADDR") ?? option(SOL_SOCKET, SO_REUSEPORT, 1, "SO_REUSEPORT")
                ?? option(SOL_SOCKET, SO_RCVBUF, 4 << 20, "SO_RCVBUF")
            if failure == nil, family == AF_INET6 {
                failure = option(Int32(IPPROTO_IPV6), IPV6_V6ONLY, 1, "IPV6_V6ONLY")
            }
            if failure == nil {
                // A receive waits at most this long, so a thread notices a stop even if the wake-up is missed.
                var timeout = timeval(tv_sec: 0, tv_usec: 250_000)
                if setsockopt(descriptor, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) != 0 {
                    failure = UDPSocketError(call: "setsockopt(SO_RCVTIMEO)", code: errno)
                }
            }
            if failure == nil,
                address.withSockAddr({ bind(descriptor, $0, socklen_t($1)) }) != 0
            {
                failure = UDPSocketError(call: "bind", code: errno)
            }
            var bound = sockaddr_storage()
            var boundLength = socklen_t(MemoryLayout<sockaddr_storage>.size)
            if failure == nil,
                withUnsafeMutablePointer(to: &bound, {
                    $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &boundLength) }
                }) != 0
            {
                failure = UDPSocketError(call: "getsockname", code: errno)
            }
            if let failure {
                close(descriptor)
                throw failure
            }
            let local = withUnsafePointer(to: &bound) { DatagramClient(address: $0, length: boundLength).socketAddress }

            self.descriptor = descriptor
            self.batch = batch
            self.replySize = replySize
            self.localAddress = local ?? address
            queries = .allocate(byteCount: batch * Self.maxDatagram, alignment: 16)
            replies = .allocate(byteCount: batch * replySize, alignment: 16)
            addresses = .allocate(capacity: batch)
            receiveVectors = .allocate(capacity: batch)
            sendVectors = .allocate(capacity: batch)
            received = .allocate(capacity: batch)
            outgoing = .allocate(capacity: batch)
            datagrams = .allocate(capacity: batch)
            for index in 0..<batch {
                receiveVectors[index] = iovec(iov_base: queries + index * Self.maxDatagram, iov_len: Self.maxDatagram)
                received[index] = fedns_mmsghdr()
                received[index].msg_hdr.msg_iov = receiveVectors + index
                received[index].msg_hdr.msg_iovlen = 1
                received[index].msg_hdr.msg_name = UnsafeMutableRawPointer(addresses + index)
                outgoing[index] = fedns_mmsghdr()
                outgoing[index].msg_hdr.msg_iov = sendVectors + index
                outgoing[index].msg_hdr.msg_iovlen = 1
            }
        }

        deinit {
            close(descriptor)
            queries.deallocate()
            replies.deallocate()
            addresses.deallocate()
            receiveVectors.deallocate()
            sendVectors.deallocate()
            received.deallocate()
            outgoing.deallocate()
            datagrams.deallocate()
        }

        /// Answers datagrams until `keepGoing` returns false (it is asked after every receive, and at least every
        /// 250 ms while idle; `wake` makes a waiting receive return at once).
        public func serve<Answerer: DatagramAnswerer>(_ answerer: inout Answerer, while keepGoing: () -> Bool) {
            while keepGoing() {
                let count = receive()
                guard count > 0 else {
                    if count < 0 { answerer.transportError() }
                    continue
                }
                for index in 0..<count {
                    datagrams[index] = UnsafeRawBufferPointer(
                        start: queries + index * Self.maxDatagram, count: Int(received[index].msg_len))
                }
                answerer.beginBatch(UnsafeBufferPointer(start: datagrams, count: count))
                var replyCount = 0
                for index in 0..<count {
                    let query = datagrams[index]
                    let reply = UnsafeMutableRawBufferPointer(start: replies + replyCount * replySize, count: replySize)
                    let client = DatagramClient(address: addresses + index, length: received[index].msg_hdr.msg_namelen)
                    let length = answerer.answer(query, from: client, into: reply)
                    guard length > 0 else { continue }
                    sendVectors[replyCount] = iovec(iov_base: reply.baseAddress, iov_len: length)
                    outgoing[replyCount].msg_hdr.msg_name = received[index].msg_hdr.msg_name
                    outgoing[replyCount].msg_hdr.msg_namelen = received[index].msg_hdr.msg_namelen
                    replyCount += 1
                }
                send(replyCount, answerer: &answerer)
                answerer.endBatch()
            }
        }

        /// Makes a `serve` waiting in `recvmmsg` return now (for a stop). Linux wakes the receivers of an
        /// unconnected UDP socket on shutdown(2), though the call itself reports ENOTCONN.
        public func wake() {
            _ = shutdown(descriptor, Int32(SHUT_RD))
        }

        /// Waits until at least one datagram is there (or the receive timeout passes), then takes up to `batch`
        /// without waiting for more (MSG_WAITFORONE): a lone query is answered at once, a burst in one pass.
        /// Returns the count, 0 on a timeout or interruption, -1 on an error.
        private func receive() -> Int {
            for index in 0..<batch {
                // The kernel writes each source address's length here: reset it to the room there is.
                received[index].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
            }
            let count = fedns_recvmmsg(descriptor, received, UInt32(batch), fedns_msg_waitforone)
            if count >= 0 { return Int(count) }
            switch errno {
            case EAGAIN, EWOULDBLOCK, EINTR: return 0
            default: return -1  // an error queued by an earlier send (ICMP port unreachable): read again
            }
        }

        /// Sends the first `count` replies; one that cannot be sent (its client gone) is dropped and the rest
        /// still go.
        private func send<Answerer: DatagramAnswerer>(_ count: Int, answerer: inout Answerer) {
            var sent = 0
            while sent < count {
                let result = fedns_sendmmsg(descriptor, outgoing + sent, UInt32(count - sent), 0)
                if result > 0 {
                    sent += Int(result)
                } else if errno != EINTR {
                    answerer.transportError()
                    sent += 1
                }
            }
        }
    }
#endif
