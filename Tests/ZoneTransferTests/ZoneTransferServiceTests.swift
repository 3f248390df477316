import DNSWire
import Foundation
import Inventory
import Logging
import Metrics
import MetricsTestKit
import NIOCore
import TestSupport
import Testing

@testable import EC2Zone
@testable import ZoneTransfer

/// The transfer service as the answer path calls it: AXFR and IXFR replies (packing, IXFR's forms, TSIG on every
/// message) and every access decision.
@Suite struct ZoneTransferServiceTests {
    /// 400 instances: an AXFR of `ec2.` needs several messages.
    static let fleet = Fleet.instances(400)
    static let zone = Fleet.zone(fleet, serial: 10)

    /// The records of a zone as a transfer must carry them (apex SOA aside), read from the zone's own list.
    static func expectedRecords(_ zone: CompiledZone, _ apex: DNSName = "ec2.") throws -> [ResourceRecord] {
        let records = try #require(zone.records(ofZone: apex)).records
        return try (0..<records.count).map { try parseRecord(Array(records[$0])) }
    }

    /// One record in wire form (uncompressed) as a value, by wrapping it in a message.
    static func parseRecord(_ record: [UInt8]) throws -> ResourceRecord {
        let message = try Message(parsing: [0, 0, 0x80, 0, 0, 0, 0, 1, 0, 0, 0, 0] + record)
        return try #require(message.answers.first)
    }

    static func parse(_ reply: TransferReply) throws -> [Message] {
        try reply.messages.map { try Message(parsing: $0) }
    }

    static func answers(_ reply: TransferReply) throws -> [ResourceRecord] {
        try parse(reply).flatMap(\.answers)
    }

    static func serial(_ record: ResourceRecord) -> UInt32? {
        if case .soa(let soa) = record.data { return soa.serial }
        return nil
    }

    static func extendedError(_ message: Message) -> UInt16? {
        message.edns?.options.lazy.compactMap(\.extendedErrorInfoCode).first
    }

    // MARK: AXFR

