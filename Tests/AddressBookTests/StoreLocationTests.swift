import Testing

@testable import AddressBook

@Suite struct StoreLocationTests {
    @Test(arguments: [
        ("sqlite:/var/lib/fedns/book.db", nil, "/var/lib/fedns/book.db"),
        ("sqlite:///var/lib/fedns/book.db", nil, "/var/lib/fedns/book.db"),
        ("sqlite:book.db", "/etc/fedns", "/etc/fedns/book.db"),
        ("sqlite:data/../book.db", "/etc/fedns", "/etc/fedns/book.db"),
        ("sqlite:book.db", nil, "book.db"),
    ])
    func sqlite(url: String, directory: String?, path: String) throws {
        #expect(try StoreLocation(url, relativeTo: directory) == .sqlite(path: path))
    }

    @Test func postgres() throws {
        let location = try StoreLocation("postgres://fed%40ns:p%40ss%3Aw%2Frd@db.example.org:6543/address%20book?sslmode=require")
        guard case .postgres(let target) = location else {
            Issue.record("expected PostgreSQL, got \(location)")
            return
        }
        #expect(target == PostgresLocation(host: "db.example.org", port: 6543, user: "fed@ns", password: "p@ss:w/rd", database: "address book", tls: .require))
        #expect(location.description == "postgres://fed@ns@db.example.org:6543/address book?sslmode=require")
        #expect(!location.description.contains("p@ss"))

        let defaults = try StoreLocation("postgresql://fedns@[::1]/book")
        #expect(defaults == .postgres(PostgresLocation(host: "::1", user: "fedns", password: nil, database: "book")))
        #expect(defaults.description == "postgres://fedns@[::1]:5432/book")
    }

    @Test(arguments: [
        ("mysql://u:p@h/db", "unknown kind of store"),
        ("sqlite:", "the path after sqlite: is empty"),
        ("postgres://u:p@h", "missing /DATABASE after the host"),
        ("postgres://u:p@h/", "missing database name after the host"),
        ("postgres://h/db", "missing USER@ before the host"),
        ("postgres://u:p@:5432/db", "missing host"),
        ("postgres://u:p@h:99999/db", "the port is not a number from 1 to 65535"),
        ("postgres://u:p@h/db?sslmode=always", "sslmode must be disable, prefer, require or verify-full"),
        ("postgres://u:p@h/db?timeout=5", "unknown parameter timeout; only sslmode is understood"),
        ("postgres://u:p%zz@h/db", "the password is not correctly percent-encoded"),
    ])
    func invalid(url: String, reason: String) {
        let error = #expect(throws: AddressBookError.self) { try StoreLocation(url) }
        guard case .invalidLocation(let shown, let found)? = error else {
            Issue.record("expected invalidLocation, got \(String(describing: error))")
            return
        }
        #expect(found == reason)
        #expect(!shown.contains(":p@") && !shown.contains(":p%zz@"))
        #expect(error?.description.contains("use sqlite:PATH or postgres://") == true)
    }
}
