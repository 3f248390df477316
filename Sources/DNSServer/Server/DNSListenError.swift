import EC2Zone
import FednsSupport
import NIOCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A listener that could not be opened, said in a way an operator can act on.
public struct DNSListenError: Error, CustomStringConvertible {
    public var address: SocketAddress
    public var transport: DNSTransport
    public var underlying: any Error

    var isAddressInUse: Bool { (underlying as? IOError)?.errnoCode == EADDRINUSE }

    public var description: String {
        var reason = "\(underlying)"
        if let ioError = underlying as? IOError {
            switch ioError.errnoCode {
            case EADDRINUSE: reason = "address already in use (another DNS server running?)"
            case EACCES: reason = "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)"
            case EADDRNOTAVAIL: reason = "no such local address on this host"
            default: break
            }
        }
        return "cannot listen for DNS on \(address.displayText) (\(transport.rawValue.uppercased())): \(reason)"
    }
}
