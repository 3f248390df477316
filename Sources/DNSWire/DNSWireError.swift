/// Why a DNS message could not be read or written.
///
/// Parsing never traps: every malformed input ends in one of these values, which the server turns into FORMERR
/// (or a dropped packet when not even the header is readable).
public enum DNSWireError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The message ends before the named part is complete.
    case truncated(String)
    /// A label-length byte uses the reserved 0x40 / 0x80 label types (RFC 6891 §5 deprecates extended labels).
    case unsupportedLabelType(UInt8)
    /// A compression pointer that does not point strictly backwards (forward pointers and self-loops).
    case forwardCompressionPointer
    /// More pointer hops than any legitimate name can need.
    case tooManyCompressionPointers
    /// A name longer than 255 octets on the wire (RFC 1035 §2.3.4).
    case nameTooLong
    /// A label longer than 63 octets (RFC 1035 §2.3.4).
    case labelTooLong
    /// A name written as text that is not a valid domain name.
    case invalidNameText(String)
    /// The RDATA of a record does not fill exactly its RDLENGTH.
    case badRDataLength(RRType)
    /// An OPT record that is not in the additional section, not owned by the root, or not alone (RFC 6891 §6.1.1).
    case badOPT(String)
    /// A character-string longer than 255 octets, or an RDATA field out of range, when writing.
    case valueTooLarge(String)
    /// The encoded message would not fit in 65,535 octets.
    case messageTooLarge

    public var description: String {
        switch self {
        case .truncated(let what): return "message truncated in \(what)"
        case .unsupportedLabelType(let byte): return "unsupported label type 0x\(String(byte, radix: 16))"
        case .forwardCompressionPointer: return "compression pointer does not point backwards"
        case .tooManyCompressionPointers: return "too many compression pointers in one name"
        case .nameTooLong: return "name longer than 255 octets"
        case .labelTooLong: return "label longer than 63 octets"
        case .invalidNameText(let why): return "invalid domain name: \(why)"
        case .badRDataLength(let type): return "RDATA length does not match its content for \(type)"
        case .badOPT(let why): return "invalid OPT record: \(why)"
        case .valueTooLarge(let what): return "value too large: \(what)"
        case .messageTooLarge: return "message larger than 65535 octets"
        }
    }
}
