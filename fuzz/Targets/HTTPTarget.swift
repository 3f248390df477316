import Federation
import FederationHTTP
import Foundation
import NIOCore
import NIOEmbedded
import NIOHTTP1

/// `http`: a byte stream of HTTP/1.1 requests through NIO's request decoder and the site's fast path (the `Host`
/// rule, routing, percent-decoding, SEP-2 and the 2014 protocol, stellar.toml and stellar.txt, the reply cache),
/// as the server wires them, on an EmbeddedChannel. The stream is fed twice, whole and cut into random pieces, and
/// must get the same bytes both times (but the `Date`); every response must be well-formed HTTP/1.1 with CORS and
/// HSTS, a `Content-Length` that matches its body, no 500, and a JSON body that parses.
enum HTTPTarget {
    static let bob = "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"
    static let alice = "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG"

    /// Three domains (one with a port, as tests use), a `public_url` host, the operator's own stellar.toml keys, a
    /// forward rule, and a book with every memo type, a phone-number name and a name outside ASCII.
    static let site: (site: FederationSite, federation: FederationQueryAnswerer, book: AddressIndex)? = {
        guard let localhost = try? FederationDomain("localhost:8443"), let example = try? FederationDomain("example.org"),
            let stellar = try? FederationDomain("stellar.test"), let publicURL = try? HTTPSURL("https://fed.example.net"),
            let site = try? FederationSite(
                domains: [localhost, example, stellar], publicURL: publicURL,
                operatorTOML: "ORG_NAME = \"Fuzz\"\nACCOUNTS = [\"\(bob)\"]\n[DOCUMENTATION]\nORG_URL = \"https://example.org\"\n"),
            let account = try? AccountID(alice),
            let forward = try? ForwardRule(
                forwardType: "bank_account", requiredParameters: ["swift", "acct"],
                destination: .account(account, memoType: .text, memoTemplate: "{swift} {acct}", addressTemplate: "{acct}*example.org")),
            let lookup = try? ForwardRule(forwardType: "phone", requiredParameters: ["number"], destination: .address(template: "{number}*example.org"))
        else { return nil }
        let records: [AddressRecord] = [
            ("bob*example.org", bob, "id", "42"), ("alice*example.org", alice, "text", "hello world"),
            ("carol*example.org", bob, "hash", String(repeating: "ab", count: 32)), ("+14155550100*example.org", alice, nil, nil),
            ("zoë*example.org", bob, "text", "ü"), ("bob*localhost:8443", bob, nil, nil), ("dave*stellar.test", alice, "return", String(repeating: "cd", count: 32)),
        ].compactMap { try? AddressRecord(address: $0.0, accountID: $0.1, memoType: $0.2, memo: $0.3) }
        let settings = FederationSettings(domains: [localhost, example, stellar], forwardRules: [forward, lookup])
        return (site, FederationQueryAnswerer(settings: settings), AddressIndex(records: records))
    }()

