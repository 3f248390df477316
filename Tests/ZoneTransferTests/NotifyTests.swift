import DNSWire
import Testing

@testable import ZoneTransfer

/// The NOTIFY message fedns sends (RFC 1996 §3) and what counts as its acknowledgement.
@Suite struct NotifyTests {
    static let soa: [UInt8] = {
        let rdata: [UInt8] = [0, 0] + [0, 0, 0, 42] + [UInt8](repeating: 0, count: 16)
        let apex: DNSName = "ec2."
        return apex.wire + [0, 6, 0, 1, 0, 0, 0, 60, 0, UInt8(rdata.count)] + rdata
    }()

    @Test func aNotifyCarriesTheQuestionAndTheNewSOA() throws {
        let message = try Message(parsing: NotifySender.notify("ec2.", soa: Self.soa, id: 0xABCD))
        #expect(message.id == 0xABCD)
        #expect(message.opcode == .notify)
        #expect(message.authoritative && !message.isResponse)
        #expect(message.questions == [Question(name: "ec2.", type: .soa)])
        #expect(message.answers.count == 1)
        guard case .soa(let soa)? = message.answers.first?.data else {
            Issue.record("no SOA in the answer section")
            return
        }
        #expect(soa.serial == 42)
    }

    /// Only a NOERROR response with our ID and opcode NOTIFY stops the retries.
    @Test(arguments: [
        ("the acknowledgement", [0xAB, 0xCD, 0xA4, 0x00], true),
        ("another ID", [0xAB, 0xCE, 0xA4, 0x00], false),
        ("a query, not a response", [0xAB, 0xCD, 0x24, 0x00], false),
        ("opcode QUERY", [0xAB, 0xCD, 0x84, 0x00], false),
        ("NOTAUTH", [0xAB, 0xCD, 0xA4, 0x09], false),
        ("REFUSED", [0xAB, 0xCD, 0xA4, 0x05], false),
    ] as [(String, [UInt8], Bool)])
    func whatAcknowledges(_ name: String, _ header: [UInt8], _ acknowledged: Bool) {
        let reply = header + [0, 1, 0, 0, 0, 0, 0, 0]
        #expect(NotifySender.isAcknowledgement(reply, id: 0xABCD) == acknowledged, "\(name)")
        #expect(!NotifySender.isAcknowledgement(Array(reply.prefix(11)), id: 0xABCD), "a short reply")
    }
}
