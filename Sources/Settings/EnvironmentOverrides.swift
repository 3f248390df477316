import FednsSupport
import TOMLKit

/// Environment variables override configuration keys: `FEDNS_<SECTION>_<KEY>` sets `[section] key`, for
/// containers and one-off runs (`FEDNS_DNS_LISTEN='["0.0.0.0:53"]'`, `FEDNS_DISCOVERY_REGIONS=all`,
/// `FEDNS_DNS_TTL=30`). The value is read as a TOML value when it is one (numbers, booleans, arrays, quoted
/// strings) and as a plain string otherwise. Variables naming no section (`FEDNS_CONFIG`) are not keys.
enum EnvironmentOverrides {
    static let prefix = "FEDNS_"

    /// An override applied: which variable set which key.
    struct Applied: Hashable {
        var variable: String
        var key: String
    }

    static func apply(to table: TOMLTable, sections: [String], environment: [String: String]) -> [Applied] {
        var applied: [Applied] = []
        for (variable, text) in environment.sorted(by: { $0.key < $1.key }) where variable.hasPrefix(prefix) {
            let rest = variable.dropFirst(prefix.count).lowercased()
            guard let section = sections.first(where: { rest.hasPrefix("\($0)_") }) else { continue }
            let key = String(rest.dropFirst(section.count + 1))
            guard !key.isEmpty else { continue }
            if table[section]?.table == nil {
                table[section] = TOMLTable()
            }
            // Inserting a table copies it, so the section is fetched back from the document before writing to it.
            guard let sectionTable = table[section]?.table else { continue }
            sectionTable[key] = value(text)
            applied.append(Applied(variable: variable, key: "\(section).\(key)"))
        }
        return applied
    }

    /// `30` is an integer, `true` a boolean, `["a"]` an array, `"x"` a string; anything else is taken as a string.
    private static func value(_ text: String) -> any TOMLValueConvertible {
        let document = "value = \(text)"
        if TOMLGuard.problem(in: document) == nil, let parsed = try? TOMLTable(string: document), let value = parsed["value"] {
            return value
        }
        return text
    }
}
