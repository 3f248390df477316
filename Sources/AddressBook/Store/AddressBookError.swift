import Federation

/// What went wrong with an address book, said so that the next step is clear. Locations never include passwords.
public enum AddressBookError: Error, Hashable, Sendable, CustomStringConvertible {
    /// The store URL cannot be used.
    case invalidLocation(String, reason: String)
    /// The database cannot be opened or reached.
    case unavailable(location: String, reason: String)
    /// A statement failed.
    case operationFailed(location: String, operation: String, reason: String)
    /// The database was migrated by a newer fedns.
    case schemaTooNew(location: String, found: Int, supported: Int)
    /// `add` of a name that exists (the existing record is given).
    case alreadyExists(AddressRecord)
    /// The same address (ignoring case) twice in one import.
    case duplicateInImport(StellarAddress)
    /// A row that no longer passes validation, written by hand or by something else.
    case invalidStoredRecord(location: String, row: String, reason: String)
    /// Another process wrote between reading the book and writing it back whole; nothing was written.
    case changedConcurrently(location: String, operation: String)

    public var description: String {
        switch self {
        case .invalidLocation(let text, let reason):
            return "address book \"\(text)\": \(reason); use sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE"
        case .unavailable(let location, let reason):
            return "address book \(location) cannot be opened: \(reason)"
        case .operationFailed(let location, let operation, let reason):
            return "address book \(location): \(operation) failed: \(reason)"
        case .schemaTooNew(let location, let found, let supported):
            return "address book \(location) has schema version \(found), but this fedns knows only up to \(supported); "
                + "upgrade fedns or use another database"
        case .alreadyExists(let existing):
            return "\(existing.address) already exists (\(existing)); remove it first or update it instead"
        case .duplicateInImport(let address):
            return "\(address) appears more than once in the import (names match ignoring case); keep one"
        case .invalidStoredRecord(let location, let row, let reason):
            return "address book \(location) holds an invalid record (\(row)): \(reason); fix or remove that row"
        case .changedConcurrently(let location, let operation):
            return "address book \(location) was changed by someone else while \(operation); nothing was written, "
                + "run the command again (and stop other writers first)"
        }
    }
}
