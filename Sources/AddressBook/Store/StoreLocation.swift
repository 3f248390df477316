import Foundation

/// Where an address book lives, parsed from a store URL:
///
/// - `sqlite:PATH`: a SQLite file, created on first use. A relative PATH is relative to the directory given
///   (the configuration file's). `sqlite:///var/lib/fedns/book.db` (the URL form) is read as the absolute path
///   `/var/lib/fedns/book.db`.
/// - `postgres://USER:PASSWORD@HOST:PORT/DATABASE?sslmode=MODE` (or `postgresql://`): user, password and database
///   may be percent-encoded; the port defaults to 5432; `sslmode` is `disable`, `prefer` (the default, as with
///   libpq), `require` (encrypt without checking the certificate) or `verify-full`. An IPv6 host goes in
///   brackets.
///
/// ``description`` never contains the password.
public enum StoreLocation: Hashable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    public init(_ text: String, relativeTo directory: String? = nil) throws(AddressBookError) {
        if text.hasPrefix("sqlite:") {
            var path = String(text.dropFirst("sqlite:".count))
            if path.hasPrefix("//") { path.removeFirst(2) }
            guard !path.isEmpty else { throw .invalidLocation(text, reason: "the path after sqlite: is empty") }
            if !path.hasPrefix("/"), let directory {
                path = URL(fileURLWithPath: directory).appendingPathComponent(path).standardizedFileURL.path
            }
            self = .sqlite(path: path)
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLocation(text))
        } else {
            throw .invalidLocation(PostgresLocation.redacted(text), reason: "unknown kind of store")
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let location): location.description
        }
    }
}

/// A PostgreSQL connection target.
public struct PostgresLocation: Hashable, Sendable, CustomStringConvertible {
    public enum TLSMode: String, Hashable, Sendable {
        case disable, prefer, require
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(host: String, port: Int = 5432, user: String, password: String?, database: String, tls: TLSMode = .prefer) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    init(_ text: String) throws(AddressBookError) {
        let shown = Self.redacted(text)
        func invalid(_ reason: String) -> AddressBookError { .invalidLocation(shown, reason: reason) }

        guard let schemeEnd = text.range(of: "://") else { throw invalid("missing ://") }
        var rest = text[schemeEnd.upperBound...]
        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        guard let slash = rest.firstIndex(of: "/") else { throw invalid("missing /DATABASE after the host") }
        let authority = rest[..<slash]
        guard let database = Self.decoded(rest[rest.index(after: slash)...]), !database.isEmpty else {
            throw invalid("missing database name after the host")
        }
        guard let at = authority.lastIndex(of: "@") else { throw invalid("missing USER@ before the host") }
        let credentials = authority[..<at]
        let colon = credentials.firstIndex(of: ":")
        guard let user = Self.decoded(credentials[..<(colon ?? credentials.endIndex)]), !user.isEmpty else {
            throw invalid("missing user name")
        }
        let password = colon.flatMap { Self.decoded(credentials[credentials.index(after: $0)...]) }
        if colon != nil, password == nil { throw invalid("the password is not correctly percent-encoded") }

        var hostPort = authority[authority.index(after: at)...]
        var host: Substring
        if hostPort.hasPrefix("[") {
            guard let close = hostPort.firstIndex(of: "]") else { throw invalid("unclosed [ in the host") }
            host = hostPort[hostPort.index(after: hostPort.startIndex)..<close]
            hostPort = hostPort[hostPort.index(after: close)...]
        } else {
            host = hostPort[..<(hostPort.firstIndex(of: ":") ?? hostPort.endIndex)]
            hostPort = hostPort[host.endIndex...]
        }
        guard !host.isEmpty else { throw invalid("missing host") }
        var port = 5432
        if !hostPort.isEmpty {
            guard hostPort.hasPrefix(":"), let number = Int(hostPort.dropFirst()), (1...65535).contains(number) else {
                throw invalid("the port is not a number from 1 to 65535")
            }
            port = number
        }
        var tls = TLSMode.prefer
        for parameter in query.split(separator: "&") {
            let pair = parameter.split(separator: "=", maxSplits: 1).map(String.init)
            guard pair.count == 2, pair[0] == "sslmode" else {
                throw invalid("unknown parameter \(pair.first ?? ""); only sslmode is understood")
            }
            guard let mode = TLSMode(rawValue: pair[1]) else {
                throw invalid("sslmode must be disable, prefer, require or verify-full")
            }
            tls = mode
        }
        self.init(host: String(host), port: port, user: user, password: password, database: database, tls: tls)
    }

    /// `postgres://USER@HOST:PORT/DATABASE`: never the password.
    public var description: String {
        let hostText = host.contains(":") ? "[\(host)]" : host
        return "postgres://\(user)@\(hostText):\(port)/\(database)" + (tls == .prefer ? "" : "?sslmode=\(tls.rawValue)")
    }

    private static func decoded(_ text: Substring) -> String? {
        String(text).removingPercentEncoding
    }

    /// A URL as given, with anything between `://USER:` and `@` replaced, for messages about URLs that do not parse.
    static func redacted(_ text: String) -> String {
        guard let schemeEnd = text.range(of: "://"), let at = text[schemeEnd.upperBound...].lastIndex(of: "@") else {
            return text
        }
        let credentials = text[schemeEnd.upperBound..<at]
        guard let colon = credentials.firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + ":•••" + String(text[at...])
    }
}
