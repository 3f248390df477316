import DNSWire
import Foundation
import Logging
import Metrics
import NIOCore
import Testing

@testable import EC2Zone
@testable import Inventory
@testable import ZoneTransfer

/// Fleets and zones for the transfer tests: a zone of `count` instances, each named `host-N`, in eu-west-1, with
/// a private address in 10.0.0.0/16 (so each has A, TXT and PTR records), changed from one version to the next by
/// the tests.
enum Fleet {
    static func instances(_ count: Int, offset: Int = 0) -> [Instance] {
        (0..<count).map { index in
            let number = index + offset
            return Instance(
                id: String(format: "i-0%016x", number), name: "host-\(number)", state: "running",
                availabilityZone: "eu-west-1a", region: "eu-west-1",
                privateIPv4: ["10.0.\(number / 250).\(number % 250 + 1)"])
        }
    }

    static let settings = ZoneOptions(
        nameserverIPv4: [IPv4Address(127, 0, 0, 1)], extraReverseZones: ["10.in-addr.arpa."])

    static func zone(_ instances: [Instance], serial: UInt32) -> CompiledZone {
        CompiledZone(snapshot: Snapshot(serial: serial, instances: instances), settings: settings)
    }
}

/// Hex text to bytes (the fixture's form).
func bytes(hex: String) -> [UInt8] {
    var result: [UInt8] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        result.append(UInt8(hex[index..<next], radix: 16) ?? 0)
        index = next
    }
    return result
}

/// The TSIG vectors dnspython made (Fixtures/make_tsig_vectors.py writes Fixtures/tsig-vectors.json).
struct TSIGVectors: Decodable {
    struct Reply: Decodable {
        var unsigned: String
        var signed: String
        var mac: String
    }

    struct Case: Decodable, CustomTestStringConvertible {
        var algorithm: String
        var key_name: String
        var secret: String
        var time: UInt64
        var fudge: UInt16
        var request: String
        var request_mac: String
        var replies: [Reply]

        var testDescription: String { algorithm }

        var key: TSIGKey {
            TSIGKey(
                name: (try? DNSName(key_name)) ?? .root, algorithm: TSIGKey.Algorithm(rawValue: algorithm) ?? .hmacSHA256,
                secret: Array(Data(base64Encoded: secret) ?? Data()))
        }
    }

    var cases: [Case]

    static let all: [Case] = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/tsig-vectors.json")
        guard let data = try? Data(contentsOf: url), let vectors = try? JSONDecoder().decode(TSIGVectors.self, from: data) else {
            return []
        }
        return vectors.cases
    }()
}

/// The TSIG record that ends a message, and the message as it was before it was signed (the record removed and
/// counted out, the original ID back), read independently of the code under test.
struct SignedMessage {
    var unsigned: [UInt8]
    var keyName: DNSName
    var record: TSIGRecord

    init?(_ message: [UInt8]) {
        guard let parsed = try? Message(parsing: message), let last = parsed.additionals.last, last.type == .tsig,
            case .unknown(_, let rdata) = last.data, let record = TSIGRecord(rdata: rdata)
        else { return nil }
        // fedns writes the key's name uncompressed, so the record is that many bytes at the end.
        let length = last.name.wire.count + 10 + rdata.count
        guard message.count > length + 12 else { return nil }
        var unsigned = Array(message[0..<(message.count - length)])
        unsigned[0] = UInt8(record.originalID >> 8)
        unsigned[1] = UInt8(record.originalID & 0xFF)
        let count = (UInt16(unsigned[10]) << 8 | UInt16(unsigned[11])) - 1
        unsigned[10] = UInt8(count >> 8)
        unsigned[11] = UInt8(count & 0xFF)
        self.unsigned = unsigned
        self.keyName = last.name
        self.record = record
    }
}

/// A request as a secondary sends it: `type` for the zone, the client's SOA serial in the authority section for
/// IXFR, EDNS when asked, signed with `key` at `time` when given.
func request(
    _ type: RRType, zone: String = "ec2.", serial: UInt32? = nil, edns: Bool = true, id: UInt16 = 0x5151,
    qclass: RRClass = .in, opcode: Opcode = .query, key: TSIGKey? = nil, time: UInt64 = Clock.now
) throws -> [UInt8] {
    var message = Message.query(id: id, name: try DNSName(zone), type: type, qclass: qclass, recursionDesired: false, edns: edns ? EDNS() : nil)
    message.opcode = opcode
    if let serial {
        let soa = SOAData(
            mname: try DNSName("ns.\(zone)"), rname: try DNSName("hostmaster.\(zone)"), serial: serial, refresh: 1,
            retry: 1, expire: 1, minimum: 1)
        message.authorities = [ResourceRecord(name: try DNSName(zone), ttl: 0, data: .soa(soa))]
    }
    let bytes = try message.encodedBytes()
    return key.map { TSIG.sign(bytes, key: $0, time: time).message } ?? bytes
}

/// The tests' clock: TSIG times are checked against it.
enum Clock {
    static let now: UInt64 = 1_790_000_000
}

/// A transfer service allowing `allow`, with `keys`, at the tests' clock.
func service(
    allow: [String] = ["127.0.0.1/32"], keys: [TSIGKey] = [], journal: Int = 100, logger: Logger = Logger(label: "test"),
    metrics: (any MetricsFactory)? = nil
) -> ZoneTransferService {
    let options = TransferOptions(allow: allow.compactMap(AddressRange.init), journalLength: journal, keys: keys)
    if let metrics {
        return ZoneTransferService(options: options, logger: logger, metrics: metrics, now: { Clock.now })
    }
    return ZoneTransferService(options: options, logger: logger, now: { Clock.now })
}

/// Asks the service as the transports do (the packet, the client's address) and returns the messages.
func ask(
    _ service: ZoneTransferService, _ packet: [UInt8], zone: CompiledZone, transport: DNSTransport = .tcp,
    from client: String? = "127.0.0.1"
) throws -> TransferReply {
    let parsed = try Message(parsing: packet)
    #expect(service.handles(parsed))
    let address = try client.map { try SocketAddress(ipAddress: $0, port: 5353) }
    return packet.withUnsafeBytes { raw in
        service.respond(
            to: parsed, packet: raw, zone: zone, transport: transport, client: address.flatMap(ClientAddress.init))
    }
}

let xfrKey = TSIGKey(name: "xfr", algorithm: .hmacSHA256, secret: Array("fedns-unit-test-secret-0123456789".utf8))
