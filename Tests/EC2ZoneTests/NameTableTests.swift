import Testing

@testable import EC2Zone

/// The name table grows from nothing (each growth places every entry again from the hash kept in its slot) and
/// finds every key it was given, and no other.
@Suite("Name table")
struct NameTableTests {
    static func key(_ index: Int) -> [UInt8] {
        let label = Array("host-\(index)".utf8)
        return [UInt8(label.count)] + label + [3] + Array("ec2".utf8) + [0]
    }

    @Test("20,000 keys inserted without a reservation: each found at its index, repeats not added, others absent")
    func growsAndFinds() {
        var table = NameTable()
        for index in 0..<20_000 {
            let inserted = Self.key(index).withUnsafeBytes { table.insert($0) }
            #expect(inserted == Int32(index))
        }
        #expect(Self.key(7).withUnsafeBytes { table.insert($0) } == 7)
        #expect(table.count == 20_000)
        for index in 0..<20_000 {
            #expect(table.find(Self.key(index)) == Int32(index))
            #expect(Array(table.key(at: Int32(index))) == Self.key(index))
        }
        for index in 20_000..<21_000 { #expect(table.find(Self.key(index)) == nil) }
        #expect(table.find([0]) == nil)
    }

    @Test("a reservation after keys are in keeps them")
    func reserveKeeps() {
        var table = NameTable()
        for index in 0..<100 { _ = Self.key(index).withUnsafeBytes { table.insert($0) } }
        table.reserve(50_000)
        for index in 0..<100 { #expect(table.find(Self.key(index)) == Int32(index)) }
    }
}
