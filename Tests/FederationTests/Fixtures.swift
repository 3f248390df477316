@testable import Federation

/// A small address book shared by the protocol tests.
enum Fixtures {
    static let bobAccount = "GCIBUCGPOHWMMMFPFTDWBSVHQRT4DIBJ7AD6BZJYDITBK2LCVBYW7HUQ"
    static let aliceAccount = "GD2GJPL3UOK5LX7TWXOACK2ZPWPFSLBNKL3GTGH6BLBNISK4BGWMFBBG"
    static let poolAccount = "GCCVPYFOHY7ZB7557JKENAX62LUAPLMGIWNZJAFV2MITK6T32V37KEJU"
    static let unknownAccount = "GA7QYNF7SOWQ3GLR2BGMZEHXAVIRZA4KVWLTJJFC7MGXUA74P7UJVSGZ"

    static func record(_ address: String, _ account: String, _ memoType: String? = nil, _ memo: String? = nil) -> AddressRecord {
        do {
            return try AddressRecord(address: address, accountID: account, memoType: memoType, memo: memo)
        } catch {
            preconditionFailure("fixture \(address) is invalid: \(error)")  // test data only
        }
    }

    /// In preference order: for the pool account, `deposit*stellar.org` comes first.
    static let index = AddressIndex(records: [
        record("bob*stellar.org", bobAccount, "id", "123"),
        record("Alice*stellar.org", aliceAccount),
        record("deposit*stellar.org", poolAccount, "text", "pool"),
        record("+14155550100*stellar.org", poolAccount, "hash", "AAcOFRwjKjE4P0ZNVFtiaXB3foWMk5qhqK+2vcTL0tk="),
        record("Zoë*stellar.org", poolAccount, "id", "18446744073709551615"),
        record("bob*localhost:8443", bobAccount),
        record("carol*other.org", poolAccount, "id", "7"),
    ])

    static let responder = FederationQueryAnswerer(settings: FederationSettings(domains: [domain("empty.org")]))

    /// The answer to a raw query, as the server gives it: a query that cannot be read is answered by its error.
    static func get(
        _ query: String, method: String = "GET", answerer: FederationQueryAnswerer = responder,
        directory: any ImmediateAddressDirectory = index
    ) -> FederationResponse {
        do {
            return answerer.answer(method: method, parameters: try QueryParameters(rawQuery: query), directory: directory)
        } catch {
            return error.response
        }
    }

    static func domain(_ text: String) -> FederationDomain {
        do { return try FederationDomain(text) } catch { preconditionFailure("fixture domain \(text): \(error)") }
    }
}

/// A directory that always fails, as a database that is down does.
struct BrokenDirectory: ImmediateAddressDirectory {
    struct Down: Error {}
    func record(named name: UserName, in domain: FederationDomain) throws -> AddressRecord? { throw Down() }
    func reverseRecord(for account: AccountID, in domain: FederationDomain?) throws -> AddressRecord? { throw Down() }
    func hasAddresses(in domain: FederationDomain) throws -> Bool { throw Down() }
}
