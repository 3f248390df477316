import DNSWire
import NIOCore

/// A reply written into the caller's buffer, and what metrics and the query log need to know of it.
public struct WireReply: Sendable, Equatable {
    /// Bytes written; 0 means the message is dropped (no reply).
    public var length: Int
    public var rcode: RCode
    /// The question's type, when the query had a readable question.
    public var questionType: RRType?
    public var truncated: Bool
    /// The query carried a server cookie of ours (RFC 7873): its client has talked to this server before.
    public var cookieVerified = false
    /// Messages that follow this one (a zone transfer over TCP); the reply buffer holds the first.
    public var following: [[UInt8]] = []

    public var isDrop: Bool { length == 0 && following.isEmpty }

    public static let drop = WireReply(length: 0, rcode: .noError, questionType: nil, truncated: false)
}

/// Answers a query from its bytes into a reply buffer: the one entry point both transports call.
///
/// The usual query (one question in class IN, no other records but an OPT without options) is answered here,
/// straight from the packet: the name is lower-cased into a stack buffer, looked up in the zone's `NameTable`,
/// and the reply is the header, the question copied byte for byte, and the zone's prebuilt records copied in
/// (rotated for names with several instances). Nothing is allocated. Every other message (opcodes other than
/// QUERY, several questions, compression pointers in the question, EDNS options, other classes, zone transfers,
/// malformed input) goes through `ResponseBuilder`, which parses it into values; both start from the zone's one
/// `locate`, and a test holds the two to the same answers.
public struct WireAnswerer: Sendable {
    public let zone: CompiledZone
    /// Zone transfers and TSIG, when configured.
    public let transfers: (any TransferResponder)?
    /// DNS Cookies and NSID, when configured.
    public let features: EDNSFeatures

    /// A reply buffer of this size holds any reply (TCP's two-octet length cannot say more).
    public static let maxReplyLength = 65_535
    /// A reply buffer of this size holds any UDP reply (nothing larger than the advertised EDNS size is sent).
    public static let maxUDPReplyLength = Int(ResponseBuilder.advertisedUDPSize)

    public init(zone: CompiledZone, transfers: (any TransferResponder)? = nil, features: EDNSFeatures = .none) {
        self.zone = zone
        self.transfers = transfers
        self.features = features
    }

    /// Answers `query` into `reply`, which must hold `maxUDPReplyLength` bytes for UDP and `maxReplyLength` for
    /// TCP to be sure of fitting the largest reply (a smaller buffer truncates as the client's limit would).
    /// `rotation` varies between calls so that RRsets with several records start at a different one each time.
    /// `client` is asked only for a query with a cookie, or by the transfer service.
    public func answer(
        _ query: UnsafeRawBufferPointer, transport: DNSTransport, rotation: Int,
        client: @autoclosure () -> SocketAddress? = nil, into reply: UnsafeMutableRawBufferPointer
    ) -> WireReply {
        // Shorter than a header, or a response sent as a query (how reflection loops start): no reply. (A reply
        // buffer without room for a classic reply is the caller's mistake, and answered by silence too.)
        guard query.count >= MessageHeader.size, query[2] & 0x80 == 0, reply.count >= ResponseBuilder.classicUDPSize
        else { return .drop }
        if let direct = answerDirectly(query, transport: transport, rotation: rotation, client: client(), into: reply) {
            return direct
        }
        return answerThroughMessages(query, transport: transport, rotation: rotation, client: client(), into: reply)
    }

    /// Before a batch of queries is answered: brings into the cache what answering them will read, step by step
    /// across the batch (`CompiledZone.prefetchAnswers`).
    public func prefetch(answersTo queries: UnsafeBufferPointer<UnsafeRawBufferPointer>) {
        zone.prefetchAnswers(to: queries)
    }

