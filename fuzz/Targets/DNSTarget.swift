import DNSWire
import EC2Zone
import Foundation
import Inventory

/// `dns`: one message, answered over UDP and over TCP by the zone the ID chooses (so every input meets the
/// realistic zone, and a quarter of them a zone with other options or one that has not loaded yet).
enum DNSTarget {
    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        let zone = FuzzZones.zone(forQueryID: input.count >= 2 ? UInt16(input[0]) << 8 | UInt16(input[1]) : 0)
        for transport in DNSTransport.allCases {
            try DNSReplyCheck.answer(input, zone: zone, transport: transport, rotation: input.count, target: .dns)
        }
    }
}

/// The zones the DNS targets answer from, built once.
enum FuzzZones {
    /// The realistic one: 330 instances over three regions (shared names, a name shared by 100 instances, which
    /// no UDP reply can hold, IPv6, untagged, stopped and renamed instances, 63-character labels), the name server
    /// in the zone with IPv4 and IPv6 glue, and an extra reverse zone.
    static let main: CompiledZone = CompiledZone(
        snapshot: Snapshot(serial: 2_026_120_701, instances: FuzzFleet.instances),
        settings: ZoneOptions(
            ttl: 60, nameserverIPv4: [IPv4Address(127, 0, 0, 1)], nameserverIPv6: IPv6Address("::1").map { [$0] } ?? [],
            extraReverseZones: [DNSName.fromText("10.in-addr.arpa."), DNSName.fromText("8.b.d.0.1.0.0.2.ip6.arpa.")]))

    /// Another origin several labels deep, private addresses, stopped instances named too, an out-of-zone name
    /// server (no glue).
    static let other: CompiledZone = CompiledZone(
        snapshot: Snapshot(serial: 7, instances: FuzzFleet.instances),
        settings: ZoneOptions(
            origin: DNSName.fromText("aws.example.com."), ttl: 300, addressMode: .private, states: ["running", "stopped"],
            negativeTTL: 5, nameserver: DNSName.fromText("ns1.example.net."), hostmaster: DNSName.fromText("dns.example.net.")))

    /// Before any inventory has loaded: SERVFAIL in the zone.
    static let notReady: CompiledZone = CompiledZone.notReady(
        settings: ZoneOptions(nameserverIPv4: [IPv4Address(127, 0, 0, 1)]))

    static func zone(forQueryID id: UInt16) -> CompiledZone {
        switch id & 3 {
        case 2: other
        case 3: notReady
        default: main
        }
    }
}

extension DNSName {
    /// A name the fuzz targets spell out themselves; the root if the text were ever invalid.
    static func fromText(_ text: String) -> DNSName { (try? DNSName(text)) ?? .root }
}

/// The fleet behind the zones: deterministic, and shaped like a real account's.
enum FuzzFleet {
    static let regions = ["us-east-1", "eu-west-1", "ap-southeast-2"]

    static let instances: [Instance] = {
        let launched = Date(timeIntervalSince1970: 1_790_000_000)
        var fleet: [Instance] = []
        func add(_ index: Int, name: String?, state: String = "running", region: String? = nil, privateIPv4: [String]? = nil,
                 publicIPv4: String? = nil, ipv6: [String] = []) {
            let region = region ?? regions[index % regions.count]
            fleet.append(
                Instance(
                    id: String(format: "i-0%016x", 0xf0220_0000 + index), name: name, tags: name.map { ["Name": $0, "env": "fuzz"] } ?? [:],
                    state: state, type: ["t3.micro", "m5.large", "c7g.xlarge"][index % 3], availabilityZone: region + "abc".map(String.init)[index % 3],
                    region: region, account: "123456789012", profile: index % 2 == 0 ? "prod" : nil,
                    privateIPv4: privateIPv4 ?? ["10.\(index / 250 % 250).\(index % 250).\(index % 200 + 4)"],
                    publicIPv4: publicIPv4, ipv6: ipv6, launchTime: launched.addingTimeInterval(Double(index * 60))))
        }
        for index in 0..<150 {
            add(index, name: "web-\(index)", publicIPv4: index % 3 == 0 ? "54.\(index % 200).0.\(index % 250 + 1)" : nil,
                ipv6: index % 4 == 0 ? ["2001:db8:\(index % 16)::\(index + 1)", "2001:db8:\(index % 16)::\(index + 1000)"] : [])
        }
        for index in 150..<170 { add(index, name: "db-\(index % 4)") }  // shared names, several per region
        for index in 170..<270 { add(index, name: "crowd", privateIPv4: ["10.30.\(index / 250).\(index % 250)"]) }
        for index in 270..<290 { add(index, name: nil) }  // untagged: instance-id names only
        for index in 290..<300 { add(index, name: "batch-\(index)", state: index % 2 == 0 ? "stopped" : "pending") }
        add(300, name: "Build Box (old)")
        add(301, name: String(repeating: "x", count: 63))
        add(302, name: String(repeating: "long-name-", count: 10))  // cut to 63 characters
        add(303, name: "café-€-ü")
        add(304, name: "no-address", privateIPv4: [])
        add(305, name: "v6-only", privateIPv4: [], ipv6: ["2001:db8:ffff::1"])
        add(306, name: "Web-1")  // another spelling of web-1
        add(307, name: "us-east-1")  // a name that is also a region label
        add(308, name: "ns")  // the name server's own label
        add(309, name: "multi-homed", privateIPv4: ["10.40.0.1", "10.40.1.1", "172.16.0.9"], publicIPv4: "3.3.3.3")
        for index in 310..<330 { add(index, name: "api", region: "eu-west-1") }
        return fleet
    }()
}

