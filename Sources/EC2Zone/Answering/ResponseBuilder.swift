import DNSWire
import NIOCore

/// The protocol policy of an authoritative server, as NSD and Knot apply it (see `Sources/EC2Zone/README.md`):
/// pure functions from a query (and the current zone) to a response, as a `Message` or as the bytes to send.
public enum ResponseBuilder {
    /// The EDNS UDP payload size advertised and the largest UDP answer ever sent (DNS Flag Day 2020).
    public static let advertisedUDPSize: UInt16 = 1232
    /// The UDP limit for clients without EDNS, and the floor for clients advertising less (RFC 6891 §6.2.5).
    public static let classicUDPSize = 512

    /// Answers one parsed query. Every query gets a response here; dropping is decided at the wire level.
    public static func response(
        to request: Message, zone: CompiledZone, rotation: Int = 0, features: EDNSFeatures = .none,
        client: ClientAddress? = nil
    ) -> Message {
        answered(request, zone: zone, rotation: rotation, features: features, client: client).response
    }

    /// The response, and whether the query carried a server cookie of ours.
    static func answered(
        _ request: Message, zone: CompiledZone, rotation: Int, features: EDNSFeatures, client: ClientAddress?
    ) -> (response: Message, cookieVerified: Bool) {
        var response = Message(
            id: request.id, isResponse: true, opcode: request.opcode, recursionDesired: request.recursionDesired,
            checkingDisabled: request.checkingDisabled, questions: request.questions)
        guard let requestEDNS = request.edns else {
            _ = answer(request, zone: zone, rotation: rotation, into: &response)
            return (response, false)
        }
        // OPT only when the query had one; DO is echoed (RFC 3225), version 0 always (RFC 6891 §6.1.3). Its
        // options, as the direct path writes them: NSID, COOKIE, an Extended DNS Error.
        var options: [EDNSOption] = []
        var cookieVerified = false
        let extendedError: EDNSOption?
        if requestEDNS.version == 0, let cookieOption = requestEDNS.options.first(where: { $0.code == EDNSOption.cookieCode }),
            let cookies = features.cookies, case let (outcome, cookie) = cookies.respond(to: cookieOption.data, client: client)
        {
            if case .answered(let verified) = outcome {
                cookieVerified = verified
                extendedError = answer(request, zone: zone, rotation: rotation, into: &response)
                options.append(EDNSOption(code: EDNSOption.cookieCode, data: cookie))
            } else {
                // RFC 7873 §5.2.2: a COOKIE option of an impossible length.
                response.rcode = .formErr
                extendedError = nil
            }
        } else {
            extendedError = answer(request, zone: zone, rotation: rotation, into: &response)
        }
        if let nsid = features.nsid, requestEDNS.version == 0, requestEDNS.options.contains(where: { $0.code == EDNSOption.nsidCode }) {
            options.insert(EDNSOption(code: EDNSOption.nsidCode, data: nsid), at: 0)
        }
        if let extendedError { options.append(extendedError) }
        response.edns = EDNS(udpPayloadSize: advertisedUDPSize, dnssecOK: requestEDNS.dnssecOK, options: options)
        return (response, cookieVerified)
    }

    /// Fills in the rcode and sections; returns the Extended DNS Error to attach, if any (RFC 8914).
    private static func answer(
        _ request: Message, zone: CompiledZone, rotation: Int, into response: inout Message
    ) -> EDNSOption? {
        if let edns = request.edns, edns.version > 0 {
            response.rcode = .badVers
            return nil
        }
        guard request.opcode == .query else {
            response.rcode = .notImp
            return nil
        }
        guard request.questions.count == 1, let question = request.questions.first else {
            response.questions = []
            response.rcode = .formErr
            return nil
        }
        switch question.type {
        case .axfr, .ixfr:
            response.rcode = .refused
            return .extendedError(.prohibited, text: "zone transfers are not allowed")
        case .opt:
            response.rcode = .formErr
            return nil
        default:
            break
        }
        guard question.qclass == .in else {
            response.rcode = .refused
            return .extendedError(.notSupported, text: "only class IN is served")
        }

        let answer = zone.lookup(question, rotation: rotation)
        if !zone.isReady && answer.status != .notAuthoritative {
            response.rcode = .servFail
            return .extendedError(.notReady, text: "no inventory loaded yet")
        }
        switch answer.status {
        case .notAuthoritative:
            response.rcode = .refused
            return .extendedError(.notAuthoritative)
        case .nameError:
            response.authoritative = true
            response.rcode = .nxDomain
            if let apex = answer.apex { response.authorities = [zone.soaRecord(apex: apex, forNegativeAnswer: true)] }
        case .exists:
            response.authoritative = true
            response.answers = answer.answers
            response.additionals = answer.additionals
            if answer.answers.isEmpty, let apex = answer.apex {
                response.authorities = [zone.soaRecord(apex: apex, forNegativeAnswer: true)]
            }
        }
        return nil
    }

