import Crypto
import Foundation

/// The part of Stellar's transaction XDR that SEP-10 challenges use, encoded and decoded by us (there is no Stellar
/// SDK for Swift to lean on): a v1 `TransactionEnvelope` whose transaction has a source account (plain or muxed), a
/// fee, a sequence number, time bounds or none, any memo, `manage_data` operations, and decorated signatures.
///
/// Everything else a valid envelope may hold (a fee bump, a v0 envelope, ledger-bound preconditions, other operation
/// types, Soroban data) is refused by name with ``XDRError/unsupported(_:)``: a challenge never contains it, and
/// reading what cannot be checked would only widen what hostile input can reach. Encoding a decoded envelope gives
/// back the same bytes, which is what makes its hash, and so its signatures, checkable.
public enum StellarXDR {
    /// Stellar's limits on the fields read here (`Stellar-transaction.x`).
    static let maximumOperations = 100
    static let maximumSignatures = 20
    static let maximumDataNameBytes = 64
    static let maximumDataValueBytes = 64
    static let maximumMemoTextBytes = 28
    static let maximumSignatureBytes = 64

    /// The envelope types a `TransactionEnvelope` union may carry.
    enum EnvelopeType: Int32 {
        case transactionV0 = 0
        case transaction = 2
        case feeBump = 5
    }

    /// A transaction's or an operation's source: an account, or a muxed account (`M…`).
    public enum Account: Hashable, Sendable, CustomStringConvertible {
        case account(AccountID)
        case muxed(MuxedAccount)

        static let ed25519: Int32 = 0
        static let muxedEd25519: Int32 = 0x100

        /// The underlying `G…` account either way.
        public var accountID: AccountID {
            switch self {
            case .account(let account): account
            case .muxed(let muxed): muxed.accountID
            }
        }

        public var description: String {
            switch self {
            case .account(let account): account.description
            case .muxed(let muxed): muxed.description
            }
        }

        func encode(to writer: inout XDRWriter) {
            switch self {
            case .account(let account):
                writer.int32(Self.ed25519)
                writer.fixedOpaque(account.publicKey)
            case .muxed(let muxed):
                writer.int32(Self.muxedEd25519)
                writer.uint64(muxed.id)
                writer.fixedOpaque(muxed.accountID.publicKey)
            }
        }

        init(from reader: inout XDRReader, _ field: String) throws(XDRError) {
            switch try reader.int32("\(field) key type") {
            case Self.ed25519:
                self = .account(try Self.key(try reader.fixedOpaque(32, field), field))
            case Self.muxedEd25519:
                let id = try reader.uint64("\(field) muxed id")
                self = .muxed(MuxedAccount(accountID: try Self.key(try reader.fixedOpaque(32, field), field), id: id))
            case let other:
                throw .invalidDiscriminant(field: "\(field) key type", value: Int64(other))
            }
        }

        private static func key(_ bytes: [UInt8], _ field: String) throws(XDRError) -> AccountID {
            // 32 bytes always make an account ID; the error cannot happen, but is not trapped either.
            do {
                return try AccountID(publicKey: bytes)
            } catch {
                throw .unsupported("\(field): \(error)")
            }
        }
    }

    /// Seconds since 1970 (UTC); 0 as the maximum means no limit.
    public struct TimeBounds: Hashable, Sendable {
        public var minTime: UInt64
        public var maxTime: UInt64

        public init(minTime: UInt64, maxTime: UInt64) {
            self.minTime = minTime
            self.maxTime = maxTime
        }
    }

    /// A transaction memo as XDR has it (SEP-2's `Memo` is the subset a federation reply may name).
    public enum Memo: Hashable, Sendable {
        case none
        case text([UInt8])
        case id(UInt64)
        case hash([UInt8])
        case returnHash([UInt8])

        func encode(to writer: inout XDRWriter) {
            switch self {
            case .none: writer.int32(0)
            case .text(let bytes):
                writer.int32(1)
                writer.variableOpaque(bytes)
            case .id(let id):
                writer.int32(2)
                writer.uint64(id)
            case .hash(let bytes):
                writer.int32(3)
                writer.fixedOpaque(bytes)
            case .returnHash(let bytes):
                writer.int32(4)
                writer.fixedOpaque(bytes)
            }
        }