    /// The general path: parse into a `Message`, answer with `ResponseBuilder` (or the transfer service), copy the
    /// bytes.
    func answerThroughMessages(
        _ query: UnsafeRawBufferPointer, transport: DNSTransport, rotation: Int, client: SocketAddress? = nil,
        into reply: UnsafeMutableRawBufferPointer
    ) -> WireReply {
        let packet = ByteBuffer(bytes: query)
        guard let header = MessageHeader(packet), !header.isResponse else { return .drop }
        let built: DNSReply
        do {
            let request = try Message(parsing: packet)
            if let transfers, transfers.handles(request) {
                let answer = transfers.respond(
                    to: request, packet: query, zone: zone, transport: transport, client: client.flatMap(ClientAddress.init))
                return copy(answer, into: reply)
            }
            built = ResponseBuilder.reply(
                to: request, zone: zone, transport: transport, rotation: rotation, capacity: reply.count,
                features: features, client: client.flatMap(ClientAddress.init))
        } catch {
            built = ResponseBuilder.formatError(for: header, allocator: ByteBufferAllocator())
        }
        let length = built.bytes.withUnsafeReadableBytes { bytes in
            let length = min(bytes.count, reply.count)
            if let from = bytes.baseAddress, let to = reply.baseAddress { to.copyMemory(from: from, byteCount: length) }
            return length
        }
        return WireReply(
            length: length, rcode: built.rcode, questionType: built.question?.type, truncated: built.truncated,
            cookieVerified: built.cookieVerified)
    }

    /// The transfer service's reply: its first message in the buffer when it fits there, the others (or all) to
    /// follow.
    private func copy(_ answer: TransferReply, into reply: UnsafeMutableRawBufferPointer) -> WireReply {
        var answered = WireReply(length: 0, rcode: answer.rcode, questionType: answer.question?.type, truncated: false)
        guard let first = answer.messages.first else { return answered }
        if first.count <= reply.count, let out = reply.baseAddress {
            first.withUnsafeBytes { bytes in
                if let from = bytes.baseAddress { out.copyMemory(from: from, byteCount: first.count) }
            }
            answered.length = first.count
            answered.following = Array(answer.messages.dropFirst())
        } else {
            answered.following = answer.messages
        }
        return answered
    }

