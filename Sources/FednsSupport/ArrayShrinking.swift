extension Array {
    /// Gives back the spare capacity when it is more than a sixteenth of the count, by one copy of the exact size.
    /// For arrays built by appending (grown by doubling) that then live long, such as a snapshot's instances: at
    /// 100,000 instances the spare room was tens of megabytes.
    public mutating func shrinkToFit() {
        guard capacity - count > count / 16 else { return }
        self = [Element](unsafeUninitializedCapacity: count) { buffer, initialized in
            initialized = buffer.initialize(fromContentsOf: self)
        }
    }
}
