import Foundation
import Testing

@testable import FednsSupport

/// `JSONReader.readLargeArray`: an array read in two halves on two threads must give exactly what one pass gives,
/// elements and errors alike, whatever the guessed boundary turns out to be.
@Suite("JSONReader: large arrays on two threads")
struct JSONReaderSplitTests {
    struct Item: Sendable, Equatable {
        var id: Int
        var note: String

        @Sendable static func read(_ reader: inout JSONReader) throws(JSONReadError) -> Item {
            var id: Int?
            var note = ""
            try reader.readObject { reader, key throws(JSONReadError) in
                if key == "id" {
                    id = try reader.readInteger()
                } else if key == "note" {
                    note = try reader.readString(interned: true)
                } else {
                    try reader.skipValue()
                }
            }
            guard let id else { throw reader.missingKey("id") }
            return Item(id: id, note: note)
        }
    }

    /// `count` items, spaced several ways (compact, spaces, newlines), with notes that contain `,{` and `},{"`.
    static func document(count: Int, replacing broken: Int? = nil) -> String {
        let separators = [",", ", ", ",\n  ", " ,\t"]
        let items = (0..<count).map { index in
            if index == broken { return #"{"id": "not a number"}"# }
            let note = index % 3 == 0 ? "a note, {with} braces},{\\\"x\\\": 1" : "a tag value shared by many instances"
            return #"{"id": \#(index), "note": "\#(note)"}"#
        }
        var text = "[\n  "
        for (index, item) in items.enumerated() {
            if index > 0 { text += separators[index % separators.count] }
            text += item
        }
        return text + ",\n]"
    }

    /// The items of `text` read in one pass with `readArray`, or the error's description.
    static func onePass(_ text: String) -> Result<[Item], JSONReadError> {
        Array(text.utf8).withUnsafeBytes { bytes in
            Result { () throws(JSONReadError) in
                try JSONReader.read(bytes) { reader throws(JSONReadError) in
                    var items: [Item] = []
                    try reader.readArray { reader, _ throws(JSONReadError) in items.append(try Item.read(&reader)) }
                    return items
                }
            }
        }
    }

    /// The items of `text` read with the second thread starting at byte `boundary`, and whether its half was used.
    static func split(_ text: String, at boundary: Int) -> Result<([Item], Bool), JSONReadError> {
        Array(text.utf8).withUnsafeBytes { bytes in
            Result { () throws(JSONReadError) in
                try JSONReader.read(bytes) { reader throws(JSONReadError) in
                    try reader.enterContainer(open: UInt8(ascii: "["), "an array")
                    defer { reader.depth -= 1 }
                    let (items, split) = try reader.readElements(splittingAt: boundary, Item.read)
                    return (items, split)
                }
            }
        }
    }

    static func offset(of marker: String, in text: String) throws -> Int {
        let range = try #require(text.range(of: marker))
        return text.utf8.distance(from: text.utf8.startIndex, to: range.lowerBound)
    }

    @Test("split at an element's start: the second thread's half is used, and the elements are those of one pass")
    func splitAtAnElement() throws {
        let text = Self.document(count: 300)
        let expected = try Self.onePass(text).get()
        #expect(expected.count == 300)
        for id in [1, 150, 299] {
            let (items, split) = try Self.split(text, at: try Self.offset(of: #"{"id": \#(id),"#, in: text)).get()
            #expect(split)
            #expect(items == expected)
        }
    }

    @Test("a boundary guessed inside a string is passed over by the first half: one pass's elements, no split")
    func boundaryInsideAString() throws {
        let text = Self.document(count: 300)
        // `{with}` sits in item 150's note, after a comma: what `elementBoundary` could take for an element.
        let item = try Self.offset(of: #"{"id": 150,"#, in: text)
        let inString = item + (try Self.offset(of: "{with}", in: try #require(String(text.utf8.dropFirst(item)))))
        let (items, split) = try Self.split(text, at: inString).get()
        #expect(!split)
        #expect(items == (try Self.onePass(text).get()))
    }

    @Test("an error in either half is the error one pass gives, with the element's index")
    func errorsAsInOnePass() throws {
        for broken in [40, 200] {
            let text = Self.document(count: 300, replacing: broken)
            let expected = try #require(Self.onePass(text).failure)
            #expect(expected.description.contains("[\(broken)]"))
            let result = Self.split(text, at: try Self.offset(of: #"{"id": 120,"#, in: text))
            #expect(result.failure?.description == expected.description)
        }
    }

    @Test("the boundary guess: the first '{' after a ',' and whitespace, at or after the offset")
    func boundaryGuess() {
        let text = Array(#"[{"a": [1, 2]}, {"b": 1} ,  {"c": 2}]"#.utf8)
        text.withUnsafeBytes { bytes in
            let reader = JSONReader(bytes: bytes)
            #expect(reader.elementBoundary(near: 0) == 16)
            #expect(reader.elementBoundary(near: 17) == 28)
            #expect(reader.elementBoundary(near: 29) == nil)
        }
    }

    @Test("readLargeArray reads what readArray reads, split or not")
    func largeArray() throws {
        let text = Self.document(count: 2_000)
        let expected = try Self.onePass(text).get()
        for threshold in [0, 1 << 30] {
            let items = Array(text.utf8).withUnsafeBytes { bytes in
                Result { () throws(JSONReadError) in
                    try JSONReader.read(bytes) { reader throws(JSONReadError) in
                        try reader.readLargeArray(splittingAbove: threshold, Item.read)
                    }
                }
            }
            #expect(try items.get() == expected)
        }
    }

    @Test("a second thread's CPU time counts in nowWithSecondThreads, not in the waiting caller's own")
    func secondThreadCPUTime() {
        let before = ThreadCPUTime.nowWithSecondThreads()
        let ownBefore = ThreadCPUTime.now()
        let (_, spent) = SecondThread.run({ () }, alongside: { () -> Duration in
            let start = ThreadCPUTime.now()
            var state: UInt64 = 1
            while ThreadCPUTime.now() - start < .milliseconds(30) { state = state &* 6_364_136_223_846_793_005 &+ 1 }
            return ThreadCPUTime.now() - start + .nanoseconds(Int64(state & 1))
        })
        #expect(spent >= .milliseconds(30))
        #expect(ThreadCPUTime.nowWithSecondThreads() - before >= spent - .nanoseconds(1))
        #expect(ThreadCPUTime.now() - ownBefore < .milliseconds(30))
    }

    @Test("the second thread has the caller's scheduling policy: idle when called from the background thread")
    func secondThreadKeepsThePolicy() async throws {
        #if os(Linux)
        let (_, normal) = SecondThread.run({ () }, alongside: { BackgroundThread.currentThreadIsIdlePriority })
        #expect(!normal)
        let background = await BackgroundThread()
        let idle = await withTaskExecutorPreference(background) {
            SecondThread.run({ BackgroundThread.currentThreadIsIdlePriority }, alongside: { BackgroundThread.currentThreadIsIdlePriority })
        }
        if background.priority == .idle { #expect(idle == (true, true)) }
        try await background.shutdown()
        #endif
    }
}

extension Result {
    fileprivate var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
