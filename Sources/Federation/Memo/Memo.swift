import FednsSupport
import Foundation

/// The memo kinds SEP-2 replies may carry. (XDR also has `return`, which SEP-2 does not allow.)
public enum MemoType: String, CaseIterable, Hashable, Sendable {
    case text, id, hash
}

/// A memo the sender must attach, validated against the XDR limits:
///
/// - `text`: 1 to 28 bytes of UTF-8 without control characters. Kept byte for byte (not normalised), because
///   receivers match it exactly.
/// - `id`: an unsigned 64-bit integer in plain decimal: digits only, no sign, no leading zeros (`0` itself is
///   fine), at most 18446744073709551615. One spelling per number, so a stored memo compares equal to its reply.
/// - `hash`: exactly 32 bytes. Input is 44 characters of padded base64 (what SEP-2 replies use) or 64 hex digits
///   of either case; it is always stored and replied as base64.
///
/// An empty memo is refused for every type, because the Go client treats `memo_type` with an empty `memo` as an
/// error.
public enum Memo: Hashable, Sendable, CustomStringConvertible {
    case text(String)
    case id(UInt64)
    case hash([UInt8])

    public static let maximumTextBytes = 28

    public init(type: MemoType, value: String) throws(MemoError) {
        switch type {
        case .text: self = .text(try Self.validText(value))
        case .id: self = .id(try Self.validID(value))
        case .hash: self = .hash(try Self.validHash(value))
        }
    }

    /// Reads a memo from its two optional fields; both must be present or both absent (the Rust client insists).
    public static func from(type typeText: String?, value: String?) throws(MemoError) -> Memo? {
        let typeText = typeText.flatMap { $0.isEmpty ? nil : $0 }
        let value = value.flatMap { $0.isEmpty ? nil : $0 }
        switch (typeText, value) {
        case (nil, nil): return nil
        case (nil, .some): throw .valueWithoutType
        case (.some(let typeText), nil):
            guard let type = MemoType(rawValue: typeText) else { throw .unknownType(typeText) }
            throw .empty(type)
        case (.some(let typeText), .some(let value)):
            guard let type = MemoType(rawValue: typeText) else { throw .unknownType(typeText) }
            return try Memo(type: type, value: value)
        }
    }

    public var type: MemoType {
        switch self {
        case .text: .text
        case .id: .id
        case .hash: .hash
        }
    }

    /// The memo as SEP-2 writes it: always a string (decimal for ids, base64 for hashes).
    public var value: String {
        switch self {
        case .text(let text): text
        case .id(let id): String(id)
        case .hash(let bytes): Data(bytes).base64EncodedString()
        }
    }

    public var description: String { "\(type.rawValue) \(value)" }

    private static func validText(_ value: String) throws(MemoError) -> String {
        guard !value.isEmpty else { throw .empty(.text) }
        let byteCount = value.utf8.count
        guard byteCount <= maximumTextBytes else { throw .textTooLong(bytes: byteCount) }
        if value.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            throw .textHasControlCharacter
        }
        return value
    }

    private static func validID(_ value: String) throws(MemoError) -> UInt64 {
        guard !value.isEmpty else { throw .empty(.id) }
        guard value.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) else {
            throw .idNotDecimal(value)
        }
        guard value == "0" || !value.hasPrefix("0") else { throw .idLeadingZero(value) }
        guard let id = UInt64(value) else { throw .idOutOfRange(value) }
        return id
    }

    private static func validHash(_ value: String) throws(MemoError) -> [UInt8] {
        guard !value.isEmpty else { throw .empty(.hash) }
        if value.utf8.count == 64, let bytes = HexBytes.decode(value) { return bytes }
        // Data(base64Encoded:) tolerates non-zero padding bits; re-encoding keeps only the one canonical spelling.
        guard let data = Data(base64Encoded: value), data.base64EncodedString() == value else {
            throw .hashNotBase64OrHex
        }
        guard data.count == 32 else { throw .hashWrongLength(bytes: data.count) }
        return Array(data)
    }
}

/// Why a memo is refused, in words that say how to fix it.
public enum MemoError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownType(String)
    case valueWithoutType
    case empty(MemoType)
    case textTooLong(bytes: Int)
    case textHasControlCharacter
    case idNotDecimal(String)
    case idLeadingZero(String)
    case idOutOfRange(String)
    case hashNotBase64OrHex
    case hashWrongLength(bytes: Int)

    public var description: String {
        switch self {
        case .unknownType(let type):
            return "memo type \"\(type)\" is not one of text, id, hash"
        case .valueWithoutType:
            return "a memo is given without a memo type; add memo_type text, id or hash"
        case .empty(let type):
            return "memo type \(type.rawValue) needs a memo value; give one or drop the memo type"
        case .textTooLong(let bytes):
            return "text memo is \(bytes) bytes of UTF-8; Stellar allows at most \(Memo.maximumTextBytes)"
        case .textHasControlCharacter:
            return "text memo contains a control character (such as a tab or newline); remove it"
        case .idNotDecimal(let value):
            return "id memo \"\(value)\" is not a whole number; write digits only, without sign or spaces"
        case .idLeadingZero(let value):
            return "id memo \"\(value)\" has leading zeros; write it without them"
        case .idOutOfRange(let value):
            return "id memo \(value) is larger than 18446744073709551615, the largest Stellar memo id"
        case .hashNotBase64OrHex:
            return "hash memo must be 32 bytes written as 64 hex digits or 44 characters of base64"
        case .hashWrongLength(let bytes):
            return "hash memo is \(bytes) bytes; it must be exactly 32"
        }
    }
}
