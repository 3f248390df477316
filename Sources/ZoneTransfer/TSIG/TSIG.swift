import Crypto
import DNSWire

/// A shared secret for TSIG (RFC 8945), as `[[dns.transfer.keys]]` names it. The secret never appears in a
/// description or a log line.
public struct TSIGKey: Sendable, Hashable, CustomStringConvertible {
    public enum Algorithm: String, Sendable, CaseIterable {
        case hmacSHA256 = "hmac-sha256"
        case hmacSHA512 = "hmac-sha512"

        /// The algorithm's name as TSIG records carry it.
        public var name: DNSName { (try? DNSName(rawValue)) ?? .root }

        var macLength: Int { self == .hmacSHA256 ? 32 : 64 }
    }

    /// The key's name, lower-cased (names compare ignoring case).
    public let name: DNSName
    public let algorithm: Algorithm
    let secret: [UInt8]

    public init(name: DNSName, algorithm: Algorithm, secret: [UInt8]) {
        self.name = name.lowercased()
        self.algorithm = algorithm
        self.secret = secret
    }

    public var description: String { "\(name) (\(algorithm.rawValue))" }

    func mac(_ data: [UInt8]) -> [UInt8] {
        let key = SymmetricKey(data: secret)
        switch algorithm {
        case .hmacSHA256: return Array(HMAC<SHA256>.authenticationCode(for: data, using: key))
        case .hmacSHA512: return Array(HMAC<SHA512>.authenticationCode(for: data, using: key))
        }
    }

    /// Compares in constant time.
    func isValid(_ code: [UInt8], for data: [UInt8]) -> Bool {
        let key = SymmetricKey(data: secret)
        switch algorithm {
        case .hmacSHA256: return HMAC<SHA256>.isValidAuthenticationCode(code, authenticating: data, using: key)
        case .hmacSHA512: return HMAC<SHA512>.isValidAuthenticationCode(code, authenticating: data, using: key)
        }
    }
}

/// The RDATA of a TSIG record (RFC 8945 §4.2).
struct TSIGRecord: Hashable {
    var algorithm: DNSName
    /// Seconds since 1970, 48 bits.
    var timeSigned: UInt64
    var fudge: UInt16
    var mac: [UInt8]
    var originalID: UInt16
    var error: UInt16
    var other: [UInt8]

    /// TSIG's own error codes, in the record's Error field (the message's rcode is NOTAUTH).
    static let badSignature: UInt16 = 16
    static let badKey: UInt16 = 17
    static let badTime: UInt16 = 18

    init(
        algorithm: DNSName, timeSigned: UInt64, fudge: UInt16, mac: [UInt8], originalID: UInt16, error: UInt16 = 0,
        other: [UInt8] = []
    ) {
        self.algorithm = algorithm
        self.timeSigned = timeSigned
        self.fudge = fudge
        self.mac = mac
        self.originalID = originalID
        self.error = error
        self.other = other
    }

    /// Reads the RDATA; nil when it is malformed (the algorithm name must be uncompressed).
    init?(rdata: [UInt8]) {
        var position = 0
        var labels: [[UInt8]] = []
        while true {
            guard position < rdata.count else { return nil }
            let length = Int(rdata[position])
            if length == 0 { break }
            guard length <= 63, position + 1 + length <= rdata.count else { return nil }
            labels.append(Array(rdata[(position + 1)...(position + length)]))
            position += 1 + length
        }
        position += 1
        guard let algorithm = try? DNSName(labels: labels), position + 10 <= rdata.count else { return nil }
        func uint16(_ at: Int) -> UInt16 { UInt16(rdata[at]) << 8 | UInt16(rdata[at + 1]) }
        var time: UInt64 = 0
        for index in 0..<6 { time = time << 8 | UInt64(rdata[position + index]) }
        let fudge = uint16(position + 6)
        let macSize = Int(uint16(position + 8))
        position += 10
        guard position + macSize + 6 <= rdata.count else { return nil }
        let mac = Array(rdata[position..<(position + macSize)])
        position += macSize
        let originalID = uint16(position)
        let error = uint16(position + 2)
        let otherLength = Int(uint16(position + 4))
        position += 6
        guard position + otherLength == rdata.count else { return nil }
        self.init(
            algorithm: algorithm, timeSigned: time, fudge: fudge, mac: mac, originalID: originalID, error: error,
            other: Array(rdata[position...]))
    }

    var rdata: [UInt8] {
        var bytes = algorithm.lowercased().wire
        bytes += Self.uint48(timeSigned)
        bytes += Self.uint16(fudge) + Self.uint16(UInt16(mac.count)) + mac
        bytes += Self.uint16(originalID) + Self.uint16(error) + Self.uint16(UInt16(other.count)) + other
        return bytes
    }

    /// The TSIG variables of the digest (§4.3.3): the key's name, class ANY, TTL 0, the algorithm, the time, the
    /// fudge, the error and the other data, names in canonical (lower-case, uncompressed) form.
    func variables(keyName: DNSName) -> [UInt8] {
        var bytes = keyName.lowercased().wire
        bytes += Self.uint16(RRClass.any.rawValue) + [0, 0, 0, 0]
        bytes += algorithm.lowercased().wire
        bytes += timers
        bytes += Self.uint16(error) + Self.uint16(UInt16(other.count)) + other
        return bytes
    }

    /// The time signed and the fudge: what each later message of a TCP stream covers (§5.3.1).
    var timers: [UInt8] { Self.uint48(timeSigned) + Self.uint16(fudge) }

    static func uint16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }

    static func uint48(_ value: UInt64) -> [UInt8] { (0..<6).map { UInt8(truncatingIfNeeded: value >> (8 * (5 - $0))) } }
}

