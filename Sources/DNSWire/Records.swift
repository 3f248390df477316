/// The start of authority (RFC 1035 §3.3.13).
public struct SOAData: Hashable, Sendable {
    public var mname: DNSName
    public var rname: DNSName
    public var serial: UInt32
    public var refresh: UInt32
    public var retry: UInt32
    public var expire: UInt32
    /// The negative-caching TTL (RFC 2308 §4).
    public var minimum: UInt32

    public init(
        mname: DNSName, rname: DNSName, serial: UInt32, refresh: UInt32, retry: UInt32, expire: UInt32,
        minimum: UInt32
    ) {
        self.mname = mname
        self.rname = rname
        self.serial = serial
        self.refresh = refresh
        self.retry = retry
        self.expire = expire
        self.minimum = minimum
    }
}

/// A service locator (RFC 2782).
public struct SRVData: Hashable, Sendable {
    public var priority: UInt16
    public var weight: UInt16
    public var port: UInt16
    public var target: DNSName

    public init(priority: UInt16, weight: UInt16, port: UInt16, target: DNSName) {
        self.priority = priority
        self.weight = weight
        self.port = port
        self.target = target
    }
}

/// Typed RDATA for the types this server speaks; everything else stays opaque (RFC 3597).
public enum RData: Hashable, Sendable {
    case a(IPv4Address)
    case aaaa(IPv6Address)
    case ns(DNSName)
    case cname(DNSName)
    case ptr(DNSName)
    case soa(SOAData)
    /// One or more character-strings of up to 255 octets each.
    case txt([[UInt8]])
    case srv(SRVData)
    /// CPU and OS character-strings (used for the RFC 8482 minimal ANY answer).
    case hinfo(cpu: [UInt8], os: [UInt8])
    case unknown(type: RRType, data: [UInt8])

    public var type: RRType {
        switch self {
        case .a: return .a
        case .aaaa: return .aaaa
        case .ns: return .ns
        case .cname: return .cname
        case .ptr: return .ptr
        case .soa: return .soa
        case .txt: return .txt
        case .srv: return .srv
        case .hinfo: return .hinfo
        case .unknown(let type, _): return type
        }
    }

    /// TXT from text strings (each must be at most 255 octets of UTF-8).
    public static func txt(_ strings: [String]) -> RData {
        .txt(strings.map { Array($0.utf8) })
    }
}

/// A resource record with a typed RDATA.
public struct ResourceRecord: Hashable, Sendable {
    public var name: DNSName
    public var rrClass: RRClass
    public var ttl: UInt32
    public var data: RData

    public var type: RRType { data.type }

    public init(name: DNSName, rrClass: RRClass = .in, ttl: UInt32, data: RData) {
        self.name = name
        self.rrClass = rrClass
        self.ttl = ttl
        self.data = data
    }
}

/// A question entry.
public struct Question: Hashable, Sendable {
    public var name: DNSName
    public var type: RRType
    public var qclass: RRClass

    public init(name: DNSName, type: RRType, qclass: RRClass = .in) {
        self.name = name
        self.type = type
        self.qclass = qclass
    }
}

extension RData {
    /// RDATA in zone-file presentation format, as `dig +short` prints it.
    public var presentation: String {
        func quoted(_ bytes: [UInt8]) -> String {
            var text = "\""
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                    text += "\\" + String(UnicodeScalar(byte))
                case 0x20...0x7E:
                    text.unicodeScalars.append(UnicodeScalar(byte))
                default:
                    let digits = String(byte)
                    text += "\\" + String(repeating: "0", count: 3 - digits.count) + digits
                }
            }
            return text + "\""
        }
        switch self {
        case .a(let address): return address.description
        case .aaaa(let address): return address.description
        case .ns(let name), .cname(let name), .ptr(let name): return name.description
        case .soa(let soa):
            return "\(soa.mname) \(soa.rname) \(soa.serial) \(soa.refresh) \(soa.retry) \(soa.expire) \(soa.minimum)"
        case .txt(let strings): return strings.map(quoted).joined(separator: " ")
        case .srv(let srv): return "\(srv.priority) \(srv.weight) \(srv.port) \(srv.target)"
        case .hinfo(let cpu, let os): return "\(quoted(cpu)) \(quoted(os))"
        case .unknown(let type, let data) where type == .sshfp && data.count > 2:
            // RFC 4255 §3.2: algorithm, fingerprint type, fingerprint in hex.
            return "\(data[0]) \(data[1]) " + data.dropFirst(2).map { byte in
                let hex = String(byte, radix: 16, uppercase: true)
                return hex.count == 1 ? "0" + hex : hex
            }.joined()
        case .unknown(_, let data):
            // RFC 3597 §5 generic form.
            return "\\# \(data.count)" + (data.isEmpty ? "" : " " + data.map { byte in
                let hex = String(byte, radix: 16, uppercase: true)
                return hex.count == 1 ? "0" + hex : hex
            }.joined())
        }
    }
}
