/// RFC 4648 base32 (the upper-case alphabet) without padding, as StrKey uses it.
///
/// Decoding is strict because SEP-23 wants exactly one spelling per key: only the 32 upper-case symbols, no `=`,
/// no length congruent to 1, 3 or 6 mod 8 (those cannot come from whole bytes), and the bits of the last symbol that
/// carry no data must be zero.
enum Base32 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Symbol value of each ASCII byte, or nil.
    private static let values: [UInt8?] = {
        var table = [UInt8?](repeating: nil, count: 256)
        for (index, symbol) in alphabet.enumerated() { table[Int(symbol)] = UInt8(index) }
        return table
    }()

    static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bitCount = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bitCount += 8
            while bitCount >= 5 {
                bitCount -= 5
                output.append(alphabet[Int((buffer >> UInt32(bitCount)) & 0x1F)])
            }
        }
        if bitCount > 0 {
            output.append(alphabet[Int((buffer << UInt32(5 - bitCount)) & 0x1F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    enum DecodingProblem: Error, Hashable, Sendable {
        /// A byte outside the alphabet, at this offset (lower case and `=` land here too).
        case invalidSymbol(offset: Int)
        /// The length cannot encode whole bytes.
        case impossibleLength(Int)
        /// The last symbol has non-zero bits that no byte uses.
        case nonZeroTrailingBits
    }

    /// The byte offset of the first byte outside the alphabet.
    static func firstInvalidSymbol(in symbols: [UInt8]) -> Int? {
        symbols.firstIndex { values[Int($0)] == nil }
    }

    static func decode(_ text: some StringProtocol) -> Result<[UInt8], DecodingProblem> {
        let symbols = Array(text.utf8)
        // A character outside the alphabet says more about the mistake than the length does; check it first.
        if let offset = firstInvalidSymbol(in: symbols) { return .failure(.invalidSymbol(offset: offset)) }
        switch symbols.count % 8 {
        case 1, 3, 6: return .failure(.impossibleLength(symbols.count))
        default: break
        }
        var output: [UInt8] = []
        output.reserveCapacity(symbols.count * 5 / 8)
        var buffer: UInt32 = 0
        var bitCount = 0
        for (offset, symbol) in symbols.enumerated() {
            guard let value = values[Int(symbol)] else { return .failure(.invalidSymbol(offset: offset)) }  // checked above
            buffer = (buffer << 5) | UInt32(value)
            bitCount += 5
            if bitCount >= 8 {
                bitCount -= 8
                output.append(UInt8((buffer >> UInt32(bitCount)) & 0xFF))
            }
        }
        // Whatever is left (fewer than 8 bits) belongs to no byte and must be zero.
        if bitCount > 0, buffer & ((1 << UInt32(bitCount)) - 1) != 0 {
            return .failure(.nonZeroTrailingBits)
        }
        return .success(output)
    }
}
