import DNSWire
import EC2Zone
import Foundation
import Logging
import Metrics
import NIOCore

/// fedns as a primary for standard secondaries (NSD, Knot, BIND): AXFR (RFC 5936) and IXFR (RFC 1995) of the
/// forward zone and every reverse zone, TSIG (RFC 8945) on any message that carries it, access by address, and
/// the journal that IXFR answers from. The general answer path of `WireAnswerer` hands it every message with a
/// TSIG record and every AXFR or IXFR.
///
/// Metrics: `fedns_dns_transfers_total{kind, outcome}` (`axfr`/`ixfr`; `ok`, `refused`, `notauth`, `error`) and
/// `fedns_dns_secondary_serial{secondary}`, the serial a secondary last transferred.
public final class ZoneTransferService: TransferResponder {
    public let options: TransferOptions
    public let journal: TransferJournal
    private let logger: Logger
    private let metrics: any MetricsFactory
    /// Seconds since 1970, for TSIG's time check (tests move it).
    private let now: @Sendable () -> UInt64

    public init(
        options: TransferOptions, logger: Logger, metrics: any MetricsFactory = MetricsSystem.factory,
        now: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970) }
    ) {
        self.options = options
        journal = TransferJournal(length: options.journalLength, path: options.journalPath)
        self.logger = logger
        self.metrics = metrics
        self.now = now
    }

    /// Takes a newly compiled zone's contents into the journal (and its file): each zone served gets a step from
    /// its previous version. Returns the new SOA of each configured zone whose serial moved, for NOTIFY.
    public func zoneCompiled(_ zone: CompiledZone) -> [(apex: DNSName, soa: [UInt8])] {
        guard zone.isReady else { return [] }
        let zones = zone.servedZones.compactMap { zone.records(ofZone: $0) }
        let changed = Set(journal.record(zones))
        do {
            try journal.save()
        } catch {
            logger.error("cannot write the transfer journal", metadata: ["path": "\(journal.path ?? "-")", "error": "\(error)"])
        }
        let configured = Set(zone.configuredZones)
        return zones.filter { changed.contains($0.apex) && configured.contains($0.apex) }.map { ($0.apex, $0.soa) }
    }

    /// Restores the journal saved before a restart (after the first zone is compiled, so that only steps leading
    /// to the serials served now are kept).
    public func restoreJournal() {
        if let problem = journal.load() { logger.warning("\(problem)") }
    }

    public func handles(_ request: Message) -> Bool {
        request.additionals.last?.type == .tsig || request.questions.first.map { $0.type == .axfr || $0.type == .ixfr } == true
    }

    public func respond(
        to request: Message, packet: UnsafeRawBufferPointer, zone: CompiledZone, transport: DNSTransport,
        client: ClientAddress?
    ) -> TransferReply {
        let packet = Array(packet)
        let question = request.questions.first
        var signer: Signer?
        if request.additionals.last?.type == .tsig {
            switch TSIG.verify(request, packet: packet, keys: options.keys, now: now()) {
            case .malformed:
                return reply(request, rcode: .formErr, signer: nil)
            case .invalid(let error, let key, let record, let keyName):
                logger.warning(
                    "TSIG check failed",
                    metadata: [
                        "key": "\(keyName)", "error": "\(Self.errorName(error))", "client": "\(client?.description ?? "-")",
                    ])
                countTransfer(question, outcome: "notauth")
                return refuseSigned(request, key: key, record: record, keyName: keyName, error: error)
            case .valid(let key, let record):
                signer = Signer(key: key, requestMAC: record.mac, time: now())
            }
        }
        guard let question, question.type == .axfr || question.type == .ixfr else {
            // Another signed message (the SOA query a secondary checks the serial with): answered as always, signed.
            var unsigned = request
            unsigned.additionals.removeAll { $0.type == .tsig }
            let response = ResponseBuilder.response(to: unsigned, zone: zone)
            return reply(response, signer: signer)
        }
        return transfer(request, question: question, zone: zone, transport: transport, client: client, signer: signer)
    }

    // MARK: Transfers

    private func transfer(
        _ request: Message, question: Question, zone: CompiledZone, transport: DNSTransport, client: ClientAddress?,
        signer: Signer?
    ) -> TransferReply {
        let kind = question.type == .axfr ? "axfr" : "ixfr"
        guard let client, options.allow.contains(where: { $0.contains(client) }) else {
            countTransfer(question, outcome: "refused")
            return reply(request, rcode: .refused, signer: signer, extendedError: .extendedError(.prohibited, text: "zone transfers are not allowed"))
        }
        guard options.keys.isEmpty || signer != nil else {
            countTransfer(question, outcome: "refused")
            return reply(
                request, rcode: .refused, signer: nil,
                extendedError: .extendedError(.prohibited, text: "zone transfers need a TSIG signature"))
        }
        guard question.qclass == .in, let records = records(of: question.name, in: zone) else {
            countTransfer(question, outcome: "notauth")
            return reply(request, rcode: .notAuth, signer: signer)
        }
        let questionEnd = MessageHeader.size + question.name.wire.count + 4
        var current = request
        current.additionals.removeAll { $0.type == .tsig }
        let encodedRequest = (try? current.encodedBytes()) ?? []
        // The OPT of the first message, when the request had EDNS: fedns's payload size, DO echoed.
        let opt: [UInt8]? = request.edns.map { edns in
            let size = ResponseBuilder.advertisedUDPSize
            return [0, 0, 41, UInt8(size >> 8), UInt8(size & 0xFF), 0, 0, edns.dnssecOK ? 0x80 : 0, 0, 0, 0]
        }
        guard encodedRequest.count >= questionEnd else { return reply(request, rcode: .formErr, signer: signer) }

        if question.type == .axfr {
            guard transport == .tcp else {
                countTransfer(question, outcome: "refused")
                return reply(
                    request, rcode: .refused, signer: signer,
                    extendedError: .extendedError(.prohibited, text: "AXFR is served over TCP only"))
            }
            var packer = TransferMessages(
                request: encodedRequest, questionEnd: questionEnd, apex: records.apex, reserve: signer?.reserve ?? 0, opt: opt)
            packer.add(records.soa)
            for index in 0..<records.records.count { packer.add(records.records[index]) }
            packer.add(records.soa)
            return finishTransfer(
                packer.finish(), kind: kind, form: "full", client: client, serial: records.serial, signer: signer,
                question: question)
        }

        // IXFR: the client's serial is the SOA in the authority section.
        guard let clientSOA = request.authorities.first(where: { $0.type == .soa }), case .soa(let clientData) = clientSOA.data
        else {
            countTransfer(question, outcome: "error")
            return reply(request, rcode: .formErr, signer: signer)
        }
        var packer = TransferMessages(
            request: encodedRequest, questionEnd: questionEnd, apex: records.apex, reserve: signer?.reserve ?? 0, opt: opt)
        if Self.isAtLeast(clientData.serial, records.serial) {
            // Up to date: the current SOA alone.
            packer.add(records.soa)
            return finishTransfer(
                packer.finish(), kind: kind, form: "current", client: client, serial: records.serial, signer: signer,
                question: question)
        }
        guard transport == .tcp else {
            // Over UDP only "you are current" fits; anything more: retry over TCP (RFC 1995 §2).
            var truncated = request
            truncated.additionals.removeAll { $0.type == .tsig }
            var response = ResponseBuilder.response(to: truncated, zone: zone)
            response.answers = []
            response.authorities = []
            response.additionals = []
            response.truncated = true
            return reply(response, signer: signer)
        }
        packer.add(records.soa)
        let form: String
        if let steps = journal.steps(records.apex, from: clientData.serial) {
            for step in steps {
                packer.add(step.fromSOA)
                for index in 0..<step.removed.count { packer.add(step.removed[index]) }
                packer.add(step.toSOA)
                for index in 0..<step.added.count { packer.add(step.added[index]) }
            }
            form = "incremental"
        } else {
            // The journal does not reach back that far: the whole zone, in IXFR's full form (RFC 1995 §4).
            for index in 0..<records.records.count { packer.add(records.records[index]) }
            form = "full"
        }
        packer.add(records.soa)
        return finishTransfer(
            packer.finish(), kind: kind, form: form, client: client, serial: records.serial, signer: signer,
            question: question, from: clientData.serial)
    }

    /// The zone's records now: the journal's copy when it is of this version, else taken from the zone.
    private func records(of apex: DNSName, in zone: CompiledZone) -> ZoneRecords? {
        if let recorded = journal.current(apex), recorded.serial == zone.serial { return recorded }
        return zone.records(ofZone: apex)
    }

    /// `form`: `full` (every record), `incremental` (the journal's steps from `from`) or `current` (the SOA alone).
    private func finishTransfer(
        _ messages: [[UInt8]], kind: String, form: String, client: ClientAddress, serial: UInt32, signer: Signer?,
        question: Question, from: UInt32? = nil
    ) -> TransferReply {
        countTransfer(question, outcome: "ok")
        Gauge(label: "fedns_dns_secondary_serial", dimensions: [("secondary", client.description)], factory: metrics)
            .record(Double(serial))
        logger.info(
            "zone transferred",
            metadata: [
                "zone": "\(question.name)", "kind": "\(kind)", "form": "\(form)", "secondary": "\(client)",
                "serial": "\(serial)", "from": "\(from.map(String.init) ?? "-")", "messages": "\(messages.count)",
            ])
        return TransferReply(messages: signer.map { $0.signStream(messages) } ?? messages, rcode: .noError, question: question)
    }

    private func countTransfer(_ question: Question?, outcome: String) {
        guard let question, question.type == .axfr || question.type == .ixfr else { return }
        Counter(
            label: "fedns_dns_transfers_total",
            dimensions: [("kind", question.type == .axfr ? "axfr" : "ixfr"), ("outcome", outcome)], factory: metrics
        ).increment()
    }

    // MARK: Replies

    /// A reply with no records: `rcode`, the question echoed, EDNS as asked.
    private func reply(
        _ request: Message, rcode: RCode, signer: Signer?, extendedError: EDNSOption? = nil
    ) -> TransferReply {
        var response = Message(
            id: request.id, isResponse: true, opcode: request.opcode, authoritative: rcode != .refused,
            recursionDesired: request.recursionDesired, rcode: rcode, questions: request.questions)
        if let edns = request.edns {
            response.edns = EDNS(
                udpPayloadSize: ResponseBuilder.advertisedUDPSize, dnssecOK: edns.dnssecOK,
                options: extendedError.map { [$0] } ?? [])
        }
        return reply(response, signer: signer)
    }

    private func reply(_ response: Message, signer: Signer?) -> TransferReply {
        let bytes = (try? response.encodedBytes()) ?? []
        let signed = signer.map { TSIG.sign(bytes, key: $0.key, time: $0.time, requestMAC: $0.requestMAC).message } ?? bytes
        return TransferReply(messages: [signed], rcode: response.rcode, question: response.questions.first)
    }

    /// NOTAUTH with the TSIG error: unsigned for an unknown key or a wrong MAC, signed for a time off by more
    /// than the fudge (with the server's time, so the client can see how far off it is).
    private func refuseSigned(
        _ request: Message, key: TSIGKey?, record: TSIGRecord, keyName: DNSName, error: UInt16
    ) -> TransferReply {
        var unsigned = request
        unsigned.additionals.removeAll { $0.type == .tsig }
        var response = Message(
            id: request.id, isResponse: true, opcode: request.opcode, authoritative: false,
            recursionDesired: request.recursionDesired, rcode: .notAuth, questions: request.questions)
        response.edns = unsigned.edns.map { EDNS(udpPayloadSize: ResponseBuilder.advertisedUDPSize, dnssecOK: $0.dnssecOK) }
        let bytes = (try? response.encodedBytes()) ?? []
        let message: [UInt8]
        if let key, error == TSIGRecord.badTime {
            message = TSIG.sign(
                bytes, key: key, time: record.timeSigned, requestMAC: record.mac, error: error,
                other: TSIGRecord.uint48(now())
            ).message
        } else {
            message = TSIG.unsigned(bytes, keyName: keyName, record: record, error: error)
        }
        return TransferReply(messages: [message], rcode: .notAuth, question: request.questions.first)
    }

    /// RFC 1982 serial arithmetic: `a` is `b` or later.
    static func isAtLeast(_ a: UInt32, _ b: UInt32) -> Bool {
        a == b || (a &- b) < 0x8000_0000
    }

    static func errorName(_ code: UInt16) -> String {
        switch code {
        case TSIGRecord.badSignature: return "BADSIG"
        case TSIGRecord.badKey: return "BADKEY"
        case TSIGRecord.badTime: return "BADTIME"
        default: return "\(code)"
        }
    }
}

/// Signs the replies to one signed request: the first covers the request's MAC, each later one the MAC before it.
struct Signer {
    let key: TSIGKey
    let requestMAC: [UInt8]
    let time: UInt64

    /// Room a message leaves for its TSIG record: owner, fixed fields, the algorithm's name and the MAC.
    var reserve: Int { key.name.wire.count + 10 + key.algorithm.name.wire.count + 16 + key.algorithm.macLength }

    func signStream(_ messages: [[UInt8]]) -> [[UInt8]] {
        var signed: [[UInt8]] = []
        var previous: [UInt8]?
        for message in messages {
            let result =
                previous == nil
                ? TSIG.sign(message, key: key, time: time, requestMAC: requestMAC)
                : TSIG.sign(message, key: key, time: time, previousMAC: previous)
            signed.append(result.message)
            previous = result.mac
        }
        return signed
    }
}
