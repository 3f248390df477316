import Federation
import Logging

/// Opens address books.
public enum AddressBook {
    /// Opens (creating the SQLite file if needed) and migrates the store at `location`.
    public static func open(_ location: StoreLocation, logger: Logger) async throws(AddressBookError) -> any AddressBookStore {
        try await openWhole(location, logger: logger)
    }

    /// The same store, with the whole-book operations a migration uses.
    static func openWhole(_ location: StoreLocation, logger: Logger) async throws(AddressBookError) -> any WholeBookStore {
        switch location {
        case .sqlite(let path):
            return try await SQLAddressBook.open(SQLiteBackend(path: path, logger: logger), logger: logger)
        case .postgres(let target):
            return try await SQLAddressBook.open(PostgresBackend(target: target, logger: logger), logger: logger)
        }
    }

    /// Parses a store URL and opens it.
    public static func open(url: String, relativeTo directory: String? = nil, logger: Logger) async throws(AddressBookError)
        -> any AddressBookStore
    {
        try await open(StoreLocation(url, relativeTo: directory), logger: logger)
    }
}

/// A store that can be read and written whole, each in one transaction (``StoreMigration``).
protocol WholeBookStore: AddressBookStore {
    func contents() async throws(AddressBookError) -> BookContents
    func load(_ records: [StoredAddress], replacing: Bool, expectedVersion: Int64, versionAtLeast: Int64)
        async throws(AddressBookError) -> Int64
}

extension SQLAddressBook: WholeBookStore {}
