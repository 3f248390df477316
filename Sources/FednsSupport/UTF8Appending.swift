extension Array where Element == UInt8 {
    /// Appends the first `limit` bytes of `text`'s UTF-8 in one copy. `append(contentsOf: text.utf8)` goes byte by
    /// byte through the view's iterator; zone compiles append several strings per instance, and at 100,000
    /// instances that loop was a sixteenth of the compile.
    @inlinable
    public mutating func appendUTF8(_ text: String, limit: Int = .max) {
        let copied: Void? = text.utf8.withContiguousStorageIfAvailable { utf8 in
            append(contentsOf: UnsafeBufferPointer(rebasing: utf8.prefix(limit)))
        }
        if copied == nil { append(contentsOf: text.utf8.prefix(limit)) }
    }
}
