/// A parsed XML document: a flat table of elements pointing into the original bytes.
///
/// AWS query API responses are a few megabytes per page (about 3.2 KB per instance from moto, more from EC2), and
/// a refresh keeps a handful of fields from each instance. So parsing records only where every element starts
/// and ends; a `String` is made only when a caller asks an element for its text.
///
/// Supported: elements, attributes (checked and skipped), character data, the five predefined entities and
/// numeric character references, CDATA, comments and processing instructions. Namespace prefixes are ignored
/// when matching names. Document type declarations are refused (AWS never sends one, and refusing them rules out
/// entity-expansion attacks). Anything malformed or truncated is an `XMLError`; the parser never traps.
public final class XMLDocument: Sendable {
    let bytes: [UInt8]
    let nodes: [Node]

    struct Node: Sendable {
        /// The qualified name in `bytes`, and where its local part (after any prefix) starts.
        var nameStart: Int
        var localNameStart: Int
        var nameEnd: Int
        /// The `<` of the start tag, the first byte after it, the `<` of the end tag, the byte after its `>`.
        var tagStart: Int
        var contentStart: Int
        var contentEnd: Int
        var end: Int
        var firstChild: Int = -1
        var lastChild: Int = -1
        var nextSibling: Int = -1
        /// The content has no references, CDATA, comments or instructions, so its text is its bytes.
        var isPlainText = true
    }

    init(bytes: [UInt8], nodes: [Node]) {
        self.bytes = bytes
        self.nodes = nodes
    }

    /// Parses a whole document.
    public static func parse(_ bytes: [UInt8], maximumDepth: Int = 256) throws(XMLError) -> XMLDocument {
        var parser = XMLParser(bytes: bytes, maximumDepth: maximumDepth)
        try parser.parseDocument()
        return XMLDocument(bytes: bytes, nodes: parser.nodes)
    }

    /// Node 0 is always the root: `parse` refuses documents without one.
    public var root: XMLElement { XMLElement(document: self, index: 0) }
}

/// One element of an `XMLDocument`.
public struct XMLElement: Sendable {
    let document: XMLDocument
    let index: Int

    private var node: XMLDocument.Node { document.nodes[index] }

    /// The local name (without a namespace prefix).
    public var name: String {
        let node = node
        return String(decoding: document.bytes[node.localNameStart..<node.nameEnd], as: UTF8.self)
    }

    /// Compares the local name without creating a `String`.
    public func hasName(_ expected: StaticString) -> Bool {
        let node = node
        return expected.withUTF8Buffer { expectedBytes in
            guard expectedBytes.count == node.nameEnd - node.localNameStart else { return false }
            var position = node.localNameStart
            for byte in expectedBytes {
                if document.bytes[position] != byte { return false }
                position += 1
            }
            return true
        }
    }

    /// The child elements, in document order.
    public var children: Children { Children(document: document, first: node.firstChild) }

    /// The first child with this local name.
    public func child(_ name: StaticString) -> XMLElement? {
        children.first { $0.hasName(name) }
    }

    /// The text of the first child with this local name; nil when there is no such child or its text is empty.
    public func childText(_ name: StaticString) -> String? {
        guard let text = child(name)?.text, !text.isEmpty else { return nil }
        return text
    }

    /// The items of an AWS list: `<tagSet><item>…</item><item>…</item></tagSet>` gives the two items.
    public func items(_ listName: StaticString) -> [XMLElement] {
        child(listName)?.children.filter { $0.hasName("item") } ?? []
    }

    /// The first element with this local name at any depth below this one, in document order.
    public func descendant(_ name: StaticString) -> XMLElement? {
        let node = node
        // Elements are stored in document order, so the descendants are exactly the nodes that start inside.
        var candidate = index + 1
        while candidate < document.nodes.count && document.nodes[candidate].tagStart < node.end {
            let element = XMLElement(document: document, index: candidate)
            if element.hasName(name) { return element }
            candidate += 1
        }
        return nil
    }

    /// The character data directly inside this element (not inside its children), with references resolved
    /// and CDATA included. Whitespace-only text, which pretty-printed responses put between elements, is "".
    public var text: String {
        let node = node
        let bytes = document.bytes
        if node.isPlainText && node.firstChild < 0 {
            let content = bytes[node.contentStart..<node.contentEnd]
            return content.allSatisfy(XMLParser.isWhitespace) ? "" : String(decoding: content, as: UTF8.self)
        }
        var decoded: [UInt8] = []
        var position = node.contentStart
        var child = node.firstChild
        while position < node.contentEnd {
            let stop = child >= 0 ? document.nodes[child].tagStart : node.contentEnd
            XMLParser.appendCharacterData(bytes, from: position, to: stop, into: &decoded)
            guard child >= 0 else { break }
            position = document.nodes[child].end
            child = document.nodes[child].nextSibling
        }
        return decoded.allSatisfy(XMLParser.isWhitespace) ? "" : String(decoding: decoded, as: UTF8.self)
    }

    public struct Children: Sequence, Sendable {
        let document: XMLDocument
        let first: Int

        public func makeIterator() -> Iterator { Iterator(document: document, upcoming: first) }

        public struct Iterator: IteratorProtocol {
            let document: XMLDocument
            var upcoming: Int

            public mutating func next() -> XMLElement? {
                guard upcoming >= 0 else { return nil }
                let element = XMLElement(document: document, index: upcoming)
                upcoming = document.nodes[upcoming].nextSibling
                return element
            }
        }
    }
}
