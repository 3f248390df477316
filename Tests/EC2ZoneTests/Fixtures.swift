import DNSWire
import Foundation
import NIOCore

@testable import EC2Zone
@testable import Inventory

/// A small fleet covering every naming rule: public and private-only instances, IPv6, a shared name, an
/// untagged instance, a stopped one, and a tag that needs rewriting.
enum Fleet {
    static let launched = Date(timeIntervalSince1970: 1_790_000_000)

    static let instances: [Instance] = [
        Instance(
            id: "i-0aaa000000000001", name: "appserver-1", tags: ["Name": "appserver-1"], state: "running",
            type: "t3.small", availabilityZone: "eu-west-1a", region: "eu-west-1", privateIPv4: ["10.0.1.11"],
            publicIPv4: "54.0.0.11", ipv6: ["2001:db8:1::11"], launchTime: launched),
        Instance(
            id: "i-0aaa000000000002", name: "appserver-2", state: "running", type: "t3.small",
            availabilityZone: "eu-west-1b", region: "eu-west-1", privateIPv4: ["10.0.2.12"], launchTime: launched),
        Instance(
            id: "i-0aaa000000000003", name: "web", state: "running", type: "t3.micro", availabilityZone: "us-east-1a",
            region: "us-east-1", privateIPv4: ["10.1.1.21"], publicIPv4: "54.0.1.21", launchTime: launched),
        Instance(
            id: "i-0aaa000000000004", name: "Web", state: "running", type: "t3.micro", availabilityZone: "eu-west-1a",
            region: "eu-west-1", privateIPv4: ["10.0.1.22"], publicIPv4: "54.0.1.22",
            launchTime: launched.addingTimeInterval(60)),
        Instance(
            id: "i-0aaa000000000005", name: "Build Box (old)", state: "running", availabilityZone: "eu-west-1a",
            region: "eu-west-1", privateIPv4: ["10.0.1.31"]),
        Instance(
            id: "i-0aaa000000000006", state: "running", availabilityZone: "eu-west-1c", region: "eu-west-1",
            privateIPv4: ["10.0.3.41"]),
        Instance(
            id: "i-0aaa000000000007", name: "db-1", state: "stopped", availabilityZone: "eu-west-1a",
            region: "eu-west-1", privateIPv4: ["10.0.1.51"]),
    ]

    static func zone(_ settings: ZoneOptions = ZoneOptions(nameserverIPv4: [IPv4Address(127, 0, 0, 1)]), serial: UInt32 = 42)
        -> CompiledZone
    {
        CompiledZone(snapshot: Snapshot(serial: serial, instances: instances), settings: settings)
    }
}

/// Sends a query through the wire-level responder and parses the reply, as a client would see it.
struct Exchange {
    var zone: CompiledZone = Fleet.zone()
    var features: EDNSFeatures = .none
    /// The address the query comes from, as the transports pass it.
    var client: SocketAddress? = nil

    func ask(
        _ name: String, _ type: RRType = .a, qclass: RRClass = .in, edns: EDNS? = EDNS(), transport: DNSTransport = .udp,
        rotation: Int = 0, opcode: Opcode = .query
    ) throws -> Message? {
        var query = Message.query(id: 0x4242, name: try DNSName(name), type: type, qclass: qclass, edns: edns)
        query.opcode = opcode
        return try send(query.encodedBytes(), transport: transport, rotation: rotation)
    }

    func send(_ bytes: [UInt8], transport: DNSTransport = .udp, rotation: Int = 0) throws -> Message? {
        guard let reply = rawReply(bytes, transport: transport, rotation: rotation) else { return nil }
        return try Message(parsing: reply)
    }

    /// The reply bytes the transports would send, from the one entry point they call.
    func rawReply(_ bytes: [UInt8], transport: DNSTransport = .udp, rotation: Int = 0) -> [UInt8]? {
        Self.reply(bytes, transport: transport, rotation: rotation) { query, reply in
            WireAnswerer(zone: zone, features: features).answer(
                query, transport: transport, rotation: rotation, client: client, into: reply)
        }
    }

    /// The reply bytes of the general path alone (parse into values, `ResponseBuilder`), for comparing with the
    /// direct one.
    func generalReply(_ bytes: [UInt8], transport: DNSTransport = .udp, rotation: Int = 0) -> [UInt8]? {
        Self.reply(bytes, transport: transport, rotation: rotation) { query, reply in
            WireAnswerer(zone: zone, features: features).answerThroughMessages(
                query, transport: transport, rotation: rotation, client: client, into: reply)
        }
    }

    private static func reply(
        _ bytes: [UInt8], transport: DNSTransport, rotation: Int,
        _ answer: (UnsafeRawBufferPointer, UnsafeMutableRawBufferPointer) -> WireReply
    ) -> [UInt8]? {
        var reply = [UInt8](repeating: 0, count: transport == .tcp ? WireAnswerer.maxReplyLength : WireAnswerer.maxUDPReplyLength)
        let answered = bytes.withUnsafeBytes { query in reply.withUnsafeMutableBytes { answer(query, $0) } }
        return answered.isDrop ? nil : Array(reply[0..<answered.length])
    }
}

extension Message {
    /// `dig +short` style text of the answer section.
    var answerTexts: [String] { answers.map(\.data.presentation) }
}
