import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A raw, blocking connect with a short deadline: cheaper than an HTTP client for the question "is a server
/// listening here at all?".
enum TCPProbe {
    /// Whether anything accepts TCP at `address` within half a second. No server is the usual case, and on
    /// loopback the refusal is immediate: this skips setting up an HTTP client and its threads for nothing (a few
    /// ms that the companion commands would add before ssh starts). When it cannot tell, the request decides.
    static func acceptsConnections(_ address: SocketAddress, timeoutMilliseconds: Int32 = 500) -> Bool {
        #if canImport(Glibc)
            let kind = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        #else
            let kind = SOCK_STREAM
        #endif
        let descriptor = socket(Int32(address.protocol.rawValue), kind, 0)
        guard descriptor >= 0 else { return true }
        defer { close(descriptor) }
        #if !canImport(Glibc)
            _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) | O_NONBLOCK)
        #endif
        let started = address.withSockAddr { pointer, size in connect(descriptor, pointer, socklen_t(size)) }
        if started == 0 { return true }
        guard errno == EINPROGRESS else { return false }
        var waiting = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        guard poll(&waiting, 1, timeoutMilliseconds) == 1 else { return false }
        var failure: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        guard getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &failure, &length) == 0 else { return true }
        return failure == 0
    }
}