    /// The usual query, answered from the packet's bytes; nil when the message needs the general path.
    @inline(__always)
    func answerDirectly(
        _ query: UnsafeRawBufferPointer, transport: DNSTransport, rotation: Int,
        client: @autoclosure () -> SocketAddress? = nil, into reply: UnsafeMutableRawBufferPointer
    ) -> WireReply? {
        let flags = Self.uint16(query, 2)
        // QUERY only, exactly one question, nothing in the answer and authority sections, at most one record
        // (the OPT) in the additional section.
        guard flags & 0x7800 == 0, Self.uint16(query, 4) == 1, Self.uint16(query, 6) == 0, Self.uint16(query, 8) == 0
        else { return nil }
        let additionalCount = Self.uint16(query, 10)
        guard additionalCount <= 1 else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: DNSName.maxWireLength) { key in
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { labelBuffer in
                guard
                    let (nameLength, labelCount) = WireName.lowercase(
                        query, from: MessageHeader.size, into: key, labels: labelBuffer)
                else { return nil }
                let questionEnd = MessageHeader.size + nameLength + 4
                guard questionEnd <= query.count else { return nil }
                let type = Self.uint16(query, questionEnd - 4)
                // Class IN; OPT as a question is FORMERR and transfers are refused, by the general path.
                guard Self.uint16(query, questionEnd - 2) == 1, type != 41, type != 251, type != 252 else { return nil }
                var edns: EDNSRequest?
                if additionalCount == 1 {
                    // An OPT owned by the root, version 0, its options within the message (anything else, and a
                    // malformed option, is for the general path to refuse).
                    let opt = questionEnd
                    guard opt + 11 <= query.count, query[opt] == 0, Self.uint16(query, opt + 1) == 41, query[opt + 6] == 0
                    else { return nil }
                    let optionsEnd = opt + 11 + Int(Self.uint16(query, opt + 9))
                    guard optionsEnd <= query.count else { return nil }
                    var request = EDNSRequest(payloadSize: Self.uint16(query, opt + 3), dnssecOK: query[opt + 7] & 0x80 != 0)
                    if optionsEnd > opt + 11 {
                        let options = UnsafeRawBufferPointer(rebasing: query[(opt + 11)..<optionsEnd])
                        guard request.readOptions(options, features: features, client: client()) else { return nil }
                    }
                    edns = request
                }
                let limit =
                    transport == .tcp
                    ? Self.maxReplyLength
                    : edns.map { min(max(Int($0.payloadSize), ResponseBuilder.classicUDPSize), Self.maxUDPReplyLength) }
                        ?? ResponseBuilder.classicUDPSize
                let name = UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(key)[0..<nameLength])
                let labels = UnsafeBufferPointer(rebasing: labelBuffer[0..<labelCount])
                let location = zone.locate(name, labels: labels, hash: NameTable.hash(name))
                guard let out = reply.baseAddress, let input = query.baseAddress else { return nil }
                var writer = ReplyWriter(base: out, capacity: min(limit, reply.count))
                writer.position = questionEnd
                (out + MessageHeader.size).copyMemory(
                    from: input + MessageHeader.size, byteCount: questionEnd - MessageHeader.size)
                var sections = Sections()
                zone.wire.bytes.withUnsafeBytes { records in
                    zone.instanceWire.withUnsafeBufferPointer { instances in
                        // The zone always holds its SOA, so its records are never empty.
                        guard let records = records.baseAddress else { return }
                        var content = ZoneContent(
                            zone: zone, records: records, instances: instances, rotation: rotation,
                            nameLength: nameLength)
                        content.answer(location, type: RRType(type), writer: &writer, sections: &sections)
                    }
                }
                return finish(
                    query: query, questionEnd: questionEnd, type: RRType(type), edns: edns, sections: sections,
                    writer: &writer)
            }
        }
    }

    /// Writes the header and the OPT, or starts over as a truncated reply when the records did not fit.
    private func finish(
        query: UnsafeRawBufferPointer, questionEnd: Int, type: RRType, edns: EDNSRequest?, sections: Sections,
        writer: inout ReplyWriter
    ) -> WireReply {
        var sections = sections
        let optLength = edns.map { 11 + $0.optionsLength(nsid: features.nsid, extendedError: sections.extendedError) } ?? 0
        var truncated = false
        if writer.overflowed || writer.position + optLength > writer.capacity {
            // RFC 2181 §9, as NSD and Knot: TC=1 and no records, so the client retries over TCP.
            truncated = true
            writer.overflowed = false
            writer.position = questionEnd
            sections.answers = 0
            sections.authorities = 0
            sections.additionals = 0
        }
        if var edns {
            writer.writeOPT(&edns, nsid: features.nsid, extendedError: sections.extendedError)
            sections.additionals += 1
        }
        guard !writer.overflowed else {
            // Only a reply buffer smaller than the header, question and OPT gets here.
            return WireReply(length: 0, rcode: .servFail, questionType: type, truncated: false)
        }
        let out = writer.base
        // The ID; QR, the opcode and RD copied, AA, TC; then CD copied and the rcode. RA, AD and Z stay clear.
        out.storeBytes(of: query[0], toByteOffset: 0, as: UInt8.self)
        out.storeBytes(of: query[1], toByteOffset: 1, as: UInt8.self)
        out.storeBytes(
            of: 0x80 | (query[2] & 0x79) | (sections.authoritative ? 0x04 : 0) | (truncated ? 0x02 : 0), toByteOffset: 2,
            as: UInt8.self)
        out.storeBytes(of: (query[3] & 0x10) | UInt8(sections.rcode.rawValue & 0x0F), toByteOffset: 3, as: UInt8.self)
        Self.store(1, at: 4, in: out)
        Self.store(sections.answers, at: 6, in: out)
        Self.store(sections.authorities, at: 8, in: out)
        Self.store(sections.additionals, at: 10, in: out)
        return WireReply(
            length: writer.position, rcode: sections.rcode, questionType: type, truncated: truncated,
            cookieVerified: edns?.cookieVerified ?? false)
    }

    @inline(__always)
    static func uint16(_ bytes: UnsafeRawBufferPointer, _ offset: Int) -> UInt16 {
        UInt16(bytes[offset]) << 8 | UInt16(bytes[offset + 1])
    }

    @inline(__always)
    static func store(_ value: Int, at offset: Int, in bytes: UnsafeMutableRawPointer) {
        bytes.storeBytes(of: UInt8(truncatingIfNeeded: value >> 8), toByteOffset: offset, as: UInt8.self)
        bytes.storeBytes(of: UInt8(truncatingIfNeeded: value), toByteOffset: offset + 1, as: UInt8.self)
    }
}

/// What the query's OPT asked for.
struct EDNSRequest {
    var payloadSize: UInt16
    var dnssecOK: Bool
    /// The reply's COOKIE option data (24 bytes), when the query had a cookie and cookies are on.
    var cookie: (UInt64, UInt64, UInt64)?
    var cookieVerified = false
    /// The query asked for the NSID and one is configured.
    var wantsNSID = false

