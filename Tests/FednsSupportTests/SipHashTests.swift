import FednsSupport
import Testing

@Suite("SipHash-2-4")
struct SipHashTests {
    /// The key 00 01 … 0f of the SipHash paper and reference implementation.
    static let key: [UInt8] = Array(0..<16)

    @Test("the reference vectors: the empty message and the paper's 15 bytes 00 … 0e")
    func referenceVectors() {
        #expect([UInt8]().withUnsafeBytes { SipHash24.hash(key: Self.key, $0) } == [0x31, 0x0e, 0x0e, 0xdd, 0x47, 0xdb, 0x6f, 0x72])
        let paper = [UInt8](0..<15).withUnsafeBytes { SipHash24.hash(key: Self.key, $0) }
        #expect(paper == [0xe5, 0x45, 0xbe, 0x49, 0x61, 0xca, 0x29, 0xa1])  // 0xa129ca6149be45e5, little-endian
    }

    @Test("the 64-bit form is the byte form read little-endian, for every length across a block boundary")
    func wordForm() {
        for length in 0...24 {
            let message = [UInt8]((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37) })
            message.withUnsafeBytes { bytes in
                let word = SipHash24.hash(k0: 0x0706_0504_0302_0100, k1: 0x0f0e_0d0c_0b0a_0908, bytes)
                let expected = SipHash24.hash(key: Self.key, bytes)
                #expect((0..<8).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } == expected, "length \(length)")
            }
        }
    }
}
