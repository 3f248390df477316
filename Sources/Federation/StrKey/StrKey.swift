/// What a StrKey encodes, from the top five bits of its version byte (SEP-23). The raw value is the version byte
/// with the algorithm bits zero (ed25519 or SHA-256, the only algorithms defined).
public enum StrKeyKind: UInt8, CaseIterable, Hashable, Sendable, CustomStringConvertible {
    case accountID = 0x30  // 6 << 3, G…
    case muxedAccount = 0x60  // 12 << 3, M…
    case secretSeed = 0x90  // 18 << 3, S…
    case preAuthTransaction = 0x98  // 19 << 3, T…
    case sha256Hash = 0xB8  // 23 << 3, X…
    case signedPayload = 0x78  // 15 << 3, P…
    case contract = 0x10  // 2 << 3, C…
    case liquidityPool = 0x58  // 11 << 3, L…
    case claimableBalance = 0x08  // 1 << 3, B…

    /// The letter every key of this kind starts with.
    public var prefix: Character {
        switch self {
        case .accountID: "G"
        case .muxedAccount: "M"
        case .secretSeed: "S"
        case .preAuthTransaction: "T"
        case .sha256Hash: "X"
        case .signedPayload: "P"
        case .contract: "C"
        case .liquidityPool: "L"
        case .claimableBalance: "B"
        }
    }

    public var description: String {
        switch self {
        case .accountID: "an account ID (G…)"
        case .muxedAccount: "a muxed account (M…)"
        case .secretSeed: "a secret seed (S…)"
        case .preAuthTransaction: "a pre-authorised transaction hash (T…)"
        case .sha256Hash: "a hash-x signer (X…)"
        case .signedPayload: "a signed payload signer (P…)"
        case .contract: "a contract ID (C…)"
        case .liquidityPool: "a liquidity pool ID (L…)"
        case .claimableBalance: "a claimable balance ID (B…)"
        }
    }

    /// The payload length in bytes for kinds whose length is fixed (all but signed payloads).
    var fixedPayloadLength: Int? {
        switch self {
        case .accountID, .secretSeed, .preAuthTransaction, .sha256Hash, .contract, .liquidityPool: 32
        case .muxedAccount: 40  // ed25519 key, then the 64-bit id big-endian
        case .claimableBalance: 33  // a type byte (0 = v0), then the SHA-256 hash
        case .signedPayload: nil
        }
    }
}

/// A decoded StrKey: its kind and the bytes between the version byte and the checksum.
///
/// Decoding accepts exactly the strings that encoding produces (SEP-23): upper-case base32 without padding, a valid
/// CRC16-XModem, a known version byte with algorithm bits 0, and a payload laid out as the kind requires. Anything
/// else is a typed ``StrKeyError``; the decoder never traps.
public struct StrKey: Hashable, Sendable, CustomStringConvertible {
    public let kind: StrKeyKind
    public let payload: [UInt8]

    /// The longest valid key is a signed payload with 64 payload bytes: 1 + 32 + 4 + 64 + 2 bytes, 165 symbols.
    /// Longer input is refused before decoding so hostile input costs nothing.
    public static let maximumLength = 165

    /// Builds a key from its parts, checking the payload layout for the kind.
    public init(kind: StrKeyKind, payload: [UInt8]) throws(StrKeyError) {
        try Self.checkLayout(kind: kind, payload: payload)
        self.kind = kind
        self.payload = payload
    }

    /// Decodes and validates `text`.
    public init(_ input: some StringProtocol) throws(StrKeyError) {
        let text = String(input)
        guard !text.isEmpty else { throw .empty }
        guard text.utf8.count <= Self.maximumLength else { throw .tooLong(text.utf8.count) }
        if let equals = text.unicodeScalars.firstIndex(of: "=") {
            throw .padding(offset: text.unicodeScalars.distance(from: text.unicodeScalars.startIndex, to: equals))
        }
        if let offset = Base32.firstInvalidSymbol(in: Array(text.utf8)) {
            // Offsets count bytes and stop at the first byte of the offending scalar; name the whole character.
            let scalars = text.unicodeScalars
            let index = text.utf8.index(text.utf8.startIndex, offsetBy: offset)
            let position = index.samePosition(in: scalars) ?? scalars.startIndex
            throw .invalidCharacter(
                offset: scalars.distance(from: scalars.startIndex, to: position), character: String(scalars[position]))
        }
        // Every kind is at least a version byte, 32 bytes and a checksum (56 characters); a shorter key was cut
        // off, which says more than any later check would.
        guard text.utf8.count >= 56 else { throw .tooShort(text.utf8.count) }
        let bytes: [UInt8]
        switch Base32.decode(text) {
        case .success(let decoded): bytes = decoded
        case .failure(.impossibleLength(let length)): throw .impossibleLength(length)
        case .failure(.nonZeroTrailingBits): throw .nonZeroTrailingBits
        case .failure(.invalidSymbol): throw .notCanonical  // ruled out above
        }
        let version = bytes[0]
        guard let kind = StrKeyKind(rawValue: version & 0xF8) else { throw .unknownVersion(version) }
        guard version & 0x07 == 0 else { throw .unsupportedAlgorithm(kind: kind, algorithm: version & 0x07) }
        let body = bytes.dropLast(2)
        let stored = UInt16(bytes[bytes.count - 2]) | UInt16(bytes[bytes.count - 1]) << 8
        guard CRC16XModem.checksum(body) == stored else { throw .checksumMismatch }
        try self.init(kind: kind, payload: Array(body.dropFirst()))
        // The strict decoder already rules out other spellings; the round trip is the rule SEP-23 states, kept
        // as a guard should the decoder ever be loosened.
        guard self.description == text else { throw .notCanonical }
    }

