import DNSWire
import NIOCore

/// `[dns.transfer]`: who may transfer the zones, which secondaries hear of changes, the keys, and how many
/// versions IXFR can reach back. `Settings` builds it; transfers are off (REFUSED, EDE 18) with none of it.
public struct TransferOptions: Sendable, Hashable {
    /// Clients that may transfer: AXFR and IXFR from anywhere else are REFUSED.
    public var allow: [AddressRange]
    /// Secondaries told of every new serial (NOTIFY, RFC 1996), each signed with its key when it names one.
    public var notify: [NotifyTarget]
    /// Versions the IXFR journal keeps.
    public var journalLength: Int
    /// TSIG keys. With any, a transfer must be signed with one of them.
    public var keys: [TSIGKey]
    /// Where the journal is kept across restarts; nil: in memory only.
    public var journalPath: String?

    public init(
        allow: [AddressRange] = [], notify: [NotifyTarget] = [], journalLength: Int = 100, keys: [TSIGKey] = [],
        journalPath: String? = nil
    ) {
        self.allow = allow
        self.notify = notify
        self.journalLength = journalLength
        self.keys = keys
        self.journalPath = journalPath
    }

    /// Whether anything about transfers is configured (else the service is not started).
    public var isEnabled: Bool { !allow.isEmpty || !notify.isEmpty || !keys.isEmpty }
}

/// A secondary to NOTIFY.
public struct NotifyTarget: Sendable, Hashable {
    public var address: SocketAddress
    /// The key its NOTIFY messages are signed with; nil: the first configured key, if any.
    public var keyName: DNSName?

    public init(address: SocketAddress, keyName: DNSName? = nil) {
        self.address = address
        self.keyName = keyName
    }
}