/// Signing and checking messages with TSIG (RFC 8945).
enum TSIG {
    /// The default time window, as BIND, NSD and Knot use.
    static let fudge: UInt16 = 300

    /// What checking a signed request found.
    enum Verdict {
        /// Signed with this key, correctly and in time. `mac` is the request's, which the reply's digest covers.
        case valid(TSIGKey, TSIGRecord)
        /// Refused: the TSIG error to answer with (BADKEY, BADSIG, BADTIME), and the key when it was known (a
        /// BADTIME reply is signed with it).
        case invalid(error: UInt16, key: TSIGKey?, record: TSIGRecord, keyName: DNSName)
        /// No usable TSIG record where one must be (last, well-formed): FORMERR.
        case malformed
    }

    /// Checks the TSIG record that ends `packet` (already parsed as `request`).
    static func verify(_ request: Message, packet: [UInt8], keys: [TSIGKey], now: UInt64) -> Verdict {
        guard let last = request.additionals.last, last.type == .tsig, case .unknown(_, let rdata) = last.data,
            request.additionals.dropLast().allSatisfy({ $0.type != .tsig }), let record = TSIGRecord(rdata: rdata)
        else { return .malformed }
        // The record's length in the packet: its owner (never compressed), type, class, TTL, RDLENGTH, RDATA.
        let recordLength = last.name.wire.count + 10 + rdata.count
        guard packet.count >= MessageHeader.size + recordLength else { return .malformed }
        let start = packet.count - recordLength
        guard Array(packet[start..<(start + last.name.wire.count)]).map(asciiLowercase) == last.name.lowercased().wire else {
            return .malformed
        }
        let keyName = last.name.lowercased()
        guard let key = keys.first(where: { $0.name == keyName && $0.algorithm.name == record.algorithm.lowercased() }) else {
            return .invalid(error: TSIGRecord.badKey, key: nil, record: record, keyName: keyName)
        }
        // The message as it was before signing: without the TSIG record, one record fewer, its original ID.
        var unsigned = Array(packet[0..<start])
        unsigned[0] = UInt8(record.originalID >> 8)
        unsigned[1] = UInt8(record.originalID & 0xFF)
        let additional = (UInt16(unsigned[10]) << 8 | UInt16(unsigned[11])) &- 1
        unsigned[10] = UInt8(additional >> 8)
        unsigned[11] = UInt8(additional & 0xFF)
        guard record.mac.count == key.algorithm.macLength,
            key.isValid(record.mac, for: unsigned + record.variables(keyName: keyName))
        else {
            return .invalid(error: TSIGRecord.badSignature, key: nil, record: record, keyName: keyName)
        }
        let difference = now > record.timeSigned ? now - record.timeSigned : record.timeSigned - now
        guard difference <= UInt64(record.fudge) else {
            return .invalid(error: TSIGRecord.badTime, key: key, record: record, keyName: keyName)
        }
        return .valid(key, record)
    }

    /// Signs `message` (wire form, without a TSIG record): appends the record and counts it. `requestMAC` is the
    /// request's MAC for the first reply (§4.3.1); for the later messages of a TCP stream, `previousMAC` is the
    /// MAC of the message before and only the timers are covered (§5.3.1). Returns the signed message and its MAC.
    static func sign(
        _ message: [UInt8], key: TSIGKey, keyName: DNSName? = nil, time: UInt64, requestMAC: [UInt8]? = nil,
        previousMAC: [UInt8]? = nil, error: UInt16 = 0, other: [UInt8] = [], unsignedMAC: Bool = false
    ) -> (message: [UInt8], mac: [UInt8]) {
        let id = UInt16(message[0]) << 8 | UInt16(message[1])
        var record = TSIGRecord(
            algorithm: key.algorithm.name, timeSigned: time, fudge: fudge, mac: [], originalID: id, error: error, other: other)
        let name = keyName ?? key.name
        if !unsignedMAC {
            var digest: [UInt8] = []
            if let previousMAC {
                digest = TSIGRecord.uint16(UInt16(previousMAC.count)) + previousMAC + message + record.timers
            } else {
                if let requestMAC { digest = TSIGRecord.uint16(UInt16(requestMAC.count)) + requestMAC }
                digest += message + record.variables(keyName: name)
            }
            record.mac = key.mac(digest)
        }
        return (appendRecord(record, keyName: name, to: message), record.mac)
    }

    /// A TSIG record with an empty MAC (the reply to a request whose key is unknown or whose MAC is wrong, §5.3.2).
    static func unsigned(_ message: [UInt8], keyName: DNSName, record: TSIGRecord, error: UInt16) -> [UInt8] {
        var reply = record
        reply.mac = []
        reply.error = error
        reply.other = []
        reply.originalID = UInt16(message[0]) << 8 | UInt16(message[1])
        return appendRecord(reply, keyName: keyName, to: message)
    }

    private static func appendRecord(_ record: TSIGRecord, keyName: DNSName, to message: [UInt8]) -> [UInt8] {
        var signed = message
        let rdata = record.rdata
        signed += keyName.lowercased().wire
        signed += TSIGRecord.uint16(RRType.tsig.rawValue) + TSIGRecord.uint16(RRClass.any.rawValue) + [0, 0, 0, 0]
        signed += TSIGRecord.uint16(UInt16(rdata.count)) + rdata
        let additional = (UInt16(signed[10]) << 8 | UInt16(signed[11])) &+ 1
        signed[10] = UInt8(additional >> 8)
        signed[11] = UInt8(additional & 0xFF)
        return signed
    }
}
