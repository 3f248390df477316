/// How a `type=forward` request is answered (SEP-2 leaves the parameters to each institution).
///
/// A rule names a `forward_type`, the parameters it needs, and where the payment goes. Templates use `{name}` for
/// the value of a required parameter; values are inserted as given and the result is validated like any other
/// address or memo, so a parameter cannot smuggle in anything a record could not hold.
///
/// ```
/// forward_type = "bank_account", parameters ["swift", "acct"], destination:
///     .address(template: "{acct}*bank.example.org")             look the built address up in the address book
///     .account(G…, memoType: .text, memoTemplate: "{swift}{acct}", addressTemplate: "{acct}*bank.example.org")
///                                                               a fixed account and a memo built from the request
/// ```
///
/// Rules are tried in order; the first with the request's `forward_type` whose parameters are all present (and not
/// empty) answers. No rule for the `forward_type`: 501. Rules for it, but parameters missing: 400 naming them.
public struct ForwardRule: Hashable, Sendable {
    public enum Destination: Hashable, Sendable {
        /// Build an address and answer with its record (404 when there is none).
        case address(template: String)
        /// Pay a fixed account; the optional memo and the `stellar_address` in the reply are built from templates.
        case account(AccountID, memoType: MemoType?, memoTemplate: String?, addressTemplate: String)
    }

    public let forwardType: String
    public let requiredParameters: [String]
    public let destination: Destination
    /// The address template, then the memo template when there is one, parsed.
    let addressTemplate: Template
    let memoTemplate: Template?

    public init(forwardType: String, requiredParameters: [String], destination: Destination) throws(ForwardRuleError) {
        guard Self.isParameterName(forwardType) else { throw .invalidForwardType(forwardType) }
        for name in requiredParameters where !Self.isParameterName(name) { throw .invalidParameterName(name) }
        switch destination {
        case .address(let template):
            addressTemplate = try Self.template(template, using: requiredParameters)
            memoTemplate = nil
        case .account(_, let memoType, let memoText, let addressText):
            guard (memoType == nil) == (memoText == nil) else { throw .memoTypeWithoutTemplate }
            addressTemplate = try Self.template(addressText, using: requiredParameters)
            memoTemplate = try memoText.map { text throws(ForwardRuleError) in
                try Self.template(text, using: requiredParameters)
            }
        }
        self.forwardType = forwardType
        self.requiredParameters = requiredParameters
        self.destination = destination
    }

    private static func template(_ text: String, using parameters: [String]) throws(ForwardRuleError) -> Template {
        let template = try Template(text)
        for placeholder in template.placeholders where !parameters.contains(placeholder) {
            throw .unknownPlaceholder(placeholder, template: text)
        }
        return template
    }

    /// Lower-case letters, digits and `_`, as SEP-2's examples (`forward_type`, `bank_account`, `postal_code`).
    static func isParameterName(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.count <= 64
            && name.utf8.allSatisfy { ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }
}

/// A rule that cannot work, found when the configuration is read.
public enum ForwardRuleError: Error, Hashable, Sendable, CustomStringConvertible {
    case invalidForwardType(String)
    case invalidParameterName(String)
    case memoTypeWithoutTemplate
    case unbalancedBraces(template: String)
    case unknownPlaceholder(String, template: String)

    public var description: String {
        switch self {
        case .invalidForwardType(let type):
            return "forward_type \"\(type)\" must be lower-case letters, digits and '_', such as bank_account"
        case .invalidParameterName(let name):
            return "parameter \"\(name)\" must be lower-case letters, digits and '_', such as acct"
        case .memoTypeWithoutTemplate:
            return "give both a memo type and a memo template, or neither"
        case .unbalancedBraces(let template):
            return "template \"\(template)\" has a '{' or '}' that does not enclose a parameter name"
        case .unknownPlaceholder(let name, let template):
            return "template \"\(template)\" uses {\(name)}, which is not among the rule's required parameters"
        }
    }
}

/// A `{name}` template, parsed once when the rule is made.
struct Template: Hashable, Sendable {
    enum Piece: Hashable, Sendable {
        case literal(String)
        case parameter(String)
    }

    let pieces: [Piece]

    init(_ template: String) throws(ForwardRuleError) {
        var pieces: [Piece] = []
        var rest = template[...]
        while let open = rest.firstIndex(where: { $0 == "{" || $0 == "}" }) {
            guard rest[open] == "{", let close = rest[open...].firstIndex(of: "}") else {
                throw .unbalancedBraces(template: template)
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard ForwardRule.isParameterName(name) else { throw .unbalancedBraces(template: template) }
            if open > rest.startIndex { pieces.append(.literal(String(rest[..<open]))) }
            pieces.append(.parameter(name))
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty { pieces.append(.literal(String(rest))) }
        self.pieces = pieces
    }

    var placeholders: [String] {
        pieces.compactMap {
            if case .parameter(let name) = $0 { return name }
            return nil
        }
    }

    /// The template with each `{name}` replaced by its value (a rule only fills templates once its required
    /// parameters are all present).
    func fill(with values: [String: String]) -> String {
        pieces.map {
            switch $0 {
            case .literal(let text): text
            case .parameter(let name): values[name] ?? ""
            }
        }.joined()
    }
}
