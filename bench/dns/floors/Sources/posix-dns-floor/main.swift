import DNSFloor
import Glibc

// posix-dns-floor --port N [--threads N] [--batch N]: the fixed answer to every datagram, from one thread per
// SO_REUSEPORT socket, each a recvmmsg/sendmmsg loop (BatchedUDPSocket). No event loop, no NIO, no allocation
// per query: the shape of a UDP hot path fedns could adopt (with NIO kept for TCP and everything else).

let options = FloorOptions.fromCommandLine(program: "posix-dns-floor")

// Every socket is bound before any thread starts, so a port in use is said at once.
var sockets: [BatchedUDPSocket] = []
for _ in 0..<options.threads {
    do {
        sockets.append(
            try BatchedUDPSocket(
                host: options.host, port: options.port, batch: options.batch, replySize: FixedAnswer.maxSize))
    } catch {
        print("posix-dns-floor: \(error)")
        exit(1)
    }
}

/// The body of every extra thread: serve the socket handed over (retained) as the argument.
let serveSocket: @convention(c) (UnsafeMutableRawPointer?) -> UnsafeMutableRawPointer? = { argument in
    guard let argument else { return nil }
    Unmanaged<BatchedUDPSocket>.fromOpaque(argument).takeRetainedValue().serve(FixedAnswer.write)
}
for socket in sockets.dropFirst() {
    var thread = pthread_t()
    let result = pthread_create(&thread, nil, serveSocket, Unmanaged.passRetained(socket).toOpaque())
    guard result == 0 else {
        print("posix-dns-floor: pthread_create: \(String(cString: strerror(result)))")
        exit(1)
    }
}
sockets[0].serve(FixedAnswer.write)
