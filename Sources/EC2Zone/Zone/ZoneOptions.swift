import DNSWire

/// Everything about the zone that comes from configuration rather than from the inventory.
public struct ZoneOptions: Sendable, Hashable {
    /// The zone apex, `ec2.` by default.
    public var origin: DNSName
    /// TTL of every positive answer.
    public var ttl: UInt32
    public var addressMode: AddressMode
    /// Instance states that get names; everything else is left out of the zone.
    public var states: Set<String>
    /// SOA MINIMUM, the negative-caching TTL (RFC 2308): small, because instances come and go.
    public var negativeTTL: UInt32
    /// The name server named by the apex NS and SOA MNAME.
    public var nameserver: DNSName
    /// Addresses served for `nameserver` when it lies inside the zone (glue for the apex NS).
    public var nameserverIPv4: [IPv4Address]
    public var nameserverIPv6: [IPv6Address]
    /// SOA RNAME.
    public var hostmaster: DNSName
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    /// Reverse zones served in addition to the /24 (IPv4) and /64 (IPv6) of every instance address.
    public var extraReverseZones: [DNSName]
    /// Which tags name instances (`[dns] name_tag`, `[dns] groups`).
    public var naming: NamingOptions

    public init(
        origin: DNSName = "ec2.", ttl: UInt32 = 60, addressMode: AddressMode = .auto,
        states: Set<String> = ["running"], negativeTTL: UInt32 = 30, nameserver: DNSName? = nil,
        nameserverIPv4: [IPv4Address] = [], nameserverIPv6: [IPv6Address] = [], hostmaster: DNSName? = nil,
        refresh: UInt32 = 3600, retry: UInt32 = 600, expire: UInt32 = 86400, extraReverseZones: [DNSName] = [],
        naming: NamingOptions = NamingOptions()
    ) {
        self.origin = origin
        self.ttl = ttl
        self.addressMode = addressMode
        self.states = states
        self.negativeTTL = negativeTTL
        self.nameserver = nameserver ?? (try? origin.prepending(label: Array("ns".utf8))) ?? origin
        self.nameserverIPv4 = nameserverIPv4
        self.nameserverIPv6 = nameserverIPv6
        self.hostmaster = hostmaster ?? (try? origin.prepending(label: Array("hostmaster".utf8))) ?? origin
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.extraReverseZones = extraReverseZones
        self.naming = naming
    }

    /// The zone's name as people append it to names (`ec2`), lower case, without the trailing dot.
    public var zoneText: String { String(origin.lowercased().description.dropLast()) }

    /// TTL of the SOA in negative answers: min(SOA TTL, MINIMUM) (RFC 2308 §5).
    public var negativeAnswerTTL: UInt32 { min(ttl, negativeTTL) }
}
