/// What a signed-in account may claim for itself (`[federation.self_service]`): pure rules, checked before the store
/// is asked. The operator's own commands (`fedns federation …`) are not bound by them.
public struct SelfServicePolicy: Hashable, Sendable {
    public static let defaultCharacters = "a-z0-9._-"

    /// Self-service records are off unless the operator turns them on.
    public var enabled: Bool
    /// Addresses one account may hold in one domain.
    public var maxPerAccount: Int
    /// Names nobody may claim (matched like addresses: ignoring case), e.g. `admin`, `support`.
    public var reserved: Set<String>
    /// Name length in characters, after case folding.
    public var nameLengths: ClosedRange<Int>
    /// The characters a name may use, checked on its case-folded form.
    public var characters: NameCharacters
    /// When the account already holds `maxPerAccount` addresses: true replaces its earliest one, false refuses.
    public var replaceEarlier: Bool

    public init(
        enabled: Bool = false, maxPerAccount: Int = 1, reserved: [String] = [], nameLengths: ClosedRange<Int> = 3...32,
        characters: NameCharacters = NameCharacters.default, replaceEarlier: Bool = false
    ) {
        self.enabled = enabled
        self.maxPerAccount = maxPerAccount
        self.reserved = Set(reserved.compactMap { try? UserName($0).key })
        self.nameLengths = nameLengths
        self.characters = characters
        self.replaceEarlier = replaceEarlier
    }

    /// Whether `name` may be claimed by anyone; the refusal says which rule and what is allowed.
    public func check(_ name: UserName) throws(PolicyViolation) {
        let folded = name.key
        let length = folded.count
        guard nameLengths.contains(length) else {
            throw .length(found: length, allowed: nameLengths)
        }
        if let bad = folded.unicodeScalars.first(where: { !characters.contains($0) }) {
            throw .character(bad, allowed: characters.description)
        }
        guard !reserved.contains(folded) else { throw .reserved(name.text) }
    }
}

/// Why a name may not be claimed.
public enum PolicyViolation: Error, Hashable, Sendable, CustomStringConvertible {
    case length(found: Int, allowed: ClosedRange<Int>)
    case character(Unicode.Scalar, allowed: String)
    case reserved(String)

    /// Malformed for this server's rules is 400; a reserved name is a refusal of a well-formed request (403).
    public var status: Int {
        if case .reserved = self { return 403 }
        return 400
    }

    public var description: String {
        switch self {
        case .length(let found, let allowed):
            "the name has \(found) characters; names here have \(allowed.lowerBound) to \(allowed.upperBound)"
        case .character(let scalar, let allowed):
            "the name contains '\(scalar)'; names here use only \(allowed) (compared in lower case)"
        case .reserved(let name):
            "\(name) is reserved on this server; choose another name"
        }
    }
}

/// A set of characters written the way a regular expression's bracket expression is: single characters and
/// ranges (`a-z0-9._-`); a `-` first or last stands for itself.
public struct NameCharacters: Hashable, Sendable, CustomStringConvertible {
    public static let `default` = (try? NameCharacters(SelfServicePolicy.defaultCharacters)) ?? NameCharacters(ranges: [])

    private let ranges: [ClosedRange<UInt32>]
    /// The specification as given.
    public let description: String

    private init(ranges: [ClosedRange<UInt32>]) {
        self.ranges = ranges
        description = ""
    }

    public init(_ specification: String) throws(NameCharactersError) {
        let scalars = Array(specification.unicodeScalars)
        guard !scalars.isEmpty else { throw .empty }
        var ranges: [ClosedRange<UInt32>] = []
        var index = 0
        while index < scalars.count {
            let first = scalars[index]
            if index + 2 < scalars.count, scalars[index + 1] == "-" {
                let last = scalars[index + 2]
                guard first.value <= last.value else { throw .reversedRange("\(first)-\(last)") }
                ranges.append(first.value...last.value)
                index += 3
            } else {
                ranges.append(first.value...first.value)
                index += 1
            }
        }
        for scalar in scalars where scalar == "*" || scalar == ">" || scalar.properties.isWhitespace {
            throw .neverValid(scalar)
        }
        self.ranges = ranges
        description = specification
    }

    public func contains(_ scalar: Unicode.Scalar) -> Bool {
        ranges.contains { $0.contains(scalar.value) }
    }
}

public enum NameCharactersError: Error, Hashable, Sendable, CustomStringConvertible {
    case empty
    case reversedRange(String)
    case neverValid(Unicode.Scalar)

    public var description: String {
        switch self {
        case .empty: "the set of characters is empty; the default is \"\(SelfServicePolicy.defaultCharacters)\""
        case .reversedRange(let range): "the range \(range) runs backwards; write the lower character first"
        case .neverValid(let scalar): "'\(scalar)' can never be part of a Stellar address name"
        }
    }
}
