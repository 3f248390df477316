import Federation
import Logging

/// Opens address books.
public enum AddressBook {
    /// Opens (creating the SQLite file if needed) and migrates the store at `location`.
    public static func open(_ location: StoreLocation, logger: Logger) async throws(AddressBookError) -> any AddressBookStore {
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
