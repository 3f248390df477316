import Federation
import FednsSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MetricsTestKit
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Synchronization
import Testing

@testable import FederationHTTP

/// The fast path on an EmbeddedChannel behind NIO's real HTTP/1 codec: it answers what Hummingbird would answer,
/// byte for byte but the `Date`, and passes on what it must (bodies, requests queued behind Hummingbird's), keeping
/// responses in request order.
@Suite("Fast path: the same answers as Hummingbird, in request order")
struct FastPathTests {
    static let bob = "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"

    let site: SiteRequestAnswerer
    let cache = LookupReplyCache()
    let book: ReplaceableBook
    let metrics = TestMetrics()
    let lookups: FederationMetrics

    init() throws {
        let domains = [try FederationDomain("localhost")]
        book = ReplaceableBook(AddressIndex(records: [try AddressRecord(address: "bob*localhost", accountID: Self.bob, memoType: "id", memo: "42")]))
        site = SiteRequestAnswerer(
            site: SiteState(try FederationSite(domains: domains, publicURL: nil)),
            federation: FederationQueryAnswerer(settings: FederationSettings(domains: Set(domains))), directory: book)
        lookups = FederationMetrics(factory: metrics)
    }

    /// An address book that a test replaces, as the mirror replaces its index on reload.
    final class ReplaceableBook: ImmediateAddressDirectory {
        private let index: Mutex<AddressIndex>

        init(_ index: AddressIndex) {
            self.index = Mutex(index)
        }

        func replace(with fresh: AddressIndex) { index.withLock { $0 = fresh } }

        func record(named name: UserName, in domain: FederationDomain) -> AddressRecord? {
            index.withLock { $0 }.record(named: name, in: domain)
        }

        func reverseRecord(for account: AccountID, in domain: FederationDomain?) -> AddressRecord? {
            index.withLock { $0 }.reverseRecord(for: account, in: domain)
        }

        func hasAddresses(in domain: FederationDomain) -> Bool { index.withLock { $0 }.hasAddresses(in: domain) }
    }

