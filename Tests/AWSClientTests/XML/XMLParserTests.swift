import Testing
import TestSupport

@testable import AWSClient

@Suite("XML pull parser")
struct XMLParserTests {
    private func parse(_ text: String) throws(XMLError) -> XMLDocument {
        try XMLDocument.parse(Array(text.utf8))
    }

    @Test("elements, nesting and text; attributes are skipped")
    func structure() throws {
        let document = try parse(#"<root a="1" b='two'><x>one</x><y z="&amp;"><x>two</x></y><x/></root>"#)
        #expect(document.root.name == "root")
        #expect(document.root.children.map(\.name) == ["x", "y", "x"])
        #expect(document.root.childText("x") == "one")
        #expect(document.root.child("y")?.childText("x") == "two")
        #expect(document.root.descendant("x")?.text == "one")
        #expect(Array(document.root.children)[2].text == "")
    }

    @Test("the five predefined entities and decimal and hex character references")
    func references() throws {
        let document = try parse("<a>&lt;&gt;&amp;&quot;&apos; &#65;&#x42;&#x1F600;</a>")
        #expect(document.root.text == "<>&\"' AB😀")
    }

    @Test("CDATA is text, kept verbatim; comments and instructions are not text")
    func cdataCommentsInstructions() throws {
        let document = try parse("<a>x<!-- note -->y<![CDATA[<&>]]>z<?pi data?></a>")
        #expect(document.root.text == "xy<&>z")
    }

    @Test("whitespace-only text is empty; indentation between elements is ignored")
    func whitespace() throws {
        let document = try parse("<a>\n  <b>  </b>\n  <c>\n  value\n  </c>\n</a>\n")
        #expect(document.root.text == "")
        #expect(document.root.childText("b") == nil)
        #expect(document.root.childText("c") == "\n  value\n  ")
        #expect(document.root.children.map(\.name) == ["b", "c"])
    }

    @Test("declaration, byte order mark, comments around the root and namespace prefixes")
    func prologAndPrefixes() throws {
        let text = "\u{FEFF}<?xml version=\"1.0\"?>\n<!-- c --><s:Envelope xmlns:s=\"u\"><s:Body>x</s:Body></s:Envelope><!-- end -->\n"
        let document = try parse(text)
        #expect(document.root.name == "Envelope")
        #expect(document.root.hasName("Envelope"))
        #expect(document.root.childText("Body") == "x")
    }

    @Test("hasName compares the whole local name")
    func nameComparison() throws {
        let document = try parse("<instanceIdentity><instanceId>i</instanceId></instanceIdentity>")
        #expect(!document.root.hasName("instanceId"))
        #expect(document.root.child("instanceId")?.text == "i")
        #expect(document.root.child("instance") == nil)
    }

    @Test(
        "malformed documents are typed errors",
        arguments: [
            ("", XMLError.Kind.noRootElement),
            ("   ", .noRootElement),
            ("text", .textOutsideRootElement),
            ("<a></b>", .mismatchedEndTag(expected: "a", found: "b")),
            ("<a><b></a></b>", .mismatchedEndTag(expected: "b", found: "a")),
            ("<a/></a>", .contentAfterRootElement),
            ("<a/><b/>", .contentAfterRootElement),
            ("<a/>trailing", .textOutsideRootElement),
            ("<a>&unknown;</a>", .invalidReference("&unknown;")),
            ("<a>&#0;</a>", .invalidReference("&#0;")),
            ("<a>&#xD800;</a>", .invalidReference("&#xD800;")),
            ("<a>&#x110000;</a>", .invalidReference("&#x110000;")),
            ("<a>AT&T is a company name</a>", .invalidReference("&T is a company ")),
            ("<a b=1/>", .malformedTag("an attribute value not in quotes")),
            ("<a b=\"<\"/>", .malformedTag("\"<\" inside an attribute value")),
            ("<a b=\"1\"c=\"2\"/>", .malformedTag("attributes must be separated by whitespace")),
            ("<a b/>", .malformedTag("an attribute name not followed by \"=\"")),
            ("< a/>", .invalidName),
            ("<1a/>", .invalidName),
            ("<a:/>", .invalidName),
            ("<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>", .documentTypeNotSupported),
            ("<a><!DOCTYPE b></a>", .documentTypeNotSupported),
            ("<a><!bogus></a>", .malformedTag("\"<!\" starts neither a comment nor CDATA")),
        ])
    func malformed(text: String, expected: XMLError.Kind) {
        #expect(throws: XMLError.self) { try parse(text) }
        do {
            _ = try parse(text)
        } catch {
            #expect(error.kind == expected)
        }
    }

    @Test("every truncation of a document is an error naming the open element, never a crash")
    func truncation() throws {
        let full = Array(
            #"<?xml version="1.0"?><r x="1"><a>t&amp;</a><!-- c --><b><![CDATA[d]]></b><c/></r>"#.utf8)
        _ = try XMLDocument.parse(full)
        for length in 0..<full.count {
            #expect(throws: XMLError.self, "prefix of \(length) bytes") {
                try XMLDocument.parse(Array(full.prefix(length)))
            }
        }
        do {
            _ = try XMLDocument.parse(Array("<r><a>text".utf8))
        } catch {
            #expect(error.kind == .truncated(openElement: "a"))
            #expect(error.description.contains("truncated"))
        }
    }

    @Test("nesting beyond the limit is refused rather than recursed into")
    func depthLimit() {
        let deep = String(repeating: "<a>", count: 300) + String(repeating: "</a>", count: 300)
        #expect(throws: XMLError.self) { try XMLDocument.parse(Array(deep.utf8)) }
        let fine = String(repeating: "<a>", count: 100) + String(repeating: "</a>", count: 100)
        #expect((try? XMLDocument.parse(Array(fine.utf8))) != nil)
    }

    @Test("random corruption of a real response either parses or throws, never traps")
    func corruption() throws {
        let original = try SharedFixtures.bytes("ec2/describe-instances-real-shaped.xml")
        var generator = SplitMix64(seed: 0x5EED)
        let interesting = Array("<>/&;!?[]=\"' a#x".utf8)
        var parsed = 0
        for _ in 0..<1_500 {
            var bytes = original
            for _ in 0..<Int(generator.next() % 4 + 1) {
                let position = Int(generator.next() % UInt64(bytes.count))
                switch generator.next() % 3 {
                case 0: bytes[position] = interesting[Int(generator.next() % UInt64(interesting.count))]
                case 1: bytes.remove(at: position)
                default: bytes.insert(UInt8(truncatingIfNeeded: generator.next()), at: position)
                }
            }
            if let document = try? XMLDocument.parse(bytes) {
                parsed += 1
                // Walking every element and its text must be safe too.
                _ = try? DescribeInstancesReader.page(document)
            }
        }
        #expect(parsed < 1_500)
    }
}
