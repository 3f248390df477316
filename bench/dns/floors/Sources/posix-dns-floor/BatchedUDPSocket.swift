import CBatchIO
import Glibc

/// A socket could not be opened; says which call failed and why.
struct SocketError: Error, CustomStringConvertible {
    var call: String
    var code: Int32
    var description: String { "\(call): \(String(cString: strerror(code)))" }
}

/// One UDP socket on a port shared with SO_REUSEPORT (the kernel spreads clients over the sockets), and every
/// buffer one batch needs, allocated once: a `recvmmsg` fills up to `batch` query buffers and their source
/// addresses, each query is answered into its own reply buffer, and the replies leave through one `sendmmsg`.
/// Nothing is allocated per datagram; the only system calls are the two per batch.
///
/// Meant to be driven by one thread (`serve` never returns); a server runs one per core.
final class BatchedUDPSocket {
    /// The largest datagram read; anything longer is cut and then fails to parse, as in fedns (2,048).
    static let maxDatagram = 2048

    let descriptor: Int32
    let batch: Int
    private let queries: UnsafeMutableRawBufferPointer
    private let replies: UnsafeMutableRawBufferPointer
    private let replySize: Int
    private let addresses: UnsafeMutablePointer<sockaddr_storage>
    private let receiveVectors: UnsafeMutablePointer<iovec>
    private let sendVectors: UnsafeMutablePointer<iovec>
    private let received: UnsafeMutablePointer<cbatch_mmsghdr>
    private let outgoing: UnsafeMutablePointer<cbatch_mmsghdr>

    /// Binds `host:port` with SO_REUSEADDR and SO_REUSEPORT and a 4 MiB receive buffer (as fedns does: room for
    /// bursts while the thread is busy; capped by net.core.rmem_max).
    init(host: String, port: Int, batch: Int, replySize: Int) throws(SocketError) {
        let descriptor = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard descriptor >= 0 else { throw SocketError(call: "socket", code: errno) }
        var one: Int32 = 1
        var receiveBuffer: Int32 = 4 << 20
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        let failure: SocketError? =
            if setsockopt(descriptor, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size)) != 0 {
                SocketError(call: "setsockopt(SO_REUSEADDR)", code: errno)
            } else if setsockopt(descriptor, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size)) != 0 {
                SocketError(call: "setsockopt(SO_REUSEPORT)", code: errno)
            } else if setsockopt(descriptor, SOL_SOCKET, SO_RCVBUF, &receiveBuffer, socklen_t(MemoryLayout<Int32>.size)) != 0 {
                SocketError(call: "setsockopt(SO_RCVBUF)", code: errno)
            } else if inet_pton(AF_INET, host, &address.sin_addr) != 1 {
                SocketError(call: "inet_pton(\(host))", code: EINVAL)
            } else if withUnsafePointer(to: &address, {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }) != 0 {
                SocketError(call: "bind(\(host):\(port))", code: errno)
            } else {
                nil
            }
        if let failure {
            close(descriptor)
            throw failure
        }

        self.descriptor = descriptor
        self.batch = batch
        self.replySize = replySize
        queries = .allocate(byteCount: batch * Self.maxDatagram, alignment: 16)
        replies = .allocate(byteCount: batch * replySize, alignment: 16)
        addresses = .allocate(capacity: batch)
        receiveVectors = .allocate(capacity: batch)
        sendVectors = .allocate(capacity: batch)
        received = .allocate(capacity: batch)
        outgoing = .allocate(capacity: batch)
        for index in 0..<batch {
            receiveVectors[index] = iovec(
                iov_base: queries.baseAddress.map { $0 + index * Self.maxDatagram }, iov_len: Self.maxDatagram)
            received[index] = cbatch_mmsghdr()
            received[index].msg_hdr.msg_iov = receiveVectors + index
            received[index].msg_hdr.msg_iovlen = 1
            received[index].msg_hdr.msg_name = UnsafeMutableRawPointer(addresses + index)
            outgoing[index] = cbatch_mmsghdr()
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
    }

    /// Answers datagrams until the process ends. `answer` writes the reply to one query into the buffer it is
    /// given and returns its length, or 0 to send nothing.
    func serve(_ answer: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) -> Int) -> Never {
        while true {
            let count = receive()
            var replies = 0
            for index in 0..<count {
                let query = UnsafeRawBufferPointer(
                    start: receiveVectors[index].iov_base, count: Int(received[index].msg_len))
                let reply = UnsafeMutableRawBufferPointer(
                    start: self.replies.baseAddress.map { $0 + replies * replySize }, count: replySize)
                let length = answer(query, reply)
                guard length > 0 else { continue }
                sendVectors[replies] = iovec(iov_base: reply.baseAddress, iov_len: length)
                outgoing[replies].msg_hdr.msg_name = received[index].msg_hdr.msg_name
                outgoing[replies].msg_hdr.msg_namelen = received[index].msg_hdr.msg_namelen
                replies += 1
            }
            send(replies)
        }
    }

    /// Blocks until at least one datagram is there, then takes up to `batch` without waiting for more
    /// (MSG_WAITFORONE), so a lone query is answered at once and a burst is answered in one pass.
    private func receive() -> Int {
        while true {
            for index in 0..<batch {
                // The kernel writes each source address's length here: reset it to the room there is.
                received[index].msg_hdr.msg_namelen = socklen_t(MemoryLayout<sockaddr_storage>.size)
            }
            let count = cbatch_recvmmsg(descriptor, received, UInt32(batch), Int32(MSG_WAITFORONE))
            if count > 0 { return Int(count) }
            // EINTR, or an error queued by an earlier send (ICMP port unreachable): nothing to answer; read again.
        }
    }

    /// Sends the first `count` replies; one that cannot be sent (its client's port closed) is dropped and the
    /// rest still go.
    private func send(_ count: Int) {
        var sent = 0
        while sent < count {
            let result = cbatch_sendmmsg(descriptor, outgoing + sent, UInt32(count - sent), 0)
            if result > 0 {
                sent += Int(result)
            } else if errno != EINTR {
                sent += 1
            }
        }
    }
}
