/// XDR (RFC 4506) as Stellar uses it: big-endian 32- and 64-bit integers, opaque data and strings padded with zero
/// bytes to a multiple of four, variable-length data prefixed by its length, optional values by a 0/1 flag and
/// unions by an int32 discriminant. Only what the SEP-10 transaction subset needs.
struct XDRWriter {
    private(set) var bytes: [UInt8] = []

    mutating func uint32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func int32(_ value: Int32) { uint32(UInt32(bitPattern: value)) }

    mutating func uint64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    mutating func int64(_ value: Int64) { uint64(UInt64(bitPattern: value)) }

    mutating func bool(_ value: Bool) { uint32(value ? 1 : 0) }

    /// Fixed-length opaque data: the bytes, then zero padding.
    mutating func fixedOpaque(_ data: [UInt8]) {
        bytes.append(contentsOf: data)
        bytes.append(contentsOf: repeatElement(0, count: (4 - data.count % 4) % 4))
    }

    /// Variable-length opaque data or a string: the length, the bytes, then zero padding.
    mutating func variableOpaque(_ data: [UInt8]) {
        uint32(UInt32(data.count))
        fixedOpaque(data)
    }
}

/// Reads XDR from bytes that came from outside: every length is checked against the bytes left and the field's own
/// maximum before anything is allocated, padding must be zero, and nothing traps. Errors name the field.
struct XDRReader {
    private let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    var isAtEnd: Bool { offset == bytes.count }

    mutating func uint32(_ field: String) throws(XDRError) -> UInt32 {
        let raw = try take(4, field)
        return raw.reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func int32(_ field: String) throws(XDRError) -> Int32 { Int32(bitPattern: try uint32(field)) }

    mutating func uint64(_ field: String) throws(XDRError) -> UInt64 {
        let raw = try take(8, field)
        return raw.reduce(0) { $0 << 8 | UInt64($1) }
    }

    mutating func int64(_ field: String) throws(XDRError) -> Int64 { Int64(bitPattern: try uint64(field)) }

    mutating func bool(_ field: String) throws(XDRError) -> Bool {
        switch try uint32(field) {
        case 0: return false
        case 1: return true
        case let other: throw .invalidDiscriminant(field: field, value: Int64(other))
        }
    }

    mutating func fixedOpaque(_ count: Int, _ field: String) throws(XDRError) -> [UInt8] {
        let data = try take(count, field)
        try skipPadding(after: count, field)
        return data
    }

    mutating func variableOpaque(maximum: Int, _ field: String) throws(XDRError) -> [UInt8] {
        let length = try uint32(field)
        guard length <= UInt32(maximum) else { throw .tooLong(field: field, length: Int(length), maximum: maximum) }
        return try fixedOpaque(Int(length), field)
    }

    /// An array's element count, checked against its maximum before any element is read.
    mutating func count(maximum: Int, _ field: String) throws(XDRError) -> Int {
        let count = try uint32(field)
        guard count <= UInt32(maximum) else { throw .tooLong(field: field, length: Int(count), maximum: maximum) }
        return Int(count)
    }

    private mutating func take(_ count: Int, _ field: String) throws(XDRError) -> [UInt8] {
        guard count <= bytes.count - offset else { throw .truncated(field: field, offset: offset) }
        defer { offset += count }
        return Array(bytes[offset..<offset + count])
    }

    private mutating func skipPadding(after count: Int, _ field: String) throws(XDRError) {
        let padding = (4 - count % 4) % 4
        guard try take(padding, field).allSatisfy({ $0 == 0 }) else { throw .nonZeroPadding(field: field) }
    }
}

/// Why bytes are not a transaction envelope this server reads. The description names the field and says what was
/// found, so a client's developer can tell their encoder's mistake from ours.
public enum XDRError: Error, Hashable, Sendable, CustomStringConvertible {
    case notBase64
    case truncated(field: String, offset: Int)
    case tooLong(field: String, length: Int, maximum: Int)
    case nonZeroPadding(field: String)
    case invalidDiscriminant(field: String, value: Int64)
    case trailingBytes(Int)
    /// A valid shape that SEP-10 challenges never have (a fee bump, a v0 envelope, a payment operation, …).
    case unsupported(String)

    public var description: String {
        switch self {
        case .notBase64: "the transaction is not base64-encoded XDR"
        case .truncated(let field, let offset): "the XDR ends at byte \(offset), inside \(field)"
        case .tooLong(let field, let length, let maximum): "\(field) has length \(length), more than its maximum \(maximum)"
        case .nonZeroPadding(let field): "the padding after \(field) is not zero"
        case .invalidDiscriminant(let field, let value): "\(field) has the unknown value \(value)"
        case .trailingBytes(let count): "\(count) bytes follow the transaction envelope"
        case .unsupported(let what): "\(what) is not part of a SEP-10 challenge"
        }
    }
}
