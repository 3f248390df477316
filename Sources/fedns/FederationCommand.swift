import AddressBook
import ArgumentParser
import Federation
import Foundation
import Logging
import ServerAssembly
import Settings

/// `fedns federation …`: the address book behind the federation endpoint, changed in place. A running server
/// notices every change within a second (it polls the store's change counter), without a restart.
struct FederationCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "federation",
        abstract: "Manage the Stellar federation address book ([federation] store in the configuration).",
        discussion: "A running `fedns serve` on the same store answers with the change within a second.",
        subcommands: [Add.self, Remove.self, List.self, Import.self, Export.self, Migrate.self, Check.self])

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add an address, e.g. `fedns federation add 'bob*example.org' GCIB…W7HUQ --memo-type id --memo 42`.")

        @OptionGroup var configOptions: ConfigOptions

        @Argument(help: "The Stellar address, NAME*DOMAIN (quote it: * is a shell wildcard).")
        var address: String

        @Argument(help: "The account payments go to (G…, 56 characters).")
        var accountID: String

        @Option(help: "The memo type senders must attach: text, id or hash.")
        var memoType: String?

        @Option(help: "The memo: up to 28 bytes of text, a decimal id, or a 32-byte hash in base64 or hex.")
        var memo: String?

        @Flag(help: "Replace the account and memo if the address exists, instead of failing.")
        var update = false

        func run() async throws {
            try await withAddressBook(configOptions, command: "add") { store in
                let record: AddressRecord
                do {
                    record = try AddressRecord(address: address, accountID: accountID, memoType: memoType, memo: memo)
                } catch {
                    throw CommandFailure("\(error)")
                }
                if update {
                    let verb =
                        switch try await store.upsert(record) {
                        case .added: "added"
                        case .updated: "updated"
                        case .unchanged: "unchanged"
                        }
                    print("\(verb): \(record) (\(store.location))")
                } else {
                    try await store.add(record)
                    print("added: \(record) (\(store.location))")
                }
            }
        }
    }

    struct Remove: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Remove an address (the name matches ignoring case).")

        @OptionGroup var configOptions: ConfigOptions

        @Argument(help: "The Stellar address, NAME*DOMAIN.")
        var address: String

        func run() async throws {
            try await withAddressBook(configOptions, command: "remove") { store in
                let parsed: StellarAddress
                do {
                    parsed = try StellarAddress(address)
                } catch {
                    throw CommandFailure("\"\(address)\": \(error)")
                }
                guard try await store.remove(parsed) else {
                    throw CommandFailure("\(parsed) is not in the address book (\(store.location)); see `fedns federation list`")
                }
                print("removed: \(parsed) (\(store.location))")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List addresses, sorted by domain and name.")

        @OptionGroup var configOptions: ConfigOptions

        @Option(help: "Only this domain.")
        var domain: String?

        @Flag(help: "Print a JSON array in the import format (address, account_id, memo_type, memo).")
        var json = false

        func run() async throws {
            try await withAddressBook(configOptions, command: "list") { store in
                let records = try await store.list(domain: try parseDomain(domain)).map(\.record)
                if json {
                    print(AddressListing.json(records))
                } else {
                    for line in AddressListing.table(records) { print(line) }
                }
            }
        }
    }

    struct Import: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import addresses from a CSV or JSON file, all or nothing.",
            discussion: """
                CSV has a header row naming the columns address,account_id,memo_type,memo; JSON is an array of objects \
                with those keys. Every bad line is reported with its number and nothing is written; otherwise all \
                records are written in one transaction. Existing addresses are updated, others left alone, unless \
                --replace is given.
                """)

        @OptionGroup var configOptions: ConfigOptions

        @Argument(help: "The file (.csv or .json).")
        var file: String

        @Option(help: "The file's format when its name does not say: csv or json.")
        var format: String?

        @Flag(help: "Make the address book exactly the file's addresses: remove every address the file does not list.")
        var replace = false

        func run() async throws {
            var fileFormat: AddressFile.Format?
            if let format {
                guard let known = AddressFile.Format(rawValue: format.lowercased()) else {
                    throw ValidationError("--format must be csv or json, found \"\(format)\"")
                }
                fileFormat = known
            }
            let records: [AddressRecord]
            do {
                records = try AddressFile.read(path: file, format: fileFormat)
            } catch {
                printError("fedns federation import: \(error)")
                throw ExitCode.failure
            }
            try await withAddressBook(configOptions, command: "import") { store in
                let summary = try await store.importRecords(records, mode: replace ? .replaceAll : .merge)
                print("imported \(records.count) addresses from \(file) into \(store.location): \(summary)")
            }
        }
    }

    struct Export: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the address book as CSV in the import format (to back it up or move it).")

        @OptionGroup var configOptions: ConfigOptions

        @Option(help: "Only this domain.")
        var domain: String?

        func run() async throws {
            try await withAddressBook(configOptions, command: "export") { store in
                print(AddressFile.csv(try await store.list(domain: try parseDomain(domain)).map(\.record)), terminator: "")
            }
        }
    }
}

/// A failure to report as one line on standard error.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String

    init(_ description: String) {
        self.description = description
    }
}

private func parseDomain(_ text: String?) throws -> FederationDomain? {
    guard let text else { return nil }
    do {
        return try FederationDomain(text)
    } catch {
        throw CommandFailure("--domain \"\(text)\": \(error)")
    }
}

/// Opens the configured address book, runs `body`, closes it; any failure is printed as
/// `fedns federation COMMAND: reason` and the command exits 1.
private func withAddressBook(
    _ options: ConfigOptions, command: String, _ body: (any AddressBookStore) async throws -> Void
) async throws {
    // Store messages (a migration, a retry) go to standard error, below warnings not at all: output is for results.
    let logger = LogSetup.bootstrap(format: .text, level: .warning)
    let store: any AddressBookStore
    do {
        let config = try options.load()
        guard let federation = config.federation else {
            throw CommandFailure(
                "\(config.origin) has no [federation] section; add one with store = \"sqlite:addresses.db\" (see README.md)")
        }
        store = try await AddressBook.open(url: federation.store, logger: logger)
    } catch {
        printError("fedns federation \(command): \(error)")
        throw ExitCode.failure
    }
    do {
        try await body(store)
        await store.close()
    } catch {
        await store.close()
        printError("fedns federation \(command): \(error)")
        throw ExitCode.failure
    }
}

/// How `list` prints records.
enum AddressListing {
    /// One line per address: the address, the account, and the memo when there is one, in aligned columns.
    static func table(_ records: [AddressRecord]) -> [String] {
        let width = records.map { $0.address.description.count }.max() ?? 0
        return records.map { record in
            let address = record.address.description
            let line = address + String(repeating: " ", count: width - address.count) + "  " + record.accountID.description
            return record.memo.map { "\(line)  \($0.type.rawValue) \($0.value)" } ?? line
        }
    }

    /// A JSON array that `fedns federation import` reads back.
    static func json(_ records: [AddressRecord]) -> String {
        let entries: [[String: String]] = records.map { record in
            var entry = ["address": record.address.description, "account_id": record.accountID.description]
            if let memo = record.memo {
                entry["memo_type"] = memo.type.rawValue
                entry["memo"] = memo.value
            }
            return entry
        }
        let options: JSONSerialization.WritingOptions = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? JSONSerialization.data(withJSONObject: entries, options: options) else { return "[]" }
        return String(decoding: data, as: UTF8.self)
    }
}