    init(payloadSize: UInt16, dnssecOK: Bool) {
        self.payloadSize = payloadSize
        self.dnssecOK = dnssecOK
    }

    /// Reads the options the server answers (COOKIE, NSID; others are ignored, RFC 6891 §6.1.2). False when an
    /// option runs past the OPT or a cookie is malformed: the general path then answers FORMERR.
    mutating func readOptions(
        _ options: UnsafeRawBufferPointer, features: EDNSFeatures, client: @autoclosure () -> SocketAddress?
    ) -> Bool {
        var position = 0
        while position < options.count {
            guard position + 4 <= options.count else { return false }
            let code = WireAnswerer.uint16(options, position)
            let length = Int(WireAnswerer.uint16(options, position + 2))
            let data = position + 4
            guard data + length <= options.count else { return false }
            position = data + length
            switch code {
            case EDNSOption.nsidCode:
                wantsNSID = features.nsid != nil
            case EDNSOption.cookieCode where cookie == nil:
                guard let cookies = features.cookies else { continue }
                var reply: (UInt64, UInt64, UInt64) = (0, 0, 0)
                let outcome = withUnsafeMutableBytes(of: &reply) { out in
                    cookies.respond(
                        to: UnsafeRawBufferPointer(rebasing: options[data..<(data + length)]),
                        client: client().flatMap(ClientAddress.init), into: out.baseAddress!)
                }
                guard case .answered(let verified) = outcome else { return false }
                cookie = reply
                cookieVerified = verified
            default:
                continue
            }
        }
        return true
    }

    /// The length of the reply OPT's options: NSID, COOKIE and an Extended DNS Error, in that order.
    func optionsLength(nsid: [UInt8]?, extendedError: (code: UInt16, text: StaticString)?) -> Int {
        (wantsNSID ? 4 + (nsid?.count ?? 0) : 0) + (cookie == nil ? 0 : 4 + ServerCookies.replyLength)
            + (extendedError.map { 6 + $0.text.utf8CodeUnitCount } ?? 0)
    }
}

/// The counts and flags of a reply being written.
struct Sections {
    var rcode: RCode = .noError
    var authoritative = true
    var answers = 0
    var authorities = 0
    var additionals = 0
    var extendedError: (code: UInt16, text: StaticString)?
}

/// Appends to the reply buffer, up to `capacity`: a record that would not fit is not written and marks the reply
/// as overflowed (to be sent truncated).
struct ReplyWriter {
    let base: UnsafeMutableRawPointer
    let capacity: Int
    var position = 0
    var overflowed = false

    init(base: UnsafeMutableRawPointer, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    @inline(__always)
    mutating func fits(_ count: Int) -> Bool {
        guard !overflowed, position + count <= capacity else {
            overflowed = true
            return false
        }
        return true
    }

    @inline(__always)
    mutating func write(_ bytes: UnsafeRawPointer, count: Int) {
        guard fits(count) else { return }
        (base + position).copyMemory(from: bytes, byteCount: count)
        position += count
    }

    /// A compression pointer to `offset` in the reply.
    @inline(__always)
    mutating func writePointer(to offset: Int) {
        guard fits(2) else { return }
        base.storeBytes(of: UInt8(0xC0 | (offset >> 8)), toByteOffset: position, as: UInt8.self)
        base.storeBytes(of: UInt8(truncatingIfNeeded: offset), toByteOffset: position + 1, as: UInt8.self)
        position += 2
    }

    /// The OPT record: the payload size fedns advertises, version 0, DO echoed (RFC 3225), and the options the
    /// query asked for: NSID, COOKIE, then an Extended DNS Error when there is one (RFC 8914).
    mutating func writeOPT(_ edns: inout EDNSRequest, nsid: [UInt8]?, extendedError: (code: UInt16, text: StaticString)?) {
        let dataLength = edns.optionsLength(nsid: nsid, extendedError: extendedError)
        // Room for all of it is checked once; what follows writes without checking.
        guard fits(11 + dataLength) else { return }
        put(0)  // the root
        putUInt16(41)
        putUInt16(Int(ResponseBuilder.advertisedUDPSize))
        put(0)  // extended rcode
        put(0)  // version
        put(edns.dnssecOK ? 0x80 : 0)
        put(0)
        putUInt16(dataLength)
        if edns.wantsNSID, let nsid {
            putUInt16(Int(EDNSOption.nsidCode))
            putUInt16(nsid.count)
            for byte in nsid { put(byte) }
        }
        if edns.cookie != nil {
            putUInt16(Int(EDNSOption.cookieCode))
            putUInt16(ServerCookies.replyLength)
            withUnsafeBytes(of: &edns.cookie!) { cookie in for byte in cookie { put(byte) } }
        }
        if let extendedError {
            let textLength = extendedError.text.utf8CodeUnitCount
            putUInt16(Int(EDNSOption.extendedErrorCode))
            putUInt16(2 + textLength)
            putUInt16(Int(extendedError.code))
            write(extendedError.text.utf8Start, count: textLength)
        }
    }

    /// Writes a byte whose room `fits` already made sure of.
    @inline(__always)
    private mutating func put(_ byte: UInt8) {
        base.storeBytes(of: byte, toByteOffset: position, as: UInt8.self)
        position += 1
    }

    @inline(__always)
    private mutating func putUInt16(_ value: Int) {
        put(UInt8(truncatingIfNeeded: value >> 8))
        put(UInt8(truncatingIfNeeded: value))
    }
}

/// The zone's side of a direct answer: which prebuilt records go in which section.
struct ZoneContent {
    let zone: CompiledZone
    /// `CompiledZone.wire.bytes`.
    let records: UnsafeRawPointer
    let instances: UnsafeBufferPointer<WireRecords.InstanceRecordSet>
    let rotation: Int
    /// The question's name length: the owner of every answer is the question at offset 12.
    let nameLength: Int

