import DNSWire
import Foundation
import Testing

@testable import ZoneTransfer

/// TSIG (RFC 8945) against messages signed by another implementation (dnspython, see
/// Fixtures/make_tsig_vectors.py), and every way a request's signature is refused.
@Suite struct TSIGTests {
    @Test func theVectorsAreThere() {
        #expect(Set(TSIGVectors.all.map(\.algorithm)) == ["hmac-sha256", "hmac-sha512"])
    }

    /// A request dnspython signed checks out: with the key's name in any case, and (hmac-sha256's vector) with the
    /// key's name compressed against the question, as dnspython writes it.
    @Test(arguments: TSIGVectors.all)
    func verifiesRequestsSignedByDnspython(_ vector: TSIGVectors.Case) throws {
        let packet = bytes(hex: vector.request)
        let verdict = TSIG.verify(try Message(parsing: packet), packet: packet, keys: [vector.key], now: vector.time)
        guard case .valid(let key, let record) = verdict else {
            Issue.record("expected a valid signature, got \(verdict)")
            return
        }
        #expect(key == vector.key)
        #expect(record.mac == bytes(hex: vector.request_mac))
        #expect(record.fudge == vector.fudge)
    }

    /// The replies of a transfer, signed as dnspython signs them: the first message covers the request's MAC,
    /// each later one the MAC before it and only the timers (§5.3.1).
    @Test(arguments: TSIGVectors.all)
    func signsAReplyStreamAsDnspythonDoes(_ vector: TSIGVectors.Case) throws {
        var previous: [UInt8]?
        for (index, reply) in vector.replies.enumerated() {
            let unsigned = bytes(hex: reply.unsigned)
            let signed =
                previous == nil
                ? TSIG.sign(unsigned, key: vector.key, time: vector.time, requestMAC: bytes(hex: vector.request_mac))
                : TSIG.sign(unsigned, key: vector.key, time: vector.time, previousMAC: previous)
            #expect(signed.mac == bytes(hex: reply.mac), "message \(index)")
            // The same message too: dnspython compresses the key's name and keeps its case, fedns writes it whole
            // and lower-cased (the MAC covers the canonical form either way), so they are compared as read.
            #expect(try Message(parsing: signed.message) == Message(parsing: bytes(hex: reply.signed)), "message \(index)")
            previous = signed.mac
        }
    }

    /// Chaining matters: signing a later message with the request's MAC instead of the previous one (or with
    /// none) gives another MAC.
    @Test(arguments: TSIGVectors.all)
    func laterMessagesDependOnThePreviousMAC(_ vector: TSIGVectors.Case) {
        let second = vector.replies[1]
        let unsigned = bytes(hex: second.unsigned)
        let wrongChain = TSIG.sign(unsigned, key: vector.key, time: vector.time, previousMAC: bytes(hex: vector.request_mac))
        let standalone = TSIG.sign(unsigned, key: vector.key, time: vector.time, requestMAC: bytes(hex: vector.replies[0].mac))
        #expect(wrongChain.mac != bytes(hex: second.mac))
        #expect(standalone.mac != bytes(hex: second.mac))
    }

    @Test(arguments: TSIGKey.Algorithm.allCases)
    func aSignedRequestRoundTrips(_ algorithm: TSIGKey.Algorithm) throws {
        let key = TSIGKey(name: "k.example", algorithm: algorithm, secret: Array(repeating: 7, count: 32))
        let packet = try request(.axfr, key: key)
        let verdict = TSIG.verify(try Message(parsing: packet), packet: packet, keys: [xfrKey, key], now: Clock.now)
        guard case .valid(let found, let record) = verdict else {
            Issue.record("expected valid, got \(verdict)")
            return
        }
        #expect(found == key)
        #expect(record.mac.count == (algorithm == .hmacSHA256 ? 32 : 64))
        #expect(record.originalID == 0x5151)
    }

    // MARK: Refusals

