import EC2Zone
import Foundation
import Testing

@testable import FuzzTargets

/// Every file of every fuzz corpus (`fuzz/corpus/TARGET/`: the seeds, what libFuzzer kept, and every input that
/// ever crashed a target) through the target's own code, without libFuzzer: a fixed bug stays fixed, and an
/// invariant the code stops keeping on a known input fails here, in seconds, on every `swift test`.
/// The targets are replayed one after another (serialized), so the replay takes one core at most.
@Suite("Fuzz corpora replayed", .serialized)
struct CorpusReplayTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("fuzz/corpus")

    @Test("every corpus file keeps its target's invariants", arguments: FuzzTarget.allCases)
    func replay(_ target: FuzzTarget) async throws {
        let directory = Self.corpus.appendingPathComponent(target.rawValue)
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
        #expect(files.contains { $0.hasPrefix("seed-") }, "fuzz/corpus/\(target.rawValue) has no seeds")
        let failures = try await Self.onItsOwnThread { () throws -> [String] in
            var failures: [String] = []
            for file in files {
                let bytes = try Data(contentsOf: directory.appendingPathComponent(file))
                do {
                    try target.run(Array(bytes))
                } catch {
                    failures.append("fuzz/corpus/\(target.rawValue)/\(file): \(error)")
                }
            }
            return failures
        }
        for failure in failures { Issue.record(Comment(rawValue: failure)) }
    }

    /// Runs CPU-bound work on a thread of its own. The replay takes seconds of CPU (tens on a busy machine); on the
    /// cooperative pool, which has one thread per core, it held every thread and starved the timing tests of other
    /// suites (request time limits, refresh wake-ups) running in parallel.
    static func onItsOwnThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            Thread { continuation.resume(with: Result { try work() }) }.start()
        }
    }

    /// The checks themselves can fail: replies that break a rule are caught (else the replay above could pass
    /// vacuously).
    @Test("the DNS reply checks catch a wrong ID, a reply to a response, an oversize UDP reply and a lost question")
    func checksCatchBadReplies() throws {
        // A query for web-1.ec2. A without EDNS, ID 0x1230, RD set.
        let query: [UInt8] = [0x12, 0x30, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 5] + Array("web-1".utf8) + [3] + Array("ec2".utf8)
            + [0, 0, 1, 0, 1]
        var reply = query
        reply[2] |= 0x80
        try DNSReplyCheck.verify(query: query, reply: reply, transport: .udp, target: .dns)  // a well-formed echo passes
        var wrongID = reply
        wrongID[1] ^= 1
        #expect(throws: InvariantViolation.self) { try DNSReplyCheck.verify(query: query, reply: wrongID, transport: .udp, target: .dns) }
        var response = query
        response[2] |= 0x80
        #expect(throws: InvariantViolation.self) { try DNSReplyCheck.verify(query: response, reply: reply, transport: .udp, target: .dns) }
        #expect(throws: InvariantViolation.self) { try DNSReplyCheck.verify(query: query, reply: nil, transport: .udp, target: .dns) }
        let oversize = reply + Array(repeating: 0, count: 600)
        #expect(throws: InvariantViolation.self) { try DNSReplyCheck.verify(query: query, reply: oversize, transport: .udp, target: .dns) }
        try DNSReplyCheck.verify(query: query, reply: oversize, transport: .tcp, target: .dns)  // trailing bytes are allowed on TCP
        var noQuestion = Array(reply[0..<12])
        noQuestion[5] = 0
        #expect(throws: InvariantViolation.self) { try DNSReplyCheck.verify(query: query, reply: noQuestion, transport: .udp, target: .dns) }
    }

    /// fuzz/corpus/credential-process/crash-523f74a07a52e6d7d478d634719679f32fb3b503: the secret key was "secret",
    /// which the credentials' description ("secret <redacted>") holds as a word; the check flagged a leak that was
    /// not one. It now compares with the same document under another secret.
    @Test("a secret key that is a word of the description, or that another field quotes, is not taken for a leak")
    func secretThatIsAWord() throws {
        for secret in ["secret", "redacted", "access key"] {
            let document = #"{"Version": 1, "AccessKeyId": "A", "SecretAccessKey": "\#(secret)", "Expiration": "te-"}"#
            try FuzzTarget.credentialProcess.run(Array(document.utf8))
        }
        // crash-433814f5…: the secret's text inside another field the error quotes, in a document with repeated keys.
        let quoted = #"{"AccessKeyId": "A", "SecretAccessKey": "s3cr3t-key", "Expiration": "4052-24-07T09:00:00s3cr3t-key"}"#
        try FuzzTarget.credentialProcess.run(Array(quoted.utf8))
    }

    @Test("the HTTP response checks catch a missing CORS header and a short body")
    func checksCatchBadResponses() throws {
        let good = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nAccess-Control-Allow-Origin: *\r\n"
            + "Strict-Transport-Security: max-age=63072000; includeSubDomains\r\nContent-Type: application/json\r\n\r\n{}"
        try HTTPTarget.verify(Array(good.utf8))
        let noCORS = good.replacingOccurrences(of: "Access-Control-Allow-Origin: *\r\n", with: "")
        #expect(throws: InvariantViolation.self) { try HTTPTarget.verify(Array(noCORS.utf8)) }
        let shortBody = good.replacingOccurrences(of: "Content-Length: 2", with: "Content-Length: 9")
        #expect(throws: InvariantViolation.self) { try HTTPTarget.verify(Array(shortBody.utf8)) }
        let badJSON = good.replacingOccurrences(of: "{}", with: "{,")
        #expect(throws: InvariantViolation.self) { try HTTPTarget.verify(Array(badJSON.utf8)) }
    }
}