        init(from reader: inout XDRReader) throws(XDRError) {
            switch try reader.int32("memo type") {
            case 0: self = .none
            case 1: self = .text(try reader.variableOpaque(maximum: maximumMemoTextBytes, "memo text"))
            case 2: self = .id(try reader.uint64("memo id"))
            case 3: self = .hash(try reader.fixedOpaque(32, "memo hash"))
            case 4: self = .returnHash(try reader.fixedOpaque(32, "memo return hash"))
            case let other: throw .invalidDiscriminant(field: "memo type", value: Int64(other))
            }
        }
    }

    /// A `manage_data` operation: a name (up to 64 bytes) and a value (up to 64 bytes, or none to delete the entry).
    public struct ManageData: Hashable, Sendable {
        public var name: [UInt8]
        public var value: [UInt8]?

        public init(name: [UInt8], value: [UInt8]?) {
            self.name = name
            self.value = value
        }

        public var nameText: String { String(decoding: name, as: UTF8.self) }
    }

    public struct Operation: Hashable, Sendable {
        static let manageDataType: Int32 = 10

        public var source: Account?
        public var manageData: ManageData

        public init(source: Account?, manageData: ManageData) {
            self.source = source
            self.manageData = manageData
        }

        func encode(to writer: inout XDRWriter) {
            writer.bool(source != nil)
            source?.encode(to: &writer)
            writer.int32(Self.manageDataType)
            writer.variableOpaque(manageData.name)
            writer.bool(manageData.value != nil)
            if let value = manageData.value { writer.variableOpaque(value) }
        }

        init(from reader: inout XDRReader, index: Int) throws(XDRError) {
            let field = "operation \(index + 1)"
            source = try reader.bool("\(field) source flag") ? try Account(from: &reader, "\(field) source") : nil
            let type = try reader.int32("\(field) type")
            guard type == Self.manageDataType else {
                throw .unsupported("\(field) (type \(type), not manage_data)")
            }
            let name = try reader.variableOpaque(maximum: maximumDataNameBytes, "\(field) data name")
            let value = try reader.bool("\(field) data value flag")
                ? try reader.variableOpaque(maximum: maximumDataValueBytes, "\(field) data value") : nil
            manageData = ManageData(name: name, value: value)
        }
    }

    public struct Transaction: Hashable, Sendable {
        public var source: Account
        public var fee: UInt32
        public var sequence: Int64
        public var timeBounds: TimeBounds?
        public var memo: Memo
        public var operations: [Operation]

        public init(source: Account, fee: UInt32, sequence: Int64, timeBounds: TimeBounds?, memo: Memo, operations: [Operation]) {
            self.source = source
            self.fee = fee
            self.sequence = sequence
            self.timeBounds = timeBounds
            self.memo = memo
            self.operations = operations
        }

        func encode(to writer: inout XDRWriter) {
            source.encode(to: &writer)
            writer.uint32(fee)
            writer.int64(sequence)
            if let timeBounds {
                writer.int32(1)  // PRECOND_TIME
                writer.uint64(timeBounds.minTime)
                writer.uint64(timeBounds.maxTime)
            } else {
                writer.int32(0)  // PRECOND_NONE
            }
            memo.encode(to: &writer)
            writer.uint32(UInt32(operations.count))
            for operation in operations { operation.encode(to: &writer) }
            writer.int32(0)  // ext: v0, no Soroban data
        }

        init(from reader: inout XDRReader) throws(XDRError) {
            source = try Account(from: &reader, "transaction source")
            fee = try reader.uint32("fee")
            sequence = try reader.int64("sequence number")
            switch try reader.int32("preconditions type") {
            case 0: timeBounds = nil
            case 1: timeBounds = TimeBounds(minTime: try reader.uint64("min time"), maxTime: try reader.uint64("max time"))
            case 2: throw .unsupported("a v2 precondition (ledger bounds, minimum sequence, extra signers)")
            case let other: throw .invalidDiscriminant(field: "preconditions type", value: Int64(other))
            }
            memo = try Memo(from: &reader)
            let count = try reader.count(maximum: maximumOperations, "operations")
            var operations: [Operation] = []
            for index in 0..<count { operations.append(try Operation(from: &reader, index: index)) }
            self.operations = operations
            switch try reader.int32("transaction extension") {
            case 0: break
            case 1: throw .unsupported("Soroban transaction data")
            case let other: throw .invalidDiscriminant(field: "transaction extension", value: Int64(other))
            }
        }