    /// RFC 5936 §2.2: SOA first and last, every record once, messages of at most 16,383 octets, the question and
    /// the OPT (only when the request had EDNS) in the first message only, ID echoed, AA set, NOERROR.
    @Test(arguments: [true, false])
    func axfrPacksTheZone(_ edns: Bool) throws {
        let transfers = service()
        let reply = try ask(transfers, try request(.axfr, edns: edns), zone: Self.zone)
        #expect(reply.rcode == .noError)
        #expect(reply.messages.count > 1, "400 instances do not fit one message")
        let messages = try Self.parse(reply)
        for (index, (bytes, message)) in zip(reply.messages, messages).enumerated() {
            #expect(bytes.count <= 16_383, "message \(index) is \(bytes.count) octets")
            #expect(message.id == 0x5151 && message.isResponse && message.authoritative && message.opcode == .query)
            #expect(message.rcode == .noError && !message.truncated)
            #expect(message.questions == (index == 0 ? [Question(name: "ec2.", type: .axfr)] : []))
            #expect((message.edns != nil) == (edns && index == 0), "OPT in message \(index)")
            #expect(message.authorities.isEmpty && message.additionals.isEmpty)
        }
        // Packed full: every message but the last would have overflowed with the next record.
        for bytes in reply.messages.dropLast() { #expect(bytes.count > 16_383 - 600) }
        let records = messages.flatMap(\.answers)
        #expect(Self.serial(records[0]) == 10)
        #expect(Self.serial(records[records.count - 1]) == 10)
        #expect(records[0] == records[records.count - 1])
        let body = Array(records.dropFirst().dropLast())
        #expect(!body.contains { $0.type == .soa })
        let expected = try Self.expectedRecords(Self.zone)
        #expect(body.count == expected.count)
        #expect(Set(body) == Set(expected))
        // And what a query gets is in it.
        #expect(body.contains(ResourceRecord(name: "host-7.ec2.", ttl: 60, data: .a(IPv4Address(10, 0, 0, 8)))))
        #expect(body.contains { $0.name == "ec2." && $0.type == .ns })
    }

    @Test func axfrOfAReverseZone() throws {
        let reply = try ask(service(), try request(.axfr, zone: "10.in-addr.arpa."), zone: Self.zone)
        let records = try Self.answers(reply)
        #expect(reply.rcode == .noError)
        #expect(records.first?.type == .soa && records.last?.type == .soa)
        let ptrs = records.filter { $0.type == .ptr }
        #expect(ptrs.count == Self.fleet.count)
        #expect(ptrs.contains(ResourceRecord(name: "1.0.0.10.in-addr.arpa.", ttl: 60, data: .ptr("host-0.ec2."))))
        #expect(Set(records.dropFirst().dropLast()) == Set(try Self.expectedRecords(Self.zone, "10.in-addr.arpa.")))
    }

    @Test func axfrOverUDPIsRefused() throws {
        let reply = try ask(service(), try request(.axfr), zone: Self.zone, transport: .udp)
        let message = try #require(try Self.parse(reply).first)
        #expect(reply.messages.count == 1)
        #expect(message.rcode == .refused)
        #expect(Self.extendedError(message) == 18)
    }

    /// Signed: every message carries a TSIG record, within the 16,383 octets; the first MAC covers the request's
    /// MAC, each later one the MAC before it (RFC 8945 §5.3.1).
    @Test(arguments: TSIGKey.Algorithm.allCases)
    func axfrRepliesAreSignedAsAChain(_ algorithm: TSIGKey.Algorithm) throws {
        let key = TSIGKey(name: "xfr.example", algorithm: algorithm, secret: Array(repeating: 0x42, count: 64))
        let packet = try request(.axfr, key: key)
        let requestMAC = try #require(SignedMessage(packet)).record.mac
        let reply = try ask(service(keys: [key]), packet, zone: Self.zone)
        #expect(reply.messages.count > 1)
        var previous: [UInt8]?
        for (index, bytes) in reply.messages.enumerated() {
            #expect(bytes.count <= 16_383)
            let signed = try #require(SignedMessage(bytes), "message \(index) is not signed")
            #expect(signed.keyName == "xfr.example.")
            #expect(signed.record.error == 0 && signed.record.timeSigned == Clock.now && signed.record.fudge == 300)
            #expect(signed.record.originalID == 0x5151)
            let expected =
                previous == nil
                ? TSIG.sign(signed.unsigned, key: key, time: Clock.now, requestMAC: requestMAC)
                : TSIG.sign(signed.unsigned, key: key, time: Clock.now, previousMAC: previous)
            #expect(expected.message == bytes, "message \(index)'s MAC")
            previous = signed.record.mac
            #expect(try Message(parsing: bytes).additionals.filter { $0.type == .tsig }.count == 1)
        }
        // The records are the same as unsigned.
        let unsigned = try ask(service(), try request(.axfr), zone: Self.zone)
        #expect(Set(try Self.answers(reply)) == Set(try Self.answers(unsigned)))
    }

    // MARK: IXFR

    /// Three versions: v2 drops host-0, adds host-400 and moves host-5; v3 drops host-1.
    static let v1 = Fleet.zone(Fleet.instances(400), serial: 10)
    static let v2: CompiledZone = {
        var instances = Fleet.instances(400).filter { $0.name != "host-0" } + Fleet.instances(1, offset: 400)
        if let index = instances.firstIndex(where: { $0.name == "host-5" }) { instances[index].privateIPv4 = ["10.200.0.5"] }
        return Fleet.zone(instances, serial: 11)
    }()
    static let v3: CompiledZone = {
        var instances = Fleet.instances(400).filter { $0.name != "host-0" && $0.name != "host-1" } + Fleet.instances(1, offset: 400)
        if let index = instances.firstIndex(where: { $0.name == "host-5" }) { instances[index].privateIPv4 = ["10.200.0.5"] }
        return Fleet.zone(instances, serial: 12)
    }()

    static func serviceWithVersions(_ zones: [CompiledZone], journal: Int = 100, keys: [TSIGKey] = []) -> ZoneTransferService {
        let transfers = service(keys: keys, journal: journal)
        for zone in zones { _ = transfers.zoneCompiled(zone) }
        return transfers
    }

    /// RFC 1995 §4: the new SOA, then per step the old SOA, the records deleted, the new SOA, the records added,
    /// and the new SOA to end. The differences are worked out here from the two versions' full contents.
    @Test func ixfrSendsTheDifferences() throws {
        let transfers = Self.serviceWithVersions([Self.v1, Self.v2])
        let reply = try ask(transfers, try request(.ixfr, serial: 10), zone: Self.v2)
        #expect(reply.rcode == .noError)
        let records = try Self.answers(reply)
        let soaPositions = records.indices.filter { records[$0].type == .soa }
        #expect(soaPositions.map { Self.serial(records[$0]) } == [11, 10, 11, 11])
        #expect(soaPositions.first == 0 && soaPositions.last == records.count - 1)
        let deleted = Set(records[(soaPositions[1] + 1)..<soaPositions[2]])
        let added = Set(records[(soaPositions[2] + 1)..<soaPositions[3]])
        let old = Set(try Self.expectedRecords(Self.v1))
        let new = Set(try Self.expectedRecords(Self.v2))
        #expect(deleted == old.subtracting(new))
        #expect(added == new.subtracting(old))
        #expect(!deleted.isEmpty && !added.isEmpty)
        #expect(deleted.contains(ResourceRecord(name: "host-0.ec2.", ttl: 60, data: .a(IPv4Address(10, 0, 0, 1)))))
        #expect(added.contains(ResourceRecord(name: "host-5.ec2.", ttl: 60, data: .a(IPv4Address(10, 200, 0, 5)))))
        #expect(try Self.parse(reply).first?.questions == [Question(name: "ec2.", type: .ixfr)])
    }

    /// Two steps back: one difference sequence per step, in order, each old SOA to new SOA.
    @Test func ixfrAcrossSeveralVersions() throws {
        let transfers = Self.serviceWithVersions([Self.v1, Self.v2, Self.v3])
        let records = try Self.answers(try ask(transfers, try request(.ixfr, serial: 10), zone: Self.v3))
        let serials = records.compactMap(Self.serial)
        #expect(serials == [12, 10, 11, 11, 12, 12])
        // The second step deletes host-1 only (and its names), adds nothing.
        let soaPositions = records.indices.filter { records[$0].type == .soa }
        let secondDeleted = Set(records[(soaPositions[3] + 1)..<soaPositions[4]])
        let v2Records = Set(try Self.expectedRecords(Self.v2))
        #expect(secondDeleted == v2Records.subtracting(try Self.expectedRecords(Self.v3)))
        #expect(secondDeleted.contains(ResourceRecord(name: "host-1.ec2.", ttl: 60, data: .a(IPv4Address(10, 0, 0, 2)))))
        #expect(soaPositions[5] == soaPositions[4] + 1, "nothing added in the second step")
        // From v2: only the second step.
        let fromV2 = try Self.answers(try ask(transfers, try request(.ixfr, serial: 11), zone: Self.v3)).compactMap(Self.serial)
        #expect(fromV2 == [12, 11, 12, 12])
    }

    /// A serial the journal does not reach (too old, never served, or a journal of one step asked from two
    /// back): the whole zone, AXFR-style (RFC 1995 §4).
    @Test(arguments: [(UInt32(9), 100), (UInt32(3), 100), (UInt32(10), 1), (UInt32(10), 0)])
    func ixfrFromASerialTheJournalLacksSendsTheZone(_ serial: UInt32, _ length: Int) throws {
        let transfers = Self.serviceWithVersions([Self.v1, Self.v2, Self.v3], journal: length)
        let records = try Self.answers(try ask(transfers, try request(.ixfr, serial: serial), zone: Self.v3))
        #expect(records.compactMap(Self.serial) == [12, 12])
        #expect(records.first?.type == .soa && records.last?.type == .soa)
        #expect(Set(records.dropFirst().dropLast()) == Set(try Self.expectedRecords(Self.v3)))
    }

    /// A client that is current (or ahead, by RFC 1982) gets the SOA alone, over UDP as over TCP.
    @Test(arguments: [
        (UInt32(12), DNSTransport.tcp), (12, .udp), (13, .udp), (0x8000_0000, .tcp),
    ])
    func ixfrFromTheCurrentSerialIsTheSOA(_ serial: UInt32, _ transport: DNSTransport) throws {
        let transfers = Self.serviceWithVersions([Self.v1, Self.v2, Self.v3])
        let reply = try ask(transfers, try request(.ixfr, serial: serial), zone: Self.v3, transport: transport)
        #expect(reply.messages.count == 1)
        let message = try #require(try Self.parse(reply).first)
        #expect(message.rcode == .noError && !message.truncated)
        #expect(message.answers.count == 1)
        #expect(message.answers.first.flatMap(Self.serial) == 12)
    }

    /// Over UDP only "you are current" fits: any other answer is TC, empty, so the client retries over TCP.
    @Test(arguments: [UInt32(10), 11, 3])
    func ixfrOverUDPWhenBehindIsTruncated(_ serial: UInt32) throws {
        let transfers = Self.serviceWithVersions([Self.v1, Self.v2, Self.v3])
        let reply = try ask(transfers, try request(.ixfr, serial: serial), zone: Self.v3, transport: .udp)
        #expect(reply.messages.count == 1)
        let message = try #require(try Self.parse(reply).first)
        #expect(message.truncated)
        #expect(message.rcode == .noError)
        #expect(message.answers.isEmpty && message.authorities.isEmpty)
        #expect(message.questions == [Question(name: "ec2.", type: .ixfr)])
    }

    @Test func ixfrWithoutTheClientsSOAIsFORMERR() throws {
        let reply = try ask(service(), try request(.ixfr), zone: Self.zone)
        #expect(reply.rcode == .formErr)
        #expect(try Self.parse(reply).first?.rcode == .formErr)
    }

    // MARK: Access

    /// Who may transfer: only addresses in `allow`; everyone else REFUSED with EDE 18 (Prohibited).
    @Test(arguments: [
        (["127.0.0.1/32"], "127.0.0.1" as String?, RCode.noError),
        (["127.0.0.1/32"], "127.0.0.2", .refused),
        (["10.0.0.0/8", "2001:db8::/32"], "2001:db8::53", .noError),
        (["10.0.0.0/8", "2001:db8::/32"], "2001:db9::53", .refused),
        (["10.0.0.0/8"], "::ffff:10.9.9.9", .noError),
        ([], "127.0.0.1", .refused),
        (["0.0.0.0/0"], nil, .refused),
    ])
    func transfersNeedAnAllowedAddress(_ allow: [String], _ client: String?, _ rcode: RCode) throws {
        for type in [RRType.axfr, .ixfr] {
            let reply = try ask(service(allow: allow), try request(type, serial: 1), zone: Self.zone, from: client)
            let message = try #require(try Self.parse(reply).first)
            #expect(message.rcode == rcode, "\(type)")
            if rcode == .refused {
                #expect(reply.messages.count == 1)
                #expect(Self.extendedError(message) == 18)
                #expect(message.answers.isEmpty)
                #expect(!message.authoritative)
            }
        }
    }

    /// With keys configured, an unsigned transfer from an allowed address is refused too.
    @Test func withKeysATransferMustBeSigned() throws {
        let reply = try ask(service(keys: [xfrKey]), try request(.axfr), zone: Self.zone)
        let message = try #require(try Self.parse(reply).first)
        #expect(message.rcode == .refused)
        #expect(Self.extendedError(message) == 18)
        #expect(SignedMessage(reply.messages[0]) == nil)
    }

    struct BadSignature: Sendable, CustomTestStringConvertible {
        var testDescription: String
        var key: TSIGKey
        var time: UInt64
        var error: UInt16
    }

    static let badSignatures: [BadSignature] = [
        BadSignature(
            testDescription: "an unknown key", key: TSIGKey(name: "stranger", algorithm: .hmacSHA256, secret: xfrKey.secret),
            time: Clock.now, error: 17),
        BadSignature(
            testDescription: "the key's name with another algorithm",
            key: TSIGKey(name: "xfr", algorithm: .hmacSHA512, secret: xfrKey.secret), time: Clock.now, error: 17),
        BadSignature(
            testDescription: "a wrong secret", key: TSIGKey(name: "xfr", algorithm: .hmacSHA256, secret: Array(repeating: 1, count: 32)),
            time: Clock.now, error: 16),
        BadSignature(testDescription: "a clock ten minutes slow", key: xfrKey, time: Clock.now - 600, error: 18),
        BadSignature(testDescription: "a clock ten minutes fast", key: xfrKey, time: Clock.now + 600, error: 18),
    ]

    /// A bad signature: NOTAUTH with the TSIG error (RFC 8945 §5.2). BADKEY and BADSIG replies carry an empty MAC
    /// (they cannot be signed); BADTIME is signed, with fedns's time in the other data. Nothing of the zone is sent,
    /// whether or not the client is allowed, and the secret is never logged.
    @Test(arguments: badSignatures, [true, false])
    func aBadSignatureIsNOTAUTHWithTheTSIGError(_ bad: BadSignature, _ allowed: Bool) throws {
        let logs = CapturedLogs()
        let transfers = service(allow: allowed ? ["127.0.0.1/32"] : [], keys: [xfrKey], logger: logs.logger)
        let packet = try request(.axfr, key: bad.key, time: bad.time)
        let reply = try ask(transfers, packet, zone: Self.zone)
        #expect(reply.rcode == .notAuth)
        #expect(reply.messages.count == 1)
        let message = try #require(try Self.parse(reply).first)
        #expect(message.rcode == .notAuth)
        #expect(message.answers.isEmpty)
        let signed = try #require(SignedMessage(reply.messages[0]))
        #expect(signed.record.error == bad.error)
        #expect(signed.keyName == bad.key.name)
        if bad.error == 18 {
            #expect(signed.record.timeSigned == bad.time)
            #expect(signed.record.other == TSIGRecord.uint48(Clock.now))
            let requestMAC = try #require(SignedMessage(packet)).record.mac
            let expected = TSIG.sign(
                signed.unsigned, key: xfrKey, time: bad.time, requestMAC: requestMAC, error: 18, other: TSIGRecord.uint48(Clock.now))
            #expect(expected.message == reply.messages[0], "a BADTIME reply is signed with the key")
        } else {
            #expect(signed.record.mac.isEmpty)
        }
        let secret = xfrKey.secret
        for line in logs.all {
            #expect(!line.contains(String(decoding: secret, as: UTF8.self)))
            #expect(!line.contains(Data(secret).base64EncodedString()))
        }
        #expect(logs.all.contains { $0.contains("TSIG check failed") })
    }

    /// Correctly signed but from an address outside `allow`: refused, and the refusal is signed.
    @Test func aSignedRequestFromOutsideIsRefusedSigned() throws {
        let packet = try request(.axfr, key: xfrKey)
        let reply = try ask(service(allow: ["10.0.0.0/8"], keys: [xfrKey]), packet, zone: Self.zone)
        let message = try #require(try Self.parse(reply).first)
        #expect(message.rcode == .refused)
        #expect(Self.extendedError(message) == 18)
        let signed = try #require(SignedMessage(reply.messages[0]))
        let requestMAC = try #require(SignedMessage(packet)).record.mac
        #expect(TSIG.sign(signed.unsigned, key: xfrKey, time: Clock.now, requestMAC: requestMAC).message == reply.messages[0])
    }

    /// A signed query that is not a transfer (the SOA query a secondary checks the serial with) is answered as
    /// always, and signed; a NOTIFY sent to fedns (it is the primary) is not implemented, signed or not.
    @Test func otherSignedMessagesAreAnsweredSigned() throws {
        let transfers = service(keys: [xfrKey])
        let soa = try ask(transfers, try request(.soa, key: xfrKey), zone: Self.zone)
        let soaMessage = try #require(try Self.parse(soa).first)
        #expect(soaMessage.rcode == .noError)
        #expect(soaMessage.answers.first.flatMap(Self.serial) == 10)
        #expect(SignedMessage(soa.messages[0])?.record.mac.count == 32)

        let notify = try ask(transfers, try request(.soa, opcode: .notify, key: xfrKey), zone: Self.zone)
        let notifyMessage = try #require(try Self.parse(notify).first)
        #expect(notifyMessage.rcode == .notImp)
        #expect(notifyMessage.opcode == .notify)
        #expect(SignedMessage(notify.messages[0])?.record.mac.count == 32)

        // Unsigned, it does not reach the service: the general path answers it.
        let unsigned = try request(.soa, opcode: .notify)
        #expect(!transfers.handles(try Message(parsing: unsigned)))
        var buffer = [UInt8](repeating: 0, count: 65_535)
        let wire = WireAnswerer(zone: Self.zone, transfers: transfers)
        let length = unsigned.withUnsafeBytes { query in
            buffer.withUnsafeMutableBytes { out in
                wire.answer(query, transport: .udp, rotation: 0, client: try? SocketAddress(ipAddress: "127.0.0.1", port: 53), into: out).length
            }
        }
        #expect(try Message(parsing: Array(buffer.prefix(length))).rcode == .notImp)
    }

    /// A TSIG record that is not last, or cannot be read: FORMERR, nothing else.
    @Test func anUnreadableTSIGIsFORMERR() throws {
        let packet = try #require(doublingTSIG(try request(.axfr, key: xfrKey)))
        let reply = try ask(service(keys: [xfrKey]), packet, zone: Self.zone)
        #expect(reply.rcode == .formErr)
        #expect(try Self.parse(reply).first?.answers.isEmpty == true)
    }

    /// Transfers of a zone fedns does not serve, or of another class: NOTAUTH.
    @Test(arguments: [("example.com.", RRClass.in), ("ec2.", .chaos), ("host-1.ec2.", .in)])
    func aZoneNotServedIsNOTAUTH(_ zone: String, _ qclass: RRClass) throws {
        let reply = try ask(service(), try request(.axfr, zone: zone, qclass: qclass), zone: Self.zone)
        #expect(reply.rcode == .notAuth)
        #expect(try Self.parse(reply).first?.answers.isEmpty == true)
    }

    @Test func handlesTransfersAndSignedMessagesOnly() throws {
        let transfers = service()
        #expect(transfers.handles(try Message(parsing: try request(.axfr))))
        #expect(transfers.handles(try Message(parsing: try request(.ixfr, serial: 1))))
        #expect(transfers.handles(try Message(parsing: try request(.a, zone: "host-1.ec2.", key: xfrKey))))
        #expect(!transfers.handles(try Message(parsing: try request(.a, zone: "host-1.ec2."))))
        #expect(!transfers.handles(try Message(parsing: try request(.soa))))
    }

    /// `fedns_dns_transfers_total{kind, outcome}` counts each decision.
    @Test func countsTransfersByOutcome() throws {
        let metrics = TestMetrics()
        let transfers = service(allow: ["127.0.0.1/32"], keys: [xfrKey], metrics: metrics)
        _ = try ask(transfers, try request(.axfr, key: xfrKey), zone: Self.zone)
        _ = try ask(transfers, try request(.axfr, key: xfrKey), zone: Self.zone)
        _ = try ask(transfers, try request(.ixfr, serial: 10, key: xfrKey), zone: Self.zone)
        _ = try ask(transfers, try request(.axfr), zone: Self.zone)
        _ = try ask(transfers, try request(.axfr, key: xfrKey), zone: Self.zone, from: "192.0.2.1")
        _ = try ask(transfers, try request(.ixfr, serial: 1, key: xfrKey, time: 0), zone: Self.zone)
        #expect(try metrics.expectCounter("fedns_dns_transfers_total", [("kind", "axfr"), ("outcome", "ok")]).totalValue == 2)
        #expect(try metrics.expectCounter("fedns_dns_transfers_total", [("kind", "ixfr"), ("outcome", "ok")]).totalValue == 1)
        #expect(try metrics.expectCounter("fedns_dns_transfers_total", [("kind", "axfr"), ("outcome", "refused")]).totalValue == 2)
        #expect(try metrics.expectCounter("fedns_dns_transfers_total", [("kind", "ixfr"), ("outcome", "notauth")]).totalValue == 1)
    }

    /// Through the one entry point the transports call: the first message in the reply buffer, the rest to follow.
    @Test func theAnswerPathHandsTransfersToTheService() throws {
        let wire = WireAnswerer(zone: Self.zone, transfers: service())
        let query = try request(.axfr)
        var buffer = [UInt8](repeating: 0, count: WireAnswerer.maxReplyLength)
        let reply = query.withUnsafeBytes { query in
            buffer.withUnsafeMutableBytes { out in
                wire.answer(query, transport: .tcp, rotation: 0, client: try? SocketAddress(ipAddress: "127.0.0.1", port: 53), into: out)
            }
        }
        #expect(reply.rcode == .noError)
        #expect(!reply.following.isEmpty)
        let first = try Message(parsing: Array(buffer.prefix(reply.length)))
        #expect(first.answers.first.flatMap(Self.serial) == 10)
        #expect(try Message(parsing: reply.following[reply.following.count - 1]).answers.last.flatMap(Self.serial) == 10)
        // Without the service, a transfer is refused as before.
        let refused = query.withUnsafeBytes { query in
            buffer.withUnsafeMutableBytes { out in
                WireAnswerer(zone: Self.zone).answer(
                    query, transport: .tcp, rotation: 0, client: try? SocketAddress(ipAddress: "127.0.0.1", port: 53), into: out)
            }
        }
        #expect(refused.rcode == .refused)
    }
}