    static let questionOffset = MessageHeader.size

    @inline(__always)
    mutating func answer(_ location: ZoneLocation, type: RRType, writer: inout ReplyWriter, sections: inout Sections) {
        switch location {
        case .notAuthoritative:
            sections.rcode = .refused
            sections.authoritative = false
            sections.extendedError = (ExtendedErrorCode.notAuthoritative.rawValue, "")
            return
        default:
            break
        }
        guard zone.isReady else {
            sections.rcode = .servFail
            sections.authoritative = false
            sections.extendedError = (ExtendedErrorCode.notReady.rawValue, "no inventory loaded yet")
            return
        }
        let apexOffset: Int
        switch location {
        case .notAuthoritative:
            return
        case .nameError(let offset):
            sections.rcode = .nxDomain
            writeNegativeSOA(apexOffset: offset, writer: &writer, sections: &sections)
            return
        case .apex:
            apexOffset = 0
        case .nameserver, .instances:
            apexOffset = nameLength - zone.wire.apexKeyLength
        case .reverse(_, let offset):
            apexOffset = offset
        }
        sections.answers = answerRecords(location, type: type, writer: &writer, glue: &sections.additionals)
        if sections.answers == 0 { writeNegativeSOA(apexOffset: apexOffset, writer: &writer, sections: &sections) }
    }

    /// The record types of an instance's names, in the order ANY looks for the first non-empty one; a zone
    /// transfer sends each.
    static let instanceRecordTypes: [RRType] = [.a, .aaaa, .txt, .sshfp]

    /// Writes the records of `type` that the name at `location` holds (each owned by the question's name), and
    /// for the apex NS the name server's addresses as glue; returns how many answers. Queries and zone transfers
    /// both take records from here.
    @inline(__always)
    mutating func answerRecords(_ location: ZoneLocation, type: RRType, writer: inout ReplyWriter, glue: inout Int) -> Int {
        switch location {
        case .notAuthoritative, .nameError:
            return 0
        case .apex:
            if type == .soa || type == .any {
                writeZoneRecord(zone.wire.soa, writer: &writer)
                return 1
            }
            if type == .ns {
                writeZoneRecord(zone.wire.ns, writer: &writer)
                if zone.wire.nameserverInZone { glue = writeGlue(writer: &writer) }
                return 1
            }
            return 0
        case .nameserver:
            let a = zone.wire.nameserverA
            let aaaa = zone.wire.nameserverAAAA
            if type == .a || (type == .any && !a.isEmpty) {
                return writeOwnedByQuestion(a, recordLength: 14, writer: &writer)
            } else if type == .aaaa || type == .any {
                return writeOwnedByQuestion(aaaa, recordLength: 26, writer: &writer)
            }
            return 0
        case .instances(let node):
            let list = zone.instances(of: node)
            switch type {
            case .a: return emit(list, writer: &writer, .a)
            case .aaaa: return emit(list, writer: &writer, .aaaa)
            case .txt: return emit(list, writer: &writer, .txt)
            case .sshfp: return emit(list, writer: &writer, .sshfp)
            case .any:
                for kind in [RecordsOfType.a, .aaaa, .txt] {
                    let count = emit(list, writer: &writer, kind)
                    if count > 0 { return count }
                }
                return 0
            default:
                return 0
            }
        case .reverse(let targets, _):
            return type == .ptr || type == .any ? emit(targets, writer: &writer, .ptr) : 0
        }
    }

