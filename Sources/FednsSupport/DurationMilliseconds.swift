extension Duration {
    /// Whole milliseconds, for log lines (`compile_ms=84`).
    public var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