        /// The XDR of the transaction alone.
        public var xdr: [UInt8] {
            var writer = XDRWriter()
            encode(to: &writer)
            return writer.bytes
        }

        /// What signers sign: SHA-256 of the network ID, the envelope type and the transaction.
        public func hash(network: StellarNetwork) -> [UInt8] {
            var payload = XDRWriter()
            payload.fixedOpaque(network.id)
            payload.int32(EnvelopeType.transaction.rawValue)
            encode(to: &payload)
            return Array(SHA256.hash(data: payload.bytes))
        }
    }

    /// A signature with the last four bytes of the signer's public key, which tells verifiers whose it is meant to be.
    public struct DecoratedSignature: Hashable, Sendable {
        public var hint: [UInt8]
        public var signature: [UInt8]

        public init(hint: [UInt8], signature: [UInt8]) {
            self.hint = hint
            self.signature = signature
        }
    }

    /// A v1 transaction envelope: the transaction and its signatures.
    public struct Envelope: Hashable, Sendable {
        public var transaction: Transaction
        public var signatures: [DecoratedSignature]

        public init(transaction: Transaction, signatures: [DecoratedSignature] = []) {
            self.transaction = transaction
            self.signatures = signatures
        }

        /// Decodes exactly one envelope; trailing bytes are an error.
        public init(xdr bytes: [UInt8]) throws(XDRError) {
            var reader = XDRReader(bytes)
            switch try reader.int32("envelope type") {
            case EnvelopeType.transaction.rawValue: break
            case EnvelopeType.feeBump.rawValue: throw .unsupported("a fee bump transaction")
            case EnvelopeType.transactionV0.rawValue: throw .unsupported("a v0 transaction envelope (re-encode it as v1)")
            case let other: throw .invalidDiscriminant(field: "envelope type", value: Int64(other))
            }
            transaction = try Transaction(from: &reader)
            let count = try reader.count(maximum: maximumSignatures, "signatures")
            var signatures: [DecoratedSignature] = []
            for index in 0..<count {
                let hint = try reader.fixedOpaque(4, "signature \(index + 1) hint")
                let signature = try reader.variableOpaque(maximum: maximumSignatureBytes, "signature \(index + 1)")
                signatures.append(DecoratedSignature(hint: hint, signature: signature))
            }
            self.signatures = signatures
            guard reader.isAtEnd else { throw .trailingBytes(bytes.count - reader.offset) }
        }

        /// Decodes standard base64 (the form SEP-10 carries), ignoring surrounding whitespace.
        public init(base64: String) throws(XDRError) {
            guard let data = Data(base64Encoded: base64.trimmingCharacters(in: .whitespacesAndNewlines)) else {
                throw .notBase64
            }
            try self.init(xdr: Array(data))
        }

        public var xdr: [UInt8] {
            var writer = XDRWriter()
            writer.int32(EnvelopeType.transaction.rawValue)
            transaction.encode(to: &writer)
            writer.uint32(UInt32(signatures.count))
            for signature in signatures {
                writer.fixedOpaque(signature.hint)
                writer.variableOpaque(signature.signature)
            }
            return writer.bytes
        }

        public var base64: String { Data(xdr).base64EncodedString() }
    }
}

/// A Stellar network, named by its passphrase; signatures commit to its ID (SHA-256 of the passphrase), so a
/// transaction signed for one network is worthless on another.
public struct StellarNetwork: Hashable, Sendable, CustomStringConvertible {
    public static let publicNetwork = StellarNetwork(passphrase: "Public Global Stellar Network ; September 2015")
    public static let testNetwork = StellarNetwork(passphrase: "Test SDF Network ; September 2015")
    /// The networks the ecosystem's anchor test suite accepts; others must be allowed explicitly.
    public static let known: [StellarNetwork] = [.publicNetwork, .testNetwork]

    public let passphrase: String

    public init(passphrase: String) {
        self.passphrase = passphrase
    }

    public var id: [UInt8] { Array(SHA256.hash(data: Array(passphrase.utf8))) }

    public var description: String { passphrase }
}