    /// What a handler placed after the fast path (Hummingbird's side) receives.
    final class PassedOn: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        var parts: [HTTPServerRequestPart] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            parts.append(unwrapInboundIn(data))
        }

        var heads: [HTTPRequestHead] {
            parts.compactMap { if case .head(let head) = $0 { head } else { nil } }
        }
    }

    func makeChannel(passedOn: PassedOn = PassedOn()) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandlers([
            HTTPResponseEncoder(), ByteToMessageHandler(HTTPRequestDecoder()), FastPathHandler(site: site, cache: cache, metrics: lookups), passedOn,
        ])
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 443)).wait()
        return channel
    }

    /// A response as it went out: status, headers in order, body.
    struct WireResponse: Equatable {
        var status: Int
        var headers: [(String, String)]
        var body: String

        static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.status == rhs.status && lhs.body == rhs.body && lhs.headers.map { "\($0): \($1)" } == rhs.headers.map { "\($0): \($1)" }
        }

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        /// Sorted by name, lower-cased, without `Date`: what to compare with Hummingbird's answer.
        var comparableHeaders: [String] {
            headers.filter { $0.0.lowercased() != "date" }.map { "\($0.0.lowercased()): \($0.1)" }.sorted()
        }
    }

    /// Everything the channel wrote, split into responses by `Content-Length`.
    static func responses(from channel: EmbeddedChannel, headRequests: Set<Int> = []) throws -> [WireResponse] {
        var bytes = ByteBuffer()
        while var chunk = try channel.readOutbound(as: IOData.self) {
            guard case .byteBuffer(var buffer) = chunk else { continue }
            bytes.writeBuffer(&buffer)
            chunk = .byteBuffer(buffer)
        }
        var text = Substring(String(buffer: bytes))
        var responses: [WireResponse] = []
        while let end = text.range(of: "\r\n\r\n") {
            let lines = text[..<end.lowerBound].split(separator: "\r\n", omittingEmptySubsequences: false)
            #expect(lines[0].hasPrefix("HTTP/1.1 "), "\(lines[0])")
            let status = Int(lines[0].dropFirst("HTTP/1.1 ".count).prefix(3)) ?? 0
            // The reason phrase NIO's encoder writes on Hummingbird's path.
            #expect(lines[0] == "HTTP/1.1 \(status) \(HTTPResponseStatus(statusCode: status).reasonPhrase)", "\(lines[0])")
            let headers = lines.dropFirst().map { line -> (String, String) in
                let colon = line.firstIndex(of: ":")!
                return (String(line[..<colon]), String(line[line.index(after: colon)...].drop { $0 == " " }))
            }
            text = text[end.upperBound...]
            var response = WireResponse(status: status, headers: headers, body: "")
            let length = headRequests.contains(responses.count) ? 0 : Int(response.header("Content-Length") ?? "0")!
            response.body = String(text.prefix(length))
            text = text.dropFirst(length)
            responses.append(response)
        }
        #expect(text.isEmpty, "bytes after the last response: \(text)")
        return responses
    }

    static func wire(_ method: String, _ target: String, headers: [String] = ["Host: localhost"], version: String = "HTTP/1.1") -> String {
        "\(method) \(target) \(version)\r\n" + headers.map { $0 + "\r\n" }.joined() + "\r\n"
    }

    // MARK: The same answers

    static let parityCases: [(method: HTTPRequest.Method, target: String, headers: [String])] = [
        (.get, "/federation?type=name&q=bob*localhost", []),
        (.get, "/federation?type=name&q=BOB%2Alocalhost", []),
        (.get, "/federation?type=id&q=\(bob)", []),
        (.get, "/federation?type=name&q=nobody*localhost", []),
        (.get, "/federation?type=txid&q=abc", []),
        (.get, "/federation?type=federation&destination=bob&domain=localhost", []),
        (.get, "/federation?type=name&q=%ZZ", []),
        (.get, "/?type=name&q=bob*localhost", []),
        (.get, "/", []),
        (.get, "/.well-known/stellar.toml", []),
        (.head, "/.well-known/stellar.toml", []),
        (.get, "/.well-known/stellar.toml", ["If-None-Match: *"]),
        (.get, "/stellar.txt", []),
        (.get, "/nowhere", []),
        (.head, "/federation?type=name&q=bob*localhost", []),
        (.options, "/federation", ["Access-Control-Request-Method: GET", "Access-Control-Request-Headers: X-Client-Name"]),
        (.delete, "/federation", []),
        (.get, "/federation?type=name&q=bob*localhost", ["Connection: close"]),
    ]

    @Test("every kind of request gets Hummingbird's answer, Date aside", arguments: 0..<parityCases.count)
    func sameAnswerAsHummingbird(index: Int) async throws {
        let (method, target, extra) = Self.parityCases[index]
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: Self.wire(method.rawValue, target, headers: ["Host: localhost"] + extra)))
        let fast = try #require(try Self.responses(from: channel, headRequests: method == .head ? [0] : []).first)
        #expect(fast.header("Date")?.hasSuffix(" GMT") == true)

        var parsed = HTTPFields()
        for line in extra {
            let parts = line.split(separator: ":", maxSplits: 1)
            parsed.append(HTTPField(name: HTTPField.Name(String(parts[0]))!, value: parts[1].trimmingCharacters(in: .whitespaces)))
        }
        let fields = parsed
        let application = Application(responder: HummingbirdRequestAnswerer(site: site, metrics: lookups))
        try await application.test(.router) { client in
            try await client.execute(uri: target, method: method, headers: fields) { response in
                #expect(fast.status == Int(response.status.code))
                // Hummingbird gives every response its body's Content-Length, which NIO's encoder drops from a 204 or
                // 304 on the wire (RFC 9110 §8.6); the test client reads Hummingbird's response before any encoder.
                let bodiless = response.status == .noContent || response.status == .notModified
                let expected = response.headers.filter { $0.name != .date && !(bodiless && $0.name == .contentLength) }.map { "\($0.name.canonicalName): \($0.value)" }.sorted()
                #expect(fast.comparableHeaders == expected)
                #expect(fast.body == String(buffer: response.body))
            }
        }
    }

    @Test("Date is the current time in IMF-fixdate, and reads back as the same instant")
    func dateFormat() throws {
        #expect(HTTPDate.format(secondsSince1970: 0) == "Thu, 01 Jan 1970 00:00:00 GMT")
        #expect(HTTPDate.format(secondsSince1970: 784_111_777) == "Sun, 06 Nov 1994 08:49:37 GMT")
        #expect(HTTPDate.format(secondsSince1970: 1_709_208_000) == "Thu, 29 Feb 2024 12:00:00 GMT")
        #expect(HTTPDate.format(secondsSince1970: 4_133_980_799) == "Fri, 31 Dec 2100 23:59:59 GMT")
        for seconds in [0, 784_111_777, 1_709_208_000, 4_133_980_799] {
            #expect(HTTPDate.parse(HTTPDate.format(secondsSince1970: seconds))?.timeIntervalSince1970 == TimeInterval(seconds))
        }
        var header = DateHeader()
        let now = Int(Date().timeIntervalSince1970)
        let current = try #require(HTTPDate.parse(header.current())).timeIntervalSince1970
        #expect(abs(Int(current) - now) <= 1)
    }

    // MARK: What is passed on, and the order of answers

    @Test("a request with a body goes to Hummingbird, and so does every request behind it until its answer ends")
    func bodiesAndWhatQueuesBehindThem() throws {
        let passedOn = PassedOn()
        let channel = try makeChannel(passedOn: passedOn)
        let lookup = Self.wire("GET", "/federation?type=name&q=bob*localhost")
        try channel.writeInbound(
            ByteBuffer(string: "POST /federation HTTP/1.1\r\nHost: localhost\r\nContent-Length: 4\r\n\r\nabcd" + lookup))
        #expect(passedOn.heads.map(\.uri) == ["/federation", "/federation?type=name&q=bob*localhost"])
        #expect(try Self.responses(from: channel).isEmpty, "answered ahead of the request Hummingbird owes an answer to")

        // Hummingbird answers both; the next request is the fast path's again.
        for _ in 0..<2 {
            try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: ["Content-Length": "0"])))
            try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        }
        #expect(try Self.responses(from: channel).map(\.status) == [200, 200])
        try channel.writeInbound(ByteBuffer(string: lookup))
        #expect(passedOn.heads.count == 2)
        let answered = try Self.responses(from: channel)
        #expect(answered.map(\.status) == [200])
        #expect(answered.first?.body.contains(Self.bob) == true)
    }

    @Test("pipelined requests are answered in order, in one flush")
    func pipelined() throws {
        let channel = try makeChannel()
        try channel.writeInbound(
            ByteBuffer(
                string: Self.wire("GET", "/federation?type=name&q=bob*localhost") + Self.wire("GET", "/nowhere")
                    + Self.wire("GET", "/federation?type=id&q=\(Self.bob)")))
        #expect(try Self.responses(from: channel).map(\.status) == [200, 404, 200])
    }

    @Test("Connection: close, in any form, is answered with Connection: close and closes; nothing after it is answered")
    func closing() throws {
        for request in [
            Self.wire("GET", "/federation?type=name&q=bob*localhost", headers: ["Host: localhost", "Connection: Keep-Alive, CLOSE"]),
            Self.wire("GET", "/federation?type=name&q=bob*localhost", version: "HTTP/1.0"),
        ] {
            let passedOn = PassedOn()
            let channel = try makeChannel(passedOn: passedOn)
            try channel.writeInbound(ByteBuffer(string: request + Self.wire("GET", "/stellar.txt")))
            let answered = try Self.responses(from: channel)
            #expect(answered.map(\.status) == [200])
            #expect(answered.first?.header("Connection") == "close")
            #expect(!channel.isActive)
            #expect(passedOn.parts.isEmpty)
        }
    }

    @Test("a request passed on that does not keep its connection says exactly Connection: close")
    func passedOnClose() throws {
        let passedOn = PassedOn()
        let channel = try makeChannel(passedOn: passedOn)
        try channel.writeInbound(
            ByteBuffer(string: "POST /federation HTTP/1.0\r\nHost: localhost\r\nContent-Length: 1\r\n\r\nx" + Self.wire("GET", "/stellar.txt")))
        #expect(passedOn.heads.map { $0.headers["Connection"] } == [["close"]])
        #expect(try Self.responses(from: channel).isEmpty)
    }
}