    /// Answers one packet: nil means drop it (shorter than a header, or a response sent as a query, which must
    /// never be answered: that is how reflection loops start).
    /// `capacity` caps the reply further than the transport does (the caller's buffer).
    public static func reply(
        toPacket packet: ByteBuffer, zone: CompiledZone, transport: DNSTransport, rotation: Int = 0,
        capacity: Int = Int.max, allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> DNSReply? {
        guard let header = MessageHeader(packet), !header.isResponse else { return nil }
        let request: Message
        do {
            request = try Message(parsing: packet)
        } catch {
            return formatError(for: header, allocator: allocator)
        }
        return reply(to: request, zone: zone, transport: transport, rotation: rotation, capacity: capacity, allocator: allocator)
    }

    /// The reply to a query already parsed.
    public static func reply(
        to request: Message, zone: CompiledZone, transport: DNSTransport, rotation: Int = 0, capacity: Int = Int.max,
        allocator: ByteBufferAllocator = ByteBufferAllocator(), features: EDNSFeatures = .none, client: ClientAddress? = nil
    ) -> DNSReply {
        let (response, cookieVerified) = answered(request, zone: zone, rotation: rotation, features: features, client: client)
        let limit: Int
        switch transport {
        case .tcp:
            limit = Int(UInt16.max)
        case .udp:
            limit = request.edns.map {
                min(max(Int($0.udpPayloadSize), classicUDPSize), Int(advertisedUDPSize))
            } ?? classicUDPSize
        }
        var reply = encode(response, limit: min(limit, capacity), allocator: allocator)
        reply.cookieVerified = cookieVerified
        return reply
    }

    /// Encodes a response; one that does not fit is sent with TC=1 and no records, so the client retries over
    /// TCP (RFC 2181 §9, as NSD and Knot do) rather than caching a partial RRset.
    static func encode(_ response: Message, limit: Int, allocator: ByteBufferAllocator) -> DNSReply {
        var buffer = allocator.buffer(capacity: 512)
        var sent = response
        do {
            try sent.write(into: &buffer)
            if buffer.readableBytes > limit {
                sent.truncated = true
                sent.answers = []
                sent.authorities = []
                sent.additionals = []
                buffer.clear()
                try sent.write(into: &buffer)
                if buffer.readableBytes > limit {
                    // The echoed questions alone are too long (many of them, as in a NOTIMP to an odd opcode, or
                    // names the query compressed harder than we do; found by fuzzing): the header, still TC=1,
                    // fits any limit.
                    sent.questions = []
                    buffer.clear()
                    try sent.write(into: &buffer)
                }
            }
        } catch {
            // Nothing the zone holds can fail to encode, but if it ever did the client gets SERVFAIL, not silence.
            sent = Message(
                id: response.id, isResponse: true, opcode: response.opcode,
                recursionDesired: response.recursionDesired, rcode: .servFail, questions: response.questions)
            buffer.clear()
            try? sent.write(into: &buffer)
        }
        return DNSReply(
            bytes: buffer, rcode: sent.rcode, question: response.questions.first, truncated: sent.truncated)
    }

    /// FORMERR for a message whose header is readable but whose body is not: header only, ID, opcode and RD
    /// copied (NSD and BIND answer like this).
    static func formatError(for header: MessageHeader, allocator: ByteBufferAllocator) -> DNSReply {
        var buffer = allocator.buffer(capacity: MessageHeader.size)
        let copied = header.flags & 0x7900  // opcode and RD
        buffer.writeMultipleIntegers(header.id, 0x8000 | copied | UInt16(RCode.formErr.rawValue))
        buffer.writeMultipleIntegers(UInt16(0), UInt16(0), UInt16(0), UInt16(0))
        return DNSReply(bytes: buffer, rcode: .formErr, question: nil, truncated: false)
    }
}
