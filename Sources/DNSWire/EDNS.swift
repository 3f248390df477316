/// One EDNS option (RFC 6891 §6.1.2).
public struct EDNSOption: Hashable, Sendable {
    public var code: UInt16
    public var data: [UInt8]

    public init(code: UInt16, data: [UInt8]) {
        self.code = code
        self.data = data
    }

    public static let nsidCode: UInt16 = 3
    public static let cookieCode: UInt16 = 10
    public static let tcpKeepaliveCode: UInt16 = 11
    public static let paddingCode: UInt16 = 12
    public static let extendedErrorCode: UInt16 = 15

    /// An Extended DNS Error (RFC 8914): a 16-bit info code and optional UTF-8 text.
    public static func extendedError(_ code: ExtendedErrorCode, text: String = "") -> EDNSOption {
        EDNSOption(code: extendedErrorCode, data: [UInt8(code.rawValue >> 8), UInt8(code.rawValue & 0xFF)] + Array(text.utf8))
    }

    /// The info code when this is an Extended DNS Error option.
    public var extendedErrorInfoCode: UInt16? {
        guard code == Self.extendedErrorCode, data.count >= 2 else { return nil }
        return UInt16(data[0]) << 8 | UInt16(data[1])
    }
}

/// Extended DNS Error info codes used here (RFC 8914 §4).
public struct ExtendedErrorCode: RawRepresentable, Hashable, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let other = ExtendedErrorCode(rawValue: 0)
    public static let staleAnswer = ExtendedErrorCode(rawValue: 3)
    public static let notReady = ExtendedErrorCode(rawValue: 14)
    public static let prohibited = ExtendedErrorCode(rawValue: 18)
    public static let notAuthoritative = ExtendedErrorCode(rawValue: 20)
    public static let notSupported = ExtendedErrorCode(rawValue: 21)
}

/// The content of an OPT pseudo-record (RFC 6891 §6.1.2-6.1.3).
public struct EDNS: Hashable, Sendable {
    /// The requestor's UDP payload size (the OPT CLASS field).
    public var udpPayloadSize: UInt16
    /// The upper 8 bits of a 12-bit RCODE.
    public var extendedRCode: UInt8
    public var version: UInt8
    /// The DNSSEC OK bit (RFC 3225).
    public var dnssecOK: Bool
    /// The remaining 15 flag bits, kept so they can be inspected; responses send them as zero.
    public var otherFlags: UInt16
    public var options: [EDNSOption]

    public init(
        udpPayloadSize: UInt16 = 1232, extendedRCode: UInt8 = 0, version: UInt8 = 0, dnssecOK: Bool = false,
        otherFlags: UInt16 = 0, options: [EDNSOption] = []
    ) {
        self.udpPayloadSize = udpPayloadSize
        self.extendedRCode = extendedRCode
        self.version = version
        self.dnssecOK = dnssecOK
        self.otherFlags = otherFlags
        self.options = options
    }

    /// The OPT record's TTL field: extended RCODE, version, DO and the other flags.
    var ttlField: UInt32 {
        UInt32(extendedRCode) << 24 | UInt32(version) << 16 | (dnssecOK ? 0x8000 : 0) | UInt32(otherFlags & 0x7FFF)
    }

    init(classField: UInt16, ttlField: UInt32, options: [EDNSOption]) {
        self.udpPayloadSize = classField
        self.extendedRCode = UInt8(ttlField >> 24)
        self.version = UInt8((ttlField >> 16) & 0xFF)
        self.dnssecOK = ttlField & 0x8000 != 0
        self.otherFlags = UInt16(ttlField & 0x7FFF)
        self.options = options
    }
}
