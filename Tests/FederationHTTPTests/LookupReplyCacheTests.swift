import Federation
import HTTPTypes
import MetricsTestKit
import NIOCore
import NIOEmbedded
import Testing

@testable import FederationHTTP

/// The fast path's cache of lookup replies: what it keeps, when it answers, and that the site's host rule and the
/// lookup counters still apply to every request it answers.
extension FastPathTests {
    static let bobLookup = "/federation?type=name&q=bob*localhost"
    static let alice = RouteTests.alice

    func foundNames() throws -> Int64 {
        try metrics.expectCounter("fedns_federation_lookups_total", [("type", "name"), ("result", "found")]).totalValue
    }

    func answer(_ request: String) throws -> [WireResponse] {
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: request))
        return try Self.responses(from: channel, headRequests: request.hasPrefix("HEAD") ? [0] : [])
    }

    @Test("a repeated lookup is answered with the first answer's bytes, counted each time, until the book is reloaded")
    func repeatedLookup() throws {
        let first = try #require(try answer(Self.wire("GET", Self.bobLookup)).first)
        #expect(first.body.contains(Self.bob))
        #expect(cache.count == 1)

        // The book changes without the reload notice: only the cache can still give bob's old account.
        book.replace(with: AddressIndex(records: [try AddressRecord(address: "bob*localhost", accountID: Self.alice)]))
        let cached = try #require(try answer(Self.wire("GET", Self.bobLookup)).first)
        #expect(cached.comparableHeaders == first.comparableHeaders && cached.body == first.body)
        let head = try #require(try answer(Self.wire("HEAD", Self.bobLookup)).first)
        #expect(head.status == 200 && head.body.isEmpty)
        #expect(head.comparableHeaders == first.comparableHeaders, "HEAD keeps GET's Content-Length")
        #expect(try foundNames() == 3)

        // The mirror's reload notice drops the cache: the new account is served.
        cache.invalidate()
        let fresh = try #require(try answer(Self.wire("GET", Self.bobLookup)).first)
        #expect(fresh.body.contains(Self.alice) && !fresh.body.contains(Self.bob))
        #expect(try foundNames() == 4)
    }

    @Test("a cached lookup still obeys the host rule: another host, two hosts or none are refused as before")
    func cachedLookupsCheckTheHost() throws {
        _ = try answer(Self.wire("GET", Self.bobLookup))
        #expect(cache.count == 1)
        let cases: [(headers: [String], status: Int)] = [
            (["Host: elsewhere.example"], 404),
            (["Host: localhost", "Host: localhost"], 400),
            ([], 400),
            (["Host: LOCALHOST"], 200),
        ]
        for (headers, status) in cases {
            let response = try #require(try answer(Self.wire("GET", Self.bobLookup, headers: headers)).first)
            #expect(response.status == status, "\(headers)")
            #expect(response.body.contains(Self.bob) == (status == 200), "\(headers)")
        }
    }

    @Test("only found addresses asked for with GET on a kept connection are cached; a closing request is never answered from it")
    func whatIsCached() throws {
        _ = try answer(Self.wire("GET", "/federation?type=name&q=nobody*localhost"))
        _ = try answer(Self.wire("HEAD", Self.bobLookup))
        _ = try answer(Self.wire("GET", Self.bobLookup, headers: ["Host: localhost", "Connection: close"]))
        _ = try answer(Self.wire("GET", "/.well-known/stellar.toml"))
        #expect(cache.count == 0)

        _ = try answer(Self.wire("GET", Self.bobLookup))
        #expect(cache.count == 1)
        let channel = try makeChannel()
        try channel.writeInbound(ByteBuffer(string: Self.wire("GET", Self.bobLookup, headers: ["Host: localhost", "Connection: close"])))
        let closing = try #require(try Self.responses(from: channel).first)
        #expect(closing.status == 200 && closing.header("Connection") == "close")
        #expect(!channel.isActive)
    }

    @Test("a reply computed before a reload is not kept; the cache stays within its capacity and keeps what is used")
    func generationsAndCapacity() throws {
        let reply = ResponseBytes(SiteResponse(head: HTTPResponse(status: .ok), body: ByteBuffer(string: "{}")))
        let lookup = LookupOutcome(type: "name", status: 200)
        let small = LookupReplyCache(capacity: 2)
        func store(_ name: String, computedAt generation: Int? = nil) {
            small.store(LookupReplyCache.Entry(reply: reply, lookup: lookup), for: name, computedAt: generation ?? small.generation)
        }
        let before = small.generation
        small.invalidate()
        store("stale", computedAt: before)
        #expect(small.count == 0)

        for name in ["a", "b"] { store(name) }
        #expect(small.entry(for: "a") != nil)
        store("c")
        #expect(small.entry(for: "a") != nil, "used again, so kept")
        #expect(small.entry(for: "b") == nil, "the least recently used, so dropped first")
        for name in ["e", "f", "g", "h", "i"] {
            store(name)
            #expect(small.count <= small.capacity)
        }
        #expect(small.entry(for: "i") != nil, "the newest entry is kept")
    }
}
