import AddressBook
import ArgumentParser
import Foundation
import Logging
import ServerAssembly

extension FederationCommand {
    /// `fedns federation migrate --from sqlite:PATH --to postgres://…`: the copy, its proof, and the cutover steps.
    struct Migrate: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy the whole address book into another store (SQLite to PostgreSQL) and prove the copy.",
            discussion: """
                Every record is copied in one transaction, then both stores are read again and compared: the record \
                count and a digest of every record, per domain, on both sides. The report and the cutover steps are \
                printed; any mismatch, or a change to the source during the copy, exits non-zero. A target that \
                already holds records is refused unless --merge (refused, writing nothing, if an address is in both \
                with a different account or memo) or --replace. Running it again after a success changes nothing and \
                says so. The password may be left out of a postgres:// URL and given in PGPASSWORD instead.
                """)

        @Option(help: ArgumentHelp("The store to copy from, e.g. sqlite:/var/lib/fedns/addresses.db.", valueName: "store"))
        var from: String

        @Option(help: ArgumentHelp("The store to copy into, e.g. postgres://USER:PASSWORD@HOST:5432/DATABASE.", valueName: "store"))
        var to: String

        @Flag(help: "Add the source's addresses to those the target holds (conflicts refused, nothing written).")
        var merge = false

        @Flag(help: "Make the target exactly the source: remove the target's other addresses.")
        var replace = false

        func validate() throws {
            if merge && replace { throw ValidationError("--merge and --replace exclude each other; choose one") }
        }

        func run() async throws {
            // Store messages (a schema migration) below warnings are not shown: output is the report.
            let logger = LogSetup.bootstrap(format: .text, level: .warning)
            let here = FileManager.default.currentDirectoryPath
            let outcome: StoreMigration.Outcome
            let source: StoreLocation
            let target: StoreLocation
            do {
                source = try StoreLocation(from, relativeTo: here)
                target = Self.withEnvironmentPassword(try StoreLocation(to, relativeTo: here))
                outcome = try await StoreMigration.run(
                    from: source, to: target, mode: merge ? .merge : replace ? .replace : .intoEmpty, logger: logger,
                    progress: { print($0) })
            } catch {
                printError("fedns federation migrate: \(error)")
                throw ExitCode.failure
            }
            switch outcome {
            case .alreadyDone(let validation):
                for line in validation.report(source: source.description, target: target.description) { print(line) }
                print(
                    "nothing to do: \(target) already holds the \(validation.sourceTotal) addresses of \(source), "
                        + "every record's digest equal; nothing was written")
                for line in MigrationCutover.steps(source: source, target: target, addresses: validation.targetTotal) { print(line) }
            case .refusedNonEmpty(let records, let domains):
                printError(
                    "fedns federation migrate: \(target) already holds \(records) addresses in \(domains) domains and they "
                        + "differ from the source; nothing was written. Use --merge to add the source's addresses to them "
                        + "(refused if an address differs) or --replace to make the target exactly the source")
                throw ExitCode.failure
            case .conflicts(let conflicts):
                printError(
                    "fedns federation migrate: --merge refused, nothing was written: \(conflicts.count) addresses are in "
                        + "both stores with different contents (fix one side, or use --replace):")
                for conflict in conflicts { printError("  \(conflict)") }
                throw ExitCode.failure
            case .copied(let written, let validation):
                for line in validation.report(source: source.description, target: target.description) { print(line) }
                guard validation.passed else {
                    printError(
                        "fedns federation migrate: validation FAILED after copying \(written) addresses: "
                            + (validation.sourceChanged
                                ? "the source changed during the copy; stop every writer of \(source), then run again with --replace"
                                : "\(target) does not hold what was copied; find the cause (triggers, another writer), "
                                    + "then run again with --replace"))
                    throw ExitCode.failure
                }
                print(
                    "validation passed: \(target) holds \(validation.targetTotal) addresses in \(validation.domains.count) "
                        + "domains, every record's digest equal to the source's")
                for line in MigrationCutover.steps(source: source, target: target, addresses: validation.targetTotal) { print(line) }
            }
        }

        /// libpq's convention: a URL without a password takes PGPASSWORD's, which keeps it out of `ps` and history.
        static func withEnvironmentPassword(_ location: StoreLocation) -> StoreLocation {
            guard case .postgres(var target) = location, target.password == nil,
                let password = ProcessInfo.processInfo.environment["PGPASSWORD"]
            else { return location }
            target.password = password
            return .postgres(target)
        }
    }
}

/// What to do after a proven copy, printed by `migrate`: the order that loses no write and keeps a way back.
enum MigrationCutover {
    static func steps(source: StoreLocation, target: StoreLocation, addresses: Int) -> [String] {
        [
            "cutover steps:",
            "  1. Stop changing the old book: no more `fedns federation` commands against \(source).",
            "  2. Run this command again: it must say \"nothing to do\" (a change since shows as a mismatch; then run it",
            "     again with --replace).",
            "  3. In every server's configuration set [federation] store = \"\(configurationURL(target))\",",
            "     check it with `fedns check-config --config FILE`, and restart the server (the store is opened at start).",
            "  4. On each server: `fedns federation list --config FILE | wc -l` prints \(addresses), and its /metrics shows",
            "     fedns_federation_store_up 1.",
            "  5. Keep \(source) as the backup; to roll back, point store at it again and restart (writes made since",
            "     cutover are only in \(target)).",
        ]
    }

    /// The URL to put in the configuration, with `PASSWORD` standing for the password (never printed).
    static func configurationURL(_ location: StoreLocation) -> String {
        let shown = location.description
        guard case .postgres(let target) = location, target.password != nil,
            let at = shown.range(of: "@")
        else { return shown }
        return shown.replacingCharacters(in: at, with: ":PASSWORD@")
    }
}
