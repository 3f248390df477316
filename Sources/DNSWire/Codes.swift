/// A resource record type. Any 16-bit value is representable, so unknown types survive a round trip (RFC 3597).
public struct RRType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let a = RRType(1)
    public static let ns = RRType(2)
    public static let cname = RRType(5)
    public static let soa = RRType(6)
    public static let ptr = RRType(12)
    public static let hinfo = RRType(13)
    public static let mx = RRType(15)
    public static let txt = RRType(16)
    public static let aaaa = RRType(28)
    public static let srv = RRType(33)
    public static let opt = RRType(41)
    public static let ds = RRType(43)
    public static let sshfp = RRType(44)
    public static let rrsig = RRType(46)
    public static let nsec = RRType(47)
    public static let dnskey = RRType(48)
    public static let https = RRType(65)
    public static let tsig = RRType(250)
    public static let ixfr = RRType(251)
    public static let axfr = RRType(252)
    public static let any = RRType(255)
    public static let caa = RRType(257)

    private static let mnemonics: [(RRType, String)] = [
        (.a, "A"), (.ns, "NS"), (.cname, "CNAME"), (.soa, "SOA"), (.ptr, "PTR"), (.hinfo, "HINFO"), (.mx, "MX"),
        (.txt, "TXT"), (.aaaa, "AAAA"), (.srv, "SRV"), (.opt, "OPT"), (.ds, "DS"), (.sshfp, "SSHFP"), (.rrsig, "RRSIG"),
        (.nsec, "NSEC"), (.dnskey, "DNSKEY"), (.https, "HTTPS"), (.tsig, "TSIG"), (.ixfr, "IXFR"), (.axfr, "AXFR"), (.any, "ANY"),
        (.caa, "CAA"),
    ]

    /// The mnemonic (`AAAA`), or the RFC 3597 form `TYPE65280` for types without one.
    public var description: String {
        Self.mnemonics.first { $0.0 == self }?.1 ?? "TYPE\(rawValue)"
    }

    /// Accepts a mnemonic in any case, or the RFC 3597 `TYPEnnn` form.
    public init?(text: String) {
        let upper = text.uppercased()
        if let known = Self.mnemonics.first(where: { $0.1 == upper }) {
            self = known.0
        } else if upper.hasPrefix("TYPE"), let value = UInt16(upper.dropFirst(4)) {
            self.init(value)
        } else {
            return nil
        }
    }

    /// Meta-types and question-only types (RFC 6895 §3.1): never stored in a zone.
    public var isMetaType: Bool { rawValue == 41 || (rawValue >= 128 && rawValue <= 255) }
}

/// A record class. Only IN and CH matter to an authoritative server; the rest pass through opaquely.
public struct RRClass: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public init(_ rawValue: UInt16) { self.rawValue = rawValue }

    public static let `in` = RRClass(1)
    public static let chaos = RRClass(3)
    public static let none = RRClass(254)
    public static let any = RRClass(255)

    public var description: String {
        switch self {
        case .in: return "IN"
        case .chaos: return "CH"
        case .none: return "NONE"
        case .any: return "ANY"
        default: return "CLASS\(rawValue)"
        }
    }
}

/// The 4-bit operation code of the header (RFC 1035 §4.1.1, RFC 6895 §2.2).
public struct Opcode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue & 0x0F }

    public static let query = Opcode(rawValue: 0)
    public static let iquery = Opcode(rawValue: 1)
    public static let status = Opcode(rawValue: 2)
    public static let notify = Opcode(rawValue: 4)
    public static let update = Opcode(rawValue: 5)

    public var description: String {
        switch rawValue {
        case 0: return "QUERY"
        case 1: return "IQUERY"
        case 2: return "STATUS"
        case 4: return "NOTIFY"
        case 5: return "UPDATE"
        default: return "OPCODE\(rawValue)"
        }
    }
}

/// A response code of up to 12 bits: the low 4 live in the header, the high 8 in the OPT record (RFC 6891 §6.1.3).
public struct RCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x0FFF }

    public static let noError = RCode(rawValue: 0)
    public static let formErr = RCode(rawValue: 1)
    public static let servFail = RCode(rawValue: 2)
    public static let nxDomain = RCode(rawValue: 3)
    public static let notImp = RCode(rawValue: 4)
    public static let refused = RCode(rawValue: 5)
    public static let notAuth = RCode(rawValue: 9)
    public static let badVers = RCode(rawValue: 16)

    /// The part carried in the header.
    public var headerBits: UInt8 { UInt8(rawValue & 0x0F) }
    /// The part carried in the OPT record's extended-RCODE field.
    public var extendedBits: UInt8 { UInt8(rawValue >> 4) }
    /// True when this code can only be expressed with an OPT record.
    public var needsEDNS: Bool { rawValue > 15 }

    public var description: String {
        switch rawValue {
        case 0: return "NOERROR"
        case 1: return "FORMERR"
        case 2: return "SERVFAIL"
        case 3: return "NXDOMAIN"
        case 4: return "NOTIMP"
        case 5: return "REFUSED"
        case 9: return "NOTAUTH"
        case 16: return "BADVERS"
        default: return "RCODE\(rawValue)"
        }
    }
}
