#if os(Linux)
    import BatchedUDP
    import Glibc
    import NIOCore
    import Testing

    /// The batched socket's loop: the datagrams queued when it receives are answered as one batch, in order, and
    /// each reply goes back to its sender through one `sendmmsg`.
    @Suite("Batched UDP socket")
    struct BatchedUDPSocketTests {
        /// Records the order of calls; answers each datagram with its own bytes reversed.
        struct Recorder: DatagramAnswerer {
            var calls: [String] = []

            mutating func beginBatch(_ datagrams: UnsafeBufferPointer<UnsafeRawBufferPointer>) {
                calls.append("begin \(datagrams.map(\.count))")
            }

            mutating func answer(
                _ query: UnsafeRawBufferPointer, from client: DatagramClient, into reply: UnsafeMutableRawBufferPointer
            ) -> Int {
                calls.append("answer \(query.count)")
                for (index, byte) in query.reversed().enumerated() { reply[index] = byte }
                return query.count
            }

            mutating func endBatch() { calls.append("end") }

            mutating func transportError() { calls.append("error") }
        }

        @Test("three queued datagrams: one batch of three answers, each reply back to its sender")
        func oneBatch() throws {
            let server = try BatchedUDPSocket(bindingTo: try SocketAddress(ipAddress: "127.0.0.1", port: 0), batch: 8, replySize: 512)
            let client = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            #expect(client >= 0)
            defer { close(client) }
            var timeout = timeval(tv_sec: 2, tv_usec: 0)
            setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            let datagrams: [[UInt8]] = [[1, 2, 3], [4, 5, 6, 7], [8, 9]]
            // All three are queued before the loop runs, so one `recvmmsg` takes them together.
            for datagram in datagrams {
                let sent = server.localAddress.withSockAddr { address, length in
                    sendto(client, datagram, datagram.count, 0, address, socklen_t(length))
                }
                #expect(sent == datagram.count)
            }
            var recorder = Recorder()
            var batches = 0
            server.serve(&recorder) {
                batches += 1
                return batches == 1
            }
            #expect(recorder.calls == ["begin [3, 4, 2]", "answer 3", "answer 4", "answer 2", "end"])
            for datagram in datagrams {
                var buffer = [UInt8](repeating: 0, count: 64)
                let count = recv(client, &buffer, buffer.count, 0)
                #expect(Array(buffer.prefix(max(count, 0))) == datagram.reversed())
            }
        }
    }
#endif