    /// What goes on to Hummingbird (requests with a body): only counted here.
    final class PassedOn: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        var heads = 0

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            if case .head = unwrapInboundIn(data) { heads += 1 }
        }
    }

    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        guard let site else { throw InvariantViolation(.http, "the fuzz site could not be built") }
        let stream = Array(input)
        let whole = try exchange(stream, site: site, pieces: nil)
        var random = SplitMix(input)
        let pieced = try exchange(stream, site: site, pieces: &random)
        try check(
            whole.withoutDate == pieced.withoutDate && whole.passedOn == pieced.passedOn, .http,
            "fed whole and fed in pieces, the stream got different answers:\n\(String(decoding: whole.bytes, as: UTF8.self))\n---\n\(String(decoding: pieced.bytes, as: UTF8.self))")
        try verify(whole.bytes)
    }

    struct Output {
        var bytes: [UInt8]
        var passedOn: Int

        /// The bytes without each response's `Date` line, which may tick between the two feeds.
        var withoutDate: [Substring] {
            String(decoding: bytes, as: UTF8.self).split(separator: "\r\n", omittingEmptySubsequences: false)
                .filter { !$0.lowercased().hasPrefix("date:") }
        }
    }

    /// Feeds `stream` whole (`pieces` nil) or in pieces of random sizes, and returns what the channel wrote.
    static func exchange(
        _ stream: [UInt8], site: (site: FederationSite, federation: FederationQueryAnswerer, book: AddressIndex),
        pieces: UnsafeMutablePointer<SplitMix>?
    ) throws(InvariantViolation) -> Output {
        let channel = EmbeddedChannel()
        let passedOn = PassedOn()
        do {
            try channel.pipeline.syncOperations.addHandlers([
                HTTPResponseEncoder(), ByteToMessageHandler(HTTPRequestDecoder()),
                makeFastPathHandler(site: site.site, federation: site.federation, directory: site.book), passedOn,
            ])
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        } catch {
            throw InvariantViolation(.http, "could not set up the channel: \(error)")
        }
        var offset = 0
        while offset < stream.count, channel.isActive {
            let size = pieces.map { $0.pointee.next(in: 0...3) == 0 ? stream.count : $0.pointee.next(in: 1...48) } ?? stream.count
            let end = min(stream.count, offset + size)
            do {
                try channel.writeInbound(ByteBuffer(bytes: stream[offset..<end]))
            } catch {
                // A request the parser refuses: Hummingbird answers it with a 400 in the server; here the stream ends.
                break
            }
            offset = end
        }
        var bytes: [UInt8] = []
        while let chunk = try? channel.readOutbound(as: IOData.self) {
            if case .byteBuffer(let buffer) = chunk { bytes += buffer.readableBytesView }
        }
        _ = try? channel.finish()
        return Output(bytes: bytes, passedOn: passedOn.heads)
    }

    /// Every response in `bytes` is well-formed and keeps the site's rules.
    static func verify(_ bytes: [UInt8]) throws(InvariantViolation) {
        var rest = bytes[...]
        let separator: [UInt8] = Array("\r\n\r\n".utf8)
        let statusPrefix: [UInt8] = Array("HTTP/1.1 ".utf8)
        while !rest.isEmpty {
            guard let end = rest.firstRange(of: separator) else {
                throw InvariantViolation(.http, "a response head without its end: \(String(decoding: rest.prefix(200), as: UTF8.self))")
            }
            let head = String(decoding: rest[rest.startIndex..<end.lowerBound], as: UTF8.self)
            rest = rest[end.upperBound...]
            let lines = head.split(separator: "\r\n", omittingEmptySubsequences: false)
            guard let statusLine = lines.first, statusLine.hasPrefix("HTTP/1.1 "), let status = Int(statusLine.dropFirst(9).prefix(3))
            else { throw InvariantViolation(.http, "not an HTTP/1.1 status line: \(lines.first ?? "")") }
            try check((200..<600).contains(status) && status != 500 && status != 502, .http, "status \(status): \(head)")
            var fields: [String: [String]] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { throw InvariantViolation(.http, "a header line without a colon: \(line)") }
                fields[line[..<colon].lowercased(), default: []].append(line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            try check(fields["access-control-allow-origin"] == ["*"], .http, "CORS missing or repeated: \(head)")
            try check(fields["strict-transport-security"] == ["max-age=63072000; includeSubDomains"], .http, "HSTS missing or repeated: \(head)")
            let length: Int
            if status == 204 || status == 304 {
                try check(fields["content-length"] == nil, .http, "a \(status) with Content-Length: \(head)")
                length = 0
            } else {
                guard let values = fields["content-length"], values.count == 1, let declared = Int(values[0]), declared >= 0 else {
                    throw InvariantViolation(.http, "Content-Length missing, repeated or invalid: \(head)")
                }
                // A HEAD answer declares GET's length and sends no body: the next response (or nothing) follows at once.
                // No body of ours starts with a status line.
                length = rest.starts(with: statusPrefix) || rest.isEmpty ? 0 : declared
                try check(length == 0 || rest.count >= length, .http, "a body shorter than its Content-Length \(declared): \(head)")
            }
            let body = rest.prefix(length)
            rest = rest.dropFirst(length)
            if !body.isEmpty, fields["content-type"]?.first?.hasPrefix("application/json") == true {
                try check(
                    (try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed])) != nil, .http,
                    "a JSON body that does not parse: \(String(decoding: body, as: UTF8.self))")
            }
        }
    }
}
