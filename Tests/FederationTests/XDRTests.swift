import Foundation
import Testing

@testable import Federation

/// Our XDR codec for the SEP-10 transaction subset, against transactions the Python stellar-sdk built and signed.
@Suite struct XDRTests {
    @Test("decoding and encoding again gives the SDK's bytes; the hash is the SDK's", arguments: SEP10Vectors.shared.vectors.filter { $0.kind != "refuse" })
    func roundTrip(vector: SEP10Vectors.Vector) throws {
        let bytes = try #require(Data(base64Encoded: vector.envelope))
        let envelope = try StellarXDR.Envelope(xdr: Array(bytes))
        #expect(envelope.xdr == Array(bytes))
        #expect(envelope.base64 == vector.envelope)
        if let hash = vector.hash { #expect(envelope.transaction.hash(network: vector.network).hex == hash) }
    }

    @Test("what a challenge holds, read field by field")
    func fields() throws {
        let vector = try #require(SEP10Vectors.of(kind: "challenge").first)
        let envelope = try StellarXDR.Envelope(base64: vector.envelope)
        let tx = envelope.transaction
        #expect(tx.source == .account(try AccountID(SEP10Vectors.shared.server_account)))
        #expect(tx.fee == 200)
        #expect(tx.sequence == 0)
        #expect(tx.timeBounds == StellarXDR.TimeBounds(minTime: 1_700_000_000, maxTime: 1_700_000_300))
        #expect(tx.memo == .none)
        #expect(tx.operations.map(\.manageData.nameText) == ["example.org auth", "web_auth_domain"])
        #expect(tx.operations[0].source == .account(try AccountID(SEP10Vectors.shared.client_account)))
        #expect(tx.operations[0].manageData.value.map { String(decoding: $0, as: UTF8.self) } == vector.nonce)
        #expect(tx.operations[1].manageData.value == Array("example.org".utf8))
        #expect(envelope.signatures.count == 1)
        #expect(envelope.signatures[0].hint == SEP10Vectors.server.hint)
    }

    @Test("shapes a challenge never has are read (memos, muxed sources, no time bounds)")
    func otherShapes() throws {
        let byName = Dictionary(uniqueKeysWithValues: SEP10Vectors.of(kind: "decode").map { ($0.name, $0) })
        let memo = try StellarXDR.Envelope(base64: try #require(byName["id memo"]).envelope)
        #expect(memo.transaction.memo == .id(12345))
        let muxed = try StellarXDR.Envelope(base64: try #require(byName["muxed client"]).envelope)
        guard case .muxed(let account)? = muxed.transaction.operations.first?.source else {
            Issue.record("expected a muxed source")
            return
        }
        #expect(account.id == 77)
        #expect(account.accountID.description == SEP10Vectors.shared.client_account)
        let unbounded = try StellarXDR.Envelope(base64: try #require(byName["no time bounds, text memo"]).envelope)
        #expect(unbounded.transaction.timeBounds == nil)
        #expect(unbounded.transaction.memo == .text(Array("hello".utf8)))
    }

    @Test("fee bumps, v0 envelopes and other operations are refused by name", arguments: SEP10Vectors.of(kind: "refuse"))
    func refusals(vector: SEP10Vectors.Vector) throws {
        let error = #expect(throws: XDRError.self) { try StellarXDR.Envelope(base64: vector.envelope) }
        guard case .unsupported(let what)? = error else {
            Issue.record("expected .unsupported, got \(String(describing: error))")
            return
        }
        let expected = ["fee bump": "fee bump", "v0": "v0 transaction envelope", "operation": "not manage_data"]
        let refusal = try #require(vector.refusal)
        let fragment = try #require(expected[refusal])
        #expect(what.contains(fragment), "\(what)")
    }

    /// A valid signed challenge, as bytes, to cut and corrupt.
    static let valid: [UInt8] = {
        let vector = SEP10Vectors.of(kind: "signed")[0]
        return Array(Data(base64Encoded: vector.envelope) ?? Data())
    }()

    @Test("malformed XDR is a typed error naming the field, never a trap", arguments: [
        ([UInt8](), "envelope type"),
        ([0, 0, 0, 2], "transaction source key type"),
        ([0, 0, 0, 9], "envelope type"),
        ([0, 0, 0, 2, 0, 0, 0, 7], "transaction source key type"),
    ])
    func malformed(bytes: [UInt8], field: String) {
        let error = #expect(throws: XDRError.self) { try StellarXDR.Envelope(xdr: bytes) }
        #expect(error?.description.contains(field) == true, "\(String(describing: error))")
    }

    @Test("every truncation of a valid envelope is refused, and trailing bytes too")
    func truncations() {
        for length in 0..<Self.valid.count {
            #expect(throws: XDRError.self) { try StellarXDR.Envelope(xdr: Array(Self.valid.prefix(length))) }
        }
        #expect(throws: XDRError.trailingBytes(4)) { try StellarXDR.Envelope(xdr: Self.valid + [0, 0, 0, 0]) }
    }

    @Test("counts and lengths past Stellar's limits are refused before anything is allocated")
    func limits() {
        // The operation count sits after source (4 + 32), fee (4), sequence (8), time bounds (4 + 16), memo (4).
        var tooMany = Self.valid
        let countOffset = 4 + 36 + 4 + 8 + 20 + 4
        tooMany.replaceSubrange(countOffset..<countOffset + 4, with: [0xFF, 0xFF, 0xFF, 0xFF])
        #expect(throws: XDRError.tooLong(field: "operations", length: Int(UInt32.max), maximum: 100)) {
            try StellarXDR.Envelope(xdr: tooMany)
        }
        var badPadding = Self.valid
        // The first data name, "example.org auth" (16 bytes), needs no padding; the web_auth_domain key (15) does.
        let name = Array("web_auth_domain".utf8)
        let start = (0...(badPadding.count - name.count)).first { Array(badPadding[$0..<$0 + name.count]) == name } ?? 0
        badPadding[start + name.count] = 1
        #expect(throws: XDRError.nonZeroPadding(field: "operation 2 data name")) { try StellarXDR.Envelope(xdr: badPadding) }
        #expect(throws: XDRError.notBase64) { try StellarXDR.Envelope(base64: "not base64!") }
    }

    @Test("random corruption of a valid envelope never traps")
    func corruption() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<3000 {
            var bytes = Self.valid
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                bytes[Int.random(in: 0..<bytes.count, using: &generator)] = UInt8.random(in: 0...255, using: &generator)
            }
            if let envelope = try? StellarXDR.Envelope(xdr: bytes) { #expect(envelope.xdr == bytes) }
        }
    }

    @Test("network IDs are SHA-256 of the passphrase")
    func networkID() {
        #expect(StellarNetwork.publicNetwork.id.hex == "7ac33997544e3175d266bd022439b22cdb16508c01163f26e5cb2a3e1045a979")
        #expect(StellarNetwork.testNetwork.id.hex == "cee0302d59844d32bdca915c8203dd44b33fbb7edc19051ea37abedf28ecd472")
    }
}