    struct Tampering: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var change: @Sendable ([UInt8]) -> [UInt8]
        var error: UInt16
    }

    /// What a changed request gets: BADSIG for a MAC that does not match (a flipped bit anywhere it covers, a MAC
    /// cut short or lengthened, an empty one), BADKEY for a key name or algorithm not configured.
    static let tamperings: [Tampering] = [
        Tampering(testDescription: "a bit of the question", change: { flipping($0, at: 13) }, error: TSIGRecord.badSignature),
        Tampering(testDescription: "a bit of the MAC", change: { changingRecord($0) { $0.mac[0] ^= 1 } }, error: TSIGRecord.badSignature),
        Tampering(
            testDescription: "the time signed", change: { changingRecord($0) { $0.timeSigned += 1 } }, error: TSIGRecord.badSignature),
        Tampering(
            testDescription: "the fudge", change: { changingRecord($0) { $0.fudge = 3600 } }, error: TSIGRecord.badSignature),
        Tampering(
            testDescription: "a MAC truncated to 16 octets", change: { changingRecord($0) { $0.mac = Array($0.mac.prefix(16)) } },
            error: TSIGRecord.badSignature),
        Tampering(
            testDescription: "a MAC truncated to 10 octets", change: { changingRecord($0) { $0.mac = Array($0.mac.prefix(10)) } },
            error: TSIGRecord.badSignature),
        Tampering(testDescription: "an empty MAC", change: { changingRecord($0) { $0.mac = [] } }, error: TSIGRecord.badSignature),
        Tampering(
            testDescription: "a MAC with an octet more", change: { changingRecord($0) { $0.mac += [0] } }, error: TSIGRecord.badSignature),
        Tampering(
            testDescription: "another algorithm", change: { changingRecord($0) { $0.algorithm = TSIGKey.Algorithm.hmacSHA512.name } },
            error: TSIGRecord.badKey),
        Tampering(
            testDescription: "an algorithm fedns does not know", change: { changingRecord($0) { $0.algorithm = "hmac-md5.sig-alg.reg.int" } },
            error: TSIGRecord.badKey),
        Tampering(
            testDescription: "other data added", change: { changingRecord($0) { $0.other = [0, 0, 0, 0, 0, 1] } },
            error: TSIGRecord.badSignature),
        Tampering(testDescription: "another key name", change: { changingRecord($0, keyName: "other") { _ in } }, error: TSIGRecord.badKey),
    ]

    @Test(arguments: tamperings)
    func aChangedRequestIsRefused(_ tampering: Tampering) throws {
        let packet = tampering.change(try request(.axfr, key: xfrKey))
        let verdict = TSIG.verify(try Message(parsing: packet), packet: packet, keys: [xfrKey], now: Clock.now)
        guard case .invalid(let error, let key, _, _) = verdict else {
            Issue.record("expected a refusal, got \(verdict)")
            return
        }
        #expect(error == tampering.error)
        #expect(key == nil, "only BADTIME names the key (its reply is signed)")
    }

    /// A wrong secret is a BADSIG, not a BADKEY: the name and algorithm are known.
    @Test func aWrongSecretIsBADSIG() throws {
        let impostor = TSIGKey(name: xfrKey.name, algorithm: .hmacSHA256, secret: Array("not-the-secret-at-all-00000000".utf8))
        let packet = try request(.axfr, key: impostor)
        let verdict = TSIG.verify(try Message(parsing: packet), packet: packet, keys: [xfrKey], now: Clock.now)
        guard case .invalid(let error, _, _, _) = verdict else {
            Issue.record("expected a refusal, got \(verdict)")
            return
        }
        #expect(error == TSIGRecord.badSignature)
    }

    /// The time check (§5.2.3): within the fudge either way is fine, one second beyond it is BADTIME, and the
    /// verdict carries the key so that the reply can be signed.
    @Test(arguments: [
        (Int64(0), true), (300, true), (-300, true), (301, false), (-301, false), (86_400, false), (-1_790_000_000, false),
    ])
    func theTimeMustBeWithinTheFudge(_ skew: Int64, _ accepted: Bool) throws {
        let signedAt = UInt64(Int64(Clock.now) + skew)
        let packet = try request(.axfr, key: xfrKey, time: signedAt)
        let verdict = TSIG.verify(try Message(parsing: packet), packet: packet, keys: [xfrKey], now: Clock.now)
        switch verdict {
        case .valid:
            #expect(accepted)
        case .invalid(let error, let key, let record, _):
            #expect(!accepted)
            #expect(error == TSIGRecord.badTime)
            #expect(key == xfrKey)
            #expect(record.timeSigned == signedAt)
        case .malformed:
            Issue.record("a well-formed request read as malformed")
        }
    }

    /// No usable TSIG record where one must be: FORMERR, whatever the keys.
    @Test(arguments: ["not the last record", "RDATA one octet short", "two TSIG records"])
    func anUnusableRecordIsMalformed(_ name: String) throws {
        let signed = try request(.axfr, key: xfrKey)
        let damaged: [UInt8]? =
            switch name {
            case "not the last record": movingTSIGBeforeAnotherRecord(signed)
            case "RDATA one octet short": changingRDLength(signed, by: -1)
            default: doublingTSIG(signed)
            }
        let packet = try #require(damaged)
        let message = try Message(parsing: packet)
        let verdict = TSIG.verify(message, packet: packet, keys: [xfrKey], now: Clock.now)
        guard case .malformed = verdict else {
            Issue.record("\(name): expected malformed, got \(verdict)")
            return
        }
    }

    @Test func aKeysDescriptionNeverShowsItsSecret() {
        let secret = String(decoding: Array("fedns-unit-test-secret-0123456789".utf8), as: UTF8.self)
        #expect(!xfrKey.description.contains(secret))
        #expect(!"\(xfrKey)".contains(Data(secret.utf8).base64EncodedString()))
        #expect(xfrKey.description == "xfr. (hmac-sha256)")
    }
}

