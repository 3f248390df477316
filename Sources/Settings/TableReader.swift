import FednsSupport
import TOMLKit

/// Reads one TOML table with typed accessors that remember which keys were consumed, so that anything left over
/// (a typo like `tll = 60`) is reported instead of silently ignored.
struct TableReader {
    let table: TOMLTable?
    /// The dotted path of this table (`dns`), used in error messages.
    let path: String
    let file: String
    private var consumed: Set<String> = []

    init(_ table: TOMLTable?, path: String, file: String) {
        self.table = table
        self.path = path
        self.file = file
    }

    var isPresent: Bool { table != nil }

    func key(_ name: String) -> String { path.isEmpty ? name : "\(path).\(name)" }

    func error(_ name: String, _ message: String) -> ConfigError {
        ConfigError(file: file, key: key(name), message: message)
    }

    private mutating func value(_ name: String) -> (any TOMLValueConvertible)? {
        consumed.insert(name)
        return table?[name]
    }

    func has(_ name: String) -> Bool { table?[name] != nil }

    func isTable(_ name: String) -> Bool { table?[name]?.table != nil }

    mutating func string(_ name: String) throws(ConfigError) -> String? {
        guard let value = value(name) else { return nil }
        guard let text = value.string else { throw error(name, "expected a string, found \(describe(value))") }
        return text
    }

    mutating func string(_ name: String, default defaultValue: String) throws(ConfigError) -> String {
        try string(name) ?? defaultValue
    }

    mutating func bool(_ name: String, default defaultValue: Bool) throws(ConfigError) -> Bool {
        guard let value = value(name) else { return defaultValue }
        guard let flag = value.bool else { throw error(name, "expected true or false, found \(describe(value))") }
        return flag
    }

    mutating func integer(_ name: String, in range: ClosedRange<Int>) throws(ConfigError) -> Int? {
        guard let value = value(name) else { return nil }
        guard let number = value.int else {
            throw error(name, "expected an integer from \(range.lowerBound) to \(range.upperBound), found \(describe(value))")
        }
        guard range.contains(number) else {
            throw error(name, "expected an integer from \(range.lowerBound) to \(range.upperBound), found \(number)")
        }
        return number
    }

    mutating func integer(_ name: String, in range: ClosedRange<Int>, default defaultValue: Int) throws(ConfigError) -> Int {
        try integer(name, in: range) ?? defaultValue
    }

    /// Seconds, as an integer or a float (`0.5`).
    mutating func seconds(_ name: String, in range: ClosedRange<Double>, default defaultValue: Double) throws(ConfigError) -> Double {
        try number(name, in: range, default: defaultValue, of: "seconds")
    }

    /// A number, integer or float; `unit` names what it counts, for the message.
    mutating func number(
        _ name: String, in range: ClosedRange<Double>, default defaultValue: Double, of unit: String
    ) throws(ConfigError) -> Double {
        guard let value = value(name) else { return defaultValue }
        let number = value.double ?? value.int.map(Double.init)
        guard let number, range.contains(number) else {
            throw error(name, "expected a number of \(unit) from \(range.lowerBound) to \(range.upperBound), found \(describe(value))")
        }
        return number
    }

    mutating func stringArray(_ name: String) throws(ConfigError) -> [String]? {
        guard let value = value(name) else { return nil }
        guard let array = value.array else { throw error(name, "expected an array of strings, found \(describe(value))") }
        var result: [String] = []
        for (index, element) in array.enumerated() {
            guard let text = element.string else {
                throw ConfigError(file: file, key: "\(key(name))[\(index)]", message: "expected a string, found \(describe(element))")
            }
            result.append(text)
        }
        return result
    }

    /// Either one string or an array of strings (`regions = "all"` or `regions = ["us-east-1"]`).
    mutating func stringOrArray(_ name: String) throws(ConfigError) -> [String]? {
        guard let value = value(name) else { return nil }
        if let text = value.string { return [text] }
        consumed.remove(name)
        return try stringArray(name)
    }

    mutating func subtable(_ name: String) throws(ConfigError) -> TableReader {
        guard let value = value(name) else { return TableReader(nil, path: key(name), file: file) }
        guard let table = value.table else { throw error(name, "expected a table, found \(describe(value))") }
        return TableReader(table, path: key(name), file: file)
    }

    /// A string that must be there; `what` says what it holds, for the message when it is not.
    mutating func requiredString(_ name: String, _ what: String) throws(ConfigError) -> String {
        guard let text = try string(name), !text.isEmpty else { throw error(name, "required: \(what)") }
        return text
    }

    /// An array of tables (`[[federation.forward]]`, or `[{ … }, { … }]`), each read by its own reader whose
    /// key names the element (`federation.forward[1]`).
    mutating func tables(_ name: String) throws(ConfigError) -> [TableReader]? {
        guard let value = value(name) else { return nil }
        guard let array = value.array else { throw error(name, "expected an array of tables, found \(describe(value))") }
        var readers: [TableReader] = []
        for (index, element) in array.enumerated() {
            let elementKey = "\(key(name))[\(index)]"
            guard let table = element.table else {
                throw ConfigError(file: file, key: elementKey, message: "expected a table, found \(describe(element))")
            }
            readers.append(TableReader(table, path: elementKey, file: file))
        }
        return readers
    }

    /// The elements of an array whose elements may differ in kind (strings or tables), for the caller to read;
    /// nil when the key is absent. A value that is not an array is read as an array of itself.
    mutating func rawArray(_ name: String) -> [any TOMLValueConvertible]? {
        guard let value = value(name) else { return nil }
        guard let array = value.array else { return [value] }
        return array.map { $0 }
    }

    /// A table of strings with free-form keys (`groups = { role = "Role" }`), keys in sorted order.
    mutating func stringTable(_ name: String) throws(ConfigError) -> [(key: String, value: String)]? {
        guard let value = value(name) else { return nil }
        guard let table = value.table else { throw error(name, "expected a table of strings, found \(describe(value))") }
        var result: [(key: String, value: String)] = []
        for key in table.keys.sorted() {
            guard let text = table[key]?.string else {
                let found = table[key].map(describe) ?? "nothing"
                throw ConfigError(file: file, key: "\(self.key(name)).\(key)", message: "expected a string, found \(found)")
            }
            result.append((key, text))
        }
        return result
    }

    /// The raw table, for sections whose keys are free-form (the operator's own stellar.toml keys).
    mutating func rawTable(_ name: String) -> TOMLTable? {
        value(name)?.table
    }

    /// Fails on the first key that no accessor asked for.
    func rejectUnknownKeys(allowed extra: Set<String> = []) throws(ConfigError) {
        guard let table else { return }
        for name in table.keys.sorted() where !consumed.contains(name) && !extra.contains(name) {
            let known = consumed.union(extra).sorted().joined(separator: ", ")
            throw error(name, "unknown key (known keys here: \(known))")
        }
    }

    private func describe(_ value: any TOMLValueConvertible) -> String {
        switch value.type {
        case .string: return "the string \"\(value.string ?? "")\""
        case .int: return "the integer \(value.int ?? 0)"
        case .double: return "the number \(value.double ?? 0)"
        case .bool: return "\(value.bool ?? false)"
        case .array: return "an array"
        case .table: return "a table"
        default: return "a \(value.type)"
        }
    }
}