    /// The StrKey text.
    public var description: String { Self.encode(kind: kind, payload: payload) }

    /// Encodes without checking the layout; for callers that built the payload themselves.
    static func encode(kind: StrKeyKind, payload: [UInt8]) -> String {
        var bytes = [kind.rawValue]
        bytes.append(contentsOf: payload)
        let crc = CRC16XModem.checksum(bytes)
        bytes.append(UInt8(crc & 0xFF))
        bytes.append(UInt8(crc >> 8))
        return Base32.encode(bytes)
    }

    private static func checkLayout(kind: StrKeyKind, payload: [UInt8]) throws(StrKeyError) {
        if let expected = kind.fixedPayloadLength {
            guard payload.count == expected else {
                throw .wrongPayloadLength(kind: kind, found: payload.count, expected: expected)
            }
            if kind == .claimableBalance, payload[0] != 0 { throw .unknownClaimableBalanceType(payload[0]) }
            return
        }
        // Signed payload: ed25519 key, a big-endian 32-bit length, that many bytes (at most 64), then zero bytes
        // up to a multiple of four.
        guard payload.count >= 36 else { throw .invalidSignedPayload("it is shorter than a key and a length") }
        let declared = payload[32..<36].reduce(0) { $0 << 8 | Int($1) }
        guard declared <= 64 else { throw .invalidSignedPayload("the declared length \(declared) exceeds 64 bytes") }
        let padding = (4 - declared % 4) % 4
        guard payload.count == 36 + declared + padding else {
            throw .invalidSignedPayload(
                "the declared length \(declared) does not match the \(payload.count - 36) bytes that follow it")
        }
        guard payload.suffix(padding).allSatisfy({ $0 == 0 }) else {
            throw .invalidSignedPayload("the padding after the payload is not zero")
        }
    }
}

/// Why a string is not a valid StrKey. The description says what is wrong without repeating the input, so callers
/// can prefix it with the field it came from.
public enum StrKeyError: Error, Hashable, Sendable, CustomStringConvertible {
    case empty
    case tooLong(Int)
    case tooShort(Int)
    case padding(offset: Int)
    case invalidCharacter(offset: Int, character: String)
    case impossibleLength(Int)
    case nonZeroTrailingBits
    case checksumMismatch
    case unknownVersion(UInt8)
    case unsupportedAlgorithm(kind: StrKeyKind, algorithm: UInt8)
    case wrongPayloadLength(kind: StrKeyKind, found: Int, expected: Int)
    case invalidSignedPayload(String)
    case unknownClaimableBalanceType(UInt8)
    case notCanonical
    /// A valid key of another kind where one kind was expected.
    case wrongKind(found: StrKeyKind, expected: StrKeyKind)

    public var description: String {
        switch self {
        case .empty:
            return "it is empty; a Stellar account ID is 56 characters starting with G"
        case .tooLong(let length):
            return "it is \(length) characters long, longer than any Stellar key; copy the key alone"
        case .tooShort(let length):
            return "it is only \(length) characters; Stellar keys have at least 56, so check that it was copied whole"
        case .padding:
            return "it ends in '=' padding, which Stellar keys never have; remove the '=' signs"
        case .invalidCharacter(let offset, let character):
            let hint =
                character.uppercased() != character
                ? "Stellar keys are upper case" : "Stellar keys use only A-Z and 2-7 (no 0, 1, 8 or 9)"
            return "character \(offset + 1) ('\(character)') is not allowed: \(hint)"
        case .impossibleLength(let length):
            return "its length (\(length) characters) cannot be a Stellar key; check that it was copied whole"
        case .nonZeroTrailingBits:
            return "its last character is not a possible ending (unused bits set); check that it was copied exactly"
        case .checksumMismatch:
            return "its checksum does not match, so a character is wrong or missing; copy it again from the wallet"
        case .unknownVersion(let byte):
            return "its version byte 0x\(String(byte, radix: 16)) is not a known Stellar key type"
        case .unsupportedAlgorithm(let kind, let algorithm):
            return "it claims to be \(kind) but with algorithm \(algorithm); only algorithm 0 exists"
        case .wrongPayloadLength(let kind, let found, let expected):
            return "it decodes to \(found) key bytes, but \(kind) has \(expected); check that it was copied whole"
        case .invalidSignedPayload(let reason):
            return "it is not a valid signed payload: \(reason)"
        case .unknownClaimableBalanceType(let type):
            return "its claimable balance type is \(type); only type 0 (v0) exists"
        case .notCanonical:
            return "it is not spelled the one way Stellar writes this key"
        case .wrongKind(found: .secretSeed, expected: let expected):
            return "it is a secret seed (S…), which must never be shared or stored here; give \(expected) instead"
        case .wrongKind(let found, let expected):
            return "it is \(found), not \(expected)"
        }
    }
}
