import AddressBook
import FederationHTTP
import FednsSupport
import Logging
import Settings

/// The address book the HTTPS endpoint answers from, opened where every long-lived resource of `fedns serve` is:
/// the store `[federation] store` names, and its mirror, loaded by a first refresh so that the first request is
/// answered from the book as it is. A problem with either stops start-up naming `federation.store`.
struct FederationAddressBook: Sendable {
    /// What the endpoint reads; it runs as one of the endpoint's services and is refreshed by its reload.
    let mirror: AddressBookMirror

    static func open(_ federation: FederationConfig, logger: Logger) async throws(ConfigError) -> FederationAddressBook {
        let store: any AddressBookStore
        do {
            store = try await AddressBook.open(url: federation.store, logger: logger)
        } catch {
            throw ConfigError(file: federation.site.file, key: "federation.store", message: error.description)
        }
        let mirror = AddressBookMirror(store: store, logger: logger)
        do {
            try await mirror.refresh()
        } catch {
            await store.close()
            throw ConfigError(file: federation.site.file, key: "federation.store", message: error.description)
        }
        return FederationAddressBook(mirror: mirror)
    }

    /// Closes the store, once nothing reads the mirror any more (at shutdown, after the endpoint).
    func close() async {
        await mirror.store.close()
    }
}