/// The rules every reply of the query path keeps, checked on real replies: the one place the DNS targets
/// (and the snapshot target's zones) assert them.
enum DNSReplyCheck {
    /// Answers `query` as the transport does (into a buffer of the size the transport gives) and checks the reply.
    static func answer(
        _ query: UnsafeRawBufferPointer, zone: CompiledZone, transport: DNSTransport, rotation: Int, target: FuzzTarget
    ) throws(InvariantViolation) {
        let capacity = transport == .udp ? WireAnswerer.maxUDPReplyLength : WireAnswerer.maxReplyLength
        let reply: [UInt8]? = withUnsafeTemporaryAllocation(byteCount: capacity, alignment: 8) { buffer in
            let answerer = WireAnswerer(zone: zone)
            if transport == .udp {
                // As the UDP loop does before each batch: the prefetch walks the same bytes first.
                withUnsafePointer(to: query) { answerer.prefetch(answersTo: UnsafeBufferPointer(start: $0, count: 1)) }
            }
            let answered = answerer.answer(query, transport: transport, rotation: rotation, into: buffer)
            guard !answered.isDrop else { return nil }
            return Array(UnsafeRawBufferPointer(rebasing: buffer[0..<min(answered.length, capacity)]))
        }
        try verify(query: Array(query), reply: reply, transport: transport, target: target)
    }

    static func verify(query: [UInt8], reply: [UInt8]?, transport: DNSTransport, target: FuzzTarget) throws(InvariantViolation) {
        let where_ = "(\(transport.rawValue), query \(query.count) bytes)"
        guard query.count >= MessageHeader.size, query[2] & 0x80 == 0 else {
            try check(reply == nil, target, "a message shorter than a header or with QR=1 got a reply \(where_)")
            return
        }
        guard let reply else { throw InvariantViolation(target, "no reply to a query with a header and QR=0 \(where_)") }
        let parsedReply: Message
        do {
            parsedReply = try Message(parsing: reply)
        } catch {
            throw InvariantViolation(target, "our own reply does not parse: \(error) \(where_)")
        }
        try check(parsedReply.id == UInt16(query[0]) << 8 | UInt16(query[1]), target, "the reply's ID differs \(where_)")
        try check(parsedReply.isResponse, target, "the reply has QR=0 \(where_)")
        try check(parsedReply.opcode.rawValue == (query[2] >> 3) & 0x0F, target, "the reply's opcode differs \(where_)")
        try check(parsedReply.recursionDesired == (query[2] & 1 != 0), target, "RD was not copied \(where_)")
        try check(!parsedReply.recursionAvailable, target, "RA set by an authoritative server \(where_)")
        if parsedReply.truncated {
            try check(
                parsedReply.answers.isEmpty && parsedReply.authorities.isEmpty && parsedReply.additionals.isEmpty, target,
                "a truncated reply carries records \(where_)")
        }

        let request: Message
        do {
            request = try Message(parsing: query)
        } catch {
            // Whatever path answered it, a message our own parser refuses is a format error.
            try check(parsedReply.rcode == .formErr, target, "a query the parser refuses (\(error)) got \(parsedReply.rcode), not FORMERR \(where_)")
            try check(reply.count <= ResponseBuilder.classicUDPSize, target, "a FORMERR of \(reply.count) bytes \(where_)")
            return
        }
        let limit: Int
        switch transport {
        case .tcp: limit = Int(UInt16.max)
        case .udp:
            limit = request.edns.map { min(max(Int($0.udpPayloadSize), ResponseBuilder.classicUDPSize), Int(ResponseBuilder.advertisedUDPSize)) }
                ?? ResponseBuilder.classicUDPSize
        }
        try check(reply.count <= limit, target, "a reply of \(reply.count) bytes where the query allowed \(limit) \(where_)")
        try check((parsedReply.edns != nil) == (request.edns != nil), target, "OPT in the reply but not the query, or the reverse \(where_)")
        if request.questions.count == 1, let asked = request.questions.first {
            guard parsedReply.questions.count == 1, let echoed = parsedReply.questions.first else {
                throw InvariantViolation(target, "the question was not echoed (\(parsedReply.questions.count) questions) \(where_)")
            }
            // Byte for byte, case included (0x20 clients check it).
            try check(
                echoed.name.wire == asked.name.wire && echoed.type == asked.type && echoed.qclass == asked.qclass, target,
                "the echoed question \(echoed.name) \(echoed.type) differs from \(asked.name) \(asked.type) \(where_)")
        } else if request.opcode == .query, request.edns.map({ $0.version == 0 }) ?? true {
            try check(parsedReply.rcode == .formErr, target, "\(request.questions.count) questions answered \(parsedReply.rcode), not FORMERR \(where_)")
        }
    }
}
