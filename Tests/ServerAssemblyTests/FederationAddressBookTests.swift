import AddressBook
import Foundation
import Logging
import Settings
import Testing

@testable import ServerAssembly

/// The address book `fedns serve` opens for the HTTPS endpoint: the store `[federation] store` names and its mirror,
/// loaded before the endpoint is made; a store that cannot be opened stops start-up naming the key.
@Suite("Federation: the address book the assembly opens")
struct FederationAddressBookTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("fedns-assembly-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    func federation(store: String) throws -> FederationConfig {
        let text = """
            [discovery]
            source = "file"
            file = "inventory.json"
            [federation]
            certificate = "c.pem"
            private_key = "k.pem"
            domains = ["example.org"]
            store = "\(store)"
            """
        return try #require(try FednsConfig.parse(text, origin: "test.toml", directory: directory.path, environment: [:]).federation)
    }

    @Test("the store is opened and its mirror loaded before the endpoint is made")
    func opensAndLoads() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let addressBook = try await FederationAddressBook.open(try federation(store: "sqlite:book.db"), logger: Self.logger)
        #expect(addressBook.mirror.loadedVersion != nil)
        #expect(addressBook.mirror.store.location == "sqlite:\(directory.path)/book.db")
        await addressBook.close()
    }

    @Test("an unusable store stops start-up, naming federation.store")
    func unusableStore() async throws {
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("roots.pem")
        try Data("not a directory".utf8).write(to: file)
        // Under a file: no directory can be made.
        let config = try federation(store: "sqlite:\(file.path)/book.db")
        var refusal: String?
        do {
            let addressBook = try await FederationAddressBook.open(config, logger: Self.logger)
            await addressBook.close()
        } catch {
            refusal = "\(error)"
        }
        #expect(refusal?.hasPrefix("test.toml: federation.store:") == true, "\(refusal ?? "opened")")
    }
}