    /// NXDOMAIN and NODATA carry the zone's SOA, owned by the apex: a pointer to where it starts in the question.
    @inline(__always)
    private func writeNegativeSOA(apexOffset: Int, writer: inout ReplyWriter, sections: inout Sections) {
        writer.writePointer(to: Self.questionOffset + apexOffset)
        let soa = zone.wire.negativeSOA
        writer.write(records + soa.lowerBound, count: soa.count)
        sections.authorities = 1
    }

    /// One of the zone's own records, owned by the question's name.
    @inline(__always)
    private func writeZoneRecord(_ range: Range<Int>, writer: inout ReplyWriter) {
        writer.writePointer(to: Self.questionOffset)
        writer.write(records + range.lowerBound, count: range.count)
    }

    /// Records of `recordLength` bytes each (after the owner) in `range`, each owned by the question's name.
    @inline(__always)
    private func writeOwnedByQuestion(_ range: Range<Int>, recordLength: Int, writer: inout ReplyWriter) -> Int {
        var start = range.lowerBound
        var count = 0
        while start < range.upperBound {
            writeZoneRecord(start..<(start + recordLength), writer: &writer)
            start += recordLength
            count += 1
        }
        return count
    }

    /// The name server's addresses in the additional section, owned by its name.
    private func writeGlue(writer: inout ReplyWriter) -> Int {
        let owner = zone.wire.nameserverName
        var count = 0
        for (range, length) in [(zone.wire.nameserverA, 14), (zone.wire.nameserverAAAA, 26)] {
            var start = range.lowerBound
            while start < range.upperBound {
                writer.write(records + owner.lowerBound, count: owner.count)
                writer.write(records + start, count: length)
                start += length
                count += 1
            }
        }
        return count
    }

    /// The instance record types a name's RRset is made of.
    enum RecordsOfType {
        case a, aaaa, txt, ptr, sshfp

        /// Where an instance's records of this type are: offset, how many, and each one's length.
        @inline(__always)
        func of(_ set: WireRecords.InstanceRecordSet) -> (offset: Int, count: Int, length: Int) {
            switch self {
            case .a: return (Int(set.a), set.a >= 0 ? 1 : 0, WireRecords.aRecordLength)
            case .aaaa: return (Int(set.aaaa), Int(set.aaaaCount), WireRecords.aaaaRecordLength)
            case .txt: return (Int(set.txt), 1, Int(set.txtLength))
            case .ptr: return (Int(set.ptr), 1, Int(set.ptrLength))
            case .sshfp: return (Int(set.sshfp), Int(set.sshfpCount), WireRecords.sshfpRecordLength)
            }
        }
    }

    /// Copies the records of `list`'s instances, rotated: the RRset (all the instances' records in order)
    /// starts at record `rotation % count` and wraps around, as `CompiledZone.lookup` orders it. Returns how many.
    @inline(__always)
    private func emit(_ list: ArraySlice<Int32>, writer: inout ReplyWriter, _ recordsOf: RecordsOfType) -> Int {
        var total = 0
        for instance in list { total += recordsOf.of(instances[Int(instance)]).count }
        guard total > 0 else { return 0 }
        let start = CompiledZone.rotationStart(rotation, count: total)
        let base = records
        // First the records from `start` on, then those before it.
        var index = 0
        for instance in list {
            let (offset, count, length) = recordsOf.of(instances[Int(instance)])
            for record in 0..<count {
                if index >= start { writer.write(base + offset + record * length, count: length) }
                index += 1
            }
        }
        index = 0
        outer: for instance in list {
            let (offset, count, length) = recordsOf.of(instances[Int(instance)])
            for record in 0..<count {
                guard index < start else { break outer }
                writer.write(base + offset + record * length, count: length)
                index += 1
            }
        }
        return total
    }
}