// MARK: Changing signed messages

/// `packet` with one bit flipped at `offset`.
func flipping(_ packet: [UInt8], at offset: Int) -> [UInt8] {
    var changed = packet
    changed[offset] ^= 0x01
    return changed
}

/// The signed message with its TSIG record changed (and written again, uncompressed, at the end).
func changingRecord(_ packet: [UInt8], keyName: DNSName? = nil, _ change: (inout TSIGRecord) -> Void) -> [UInt8] {
    guard let signed = SignedMessage(packet) else { return packet }
    var record = signed.record
    change(&record)
    return appending(record, keyName: keyName ?? signed.keyName, to: signed.unsigned)
}

/// `message` with a TSIG record appended and counted.
func appending(_ record: TSIGRecord, keyName: DNSName, to message: [UInt8]) -> [UInt8] {
    let rdata = record.rdata
    var bytes = message + keyName.wire + [0, 250, 0, 255, 0, 0, 0, 0, UInt8(rdata.count >> 8), UInt8(rdata.count & 0xFF)] + rdata
    let count = (UInt16(bytes[10]) << 8 | UInt16(bytes[11])) + 1
    bytes[10] = UInt8(count >> 8)
    bytes[11] = UInt8(count & 0xFF)
    return bytes
}

/// The TSIG record followed by another record (an A record at the root), both counted.
func movingTSIGBeforeAnotherRecord(_ packet: [UInt8]) -> [UInt8] {
    var bytes = packet + [0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 4, 127, 0, 0, 1]
    let count = (UInt16(bytes[10]) << 8 | UInt16(bytes[11])) + 1
    bytes[10] = UInt8(count >> 8)
    bytes[11] = UInt8(count & 0xFF)
    return bytes
}

/// The message with its TSIG record written twice.
func doublingTSIG(_ packet: [UInt8]) -> [UInt8]? {
    SignedMessage(packet).map { appending($0.record, keyName: $0.keyName, to: packet) }
}

/// The TSIG record's RDLENGTH changed (and the message cut to match), so that its fields no longer fit.
func changingRDLength(_ packet: [UInt8], by delta: Int) -> [UInt8]? {
    guard let signed = SignedMessage(packet) else { return nil }
    let rdata = signed.record.rdata
    var bytes = packet
    let lengthOffset = packet.count - rdata.count - 2
    let length = rdata.count + delta
    bytes[lengthOffset] = UInt8(length >> 8)
    bytes[lengthOffset + 1] = UInt8(length & 0xFF)
    return Array(bytes.prefix(packet.count + delta))
}
