import Foundation
import Testing

@testable import Federation

/// The SEP-10 transactions built and signed by the Python stellar-sdk (`Tests/fixtures/sep10/make_vectors.py`,
/// stellar-sdk 16.1.1), read from `Tests/fixtures/sep10/vectors.json`.
struct SEP10Vectors: Decodable {
    struct Vector: Decodable, CustomTestStringConvertible {
        var name: String
        var envelope: String
        var hash: String?
        var network_passphrase: String
        var kind: String
        var home_domain: String?
        var web_auth_domain: String?
        var min_time: UInt64?
        var max_time: UInt64?
        var nonce: String?
        var refusal: String?

        var testDescription: String { name }
        var network: StellarNetwork { StellarNetwork(passphrase: network_passphrase) }
    }

    var server_seed: String
    var server_account: String
    var client_seed: String
    var client_account: String
    var other_seed: String
    var other_account: String
    var vectors: [Vector]

    static let shared: SEP10Vectors = {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("fixtures/sep10/vectors.json")
        do {
            return try JSONDecoder().decode(SEP10Vectors.self, from: Data(contentsOf: url))
        } catch {
            preconditionFailure("cannot read \(url.path): \(error)")  // test data only
        }
    }()

    static func of(kind: String) -> [Vector] { shared.vectors.filter { $0.kind == kind } }

    static func key(_ seed: String) -> StellarSigningKey {
        do { return try StellarSigningKey(seed: seed) } catch { preconditionFailure("fixture seed: \(error)") }
    }

    static var server: StellarSigningKey { key(shared.server_seed) }
    static var client: StellarSigningKey { key(shared.client_seed) }
    static var other: StellarSigningKey { key(shared.other_seed) }
}

extension Array where Element == UInt8 {
    var hex: String { map { String(format: "%02x", $0) }.joined() }
}
