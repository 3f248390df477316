/// Why a response is not well-formed XML, with the byte offset where the parser gave up.
public struct XMLError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: Sendable, Hashable {
        /// The input ended inside an element, tag, comment, CDATA section or reference.
        case truncated(openElement: String?)
        case mismatchedEndTag(expected: String, found: String)
        case unexpectedEndTag(String)
        case invalidName
        case malformedTag(String)
        case invalidReference(String)
        case textOutsideRootElement
        case noRootElement
        case contentAfterRootElement
        case documentTypeNotSupported
        case nestingTooDeep(limit: Int)
    }

    public var kind: Kind
    public var offset: Int

    public init(_ kind: Kind, at offset: Int) {
        self.kind = kind
        self.offset = offset
    }

    public var description: String {
        let problem: String
        switch kind {
        case .truncated(let element?): problem = "the document ends inside <\(element)> (truncated response?)"
        case .truncated(nil): problem = "the document ends in the middle of markup (truncated response?)"
        case .mismatchedEndTag(let expected, let found): problem = "</\(found)> closes <\(expected)>"
        case .unexpectedEndTag(let name): problem = "</\(name)> has no matching start tag"
        case .invalidName: problem = "a tag name is empty or has a character names cannot have"
        case .malformedTag(let detail): problem = "malformed tag: \(detail)"
        case .invalidReference(let reference): problem = "unknown or invalid reference \"\(reference)\""
        case .textOutsideRootElement: problem = "text outside the root element"
        case .noRootElement: problem = "no root element"
        case .contentAfterRootElement: problem = "markup after the root element"
        case .documentTypeNotSupported: problem = "a document type declaration, which AWS never sends"
        case .nestingTooDeep(let limit): problem = "elements nested deeper than \(limit)"
        }
        return "malformed XML at byte \(offset): \(problem)"
    }
}
