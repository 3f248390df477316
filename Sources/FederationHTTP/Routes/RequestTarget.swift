/// The request target split into its path and query, and the route the path names.
struct RequestTarget {
    enum Route: Equatable {
        case federation, root, stellarToml, stellarTxt
        /// SEP-10 and self-service records: answered by ``AccountRoutes``.
        case account(AccountRoutes.Route)
    }

    var path: Substring
    /// After `?`, up to any `#`.
    var query: Substring?

    init(_ target: String) {
        // Searched as bytes: `?` and `#` are ASCII, so their UTF-8 positions are character boundaries, and a
        // Character search costs a grapheme break check per character.
        guard let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) else {
            path = target[...]
            return
        }
        path = target[..<mark]
        let rest = target[target.utf8.index(after: mark)...]
        query = rest[..<(rest.utf8.firstIndex(of: UInt8(ascii: "#")) ?? rest.endIndex)]
    }

    /// Paths compare by their non-empty `/`-separated parts (so `/federation/` and `//federation` are `/federation`),
    /// as Hummingbird's router compares them; case and percent-escapes count.
    var route: Route? {
        if path == "/federation" { return .federation }  // nearly every request: spared the split below
        let parts = path.split(separator: "/")
        switch parts.joined(separator: "/") {
        case "federation": return .federation
        case "": return .root
        case ".well-known/stellar.toml": return .stellarToml
        case "stellar.txt", ".well-known/stellar.txt": return .stellarTxt
        case "auth": return .account(.auth)
        case "federation/records": return .account(.records(nil))
        default:
            // `/federation/records/NAME*DOMAIN`: the address is one segment (a '/' in a name is sent as %2F).
            if parts.count == 3, parts[0] == "federation", parts[1] == "records" { return .account(.records(parts[2])) }
            return nil
        }
    }
}

/// An `If-None-Match` value: `*` or a list of entity tags, compared weakly (RFC 9110 §13.1.2: `W/"x"` matches `"x"`).
struct EntityTags {
    let value: String

    init(_ value: String) {
        self.value = value
    }

    func matches(_ etag: String) -> Bool {
        value.split(separator: ",").contains { candidate in
            var tag = candidate.trimmingPrefix(while: { $0 == " " || $0 == "\t" })
            while tag.last == " " || tag.last == "\t" { tag = tag.dropLast() }
            if tag == "*" { return true }
            if tag.hasPrefix("W/") { tag = tag.dropFirst(2) }
            return tag == etag
        }
    }
}

extension Substring {
    fileprivate func trimmingPrefix(while predicate: (Character) -> Bool) -> Substring {
        self[(firstIndex { !predicate($0) } ?? endIndex)...]
    }
}
