import Inventory

/// The instances a `NameIndex` names, in member order: the inventory's own array seen through an ordering.
///
/// Naming never copies an instance: a copy of an `Instance` retains each of its strings and arrays, and at 100,000
/// instances copying them into member order (and releasing them all again when the index goes) was a sixth of the
/// zone's compile time. Reading an element here borrows it from the inventory's array.
public struct MemberInstances: RandomAccessCollection, Sendable {
    /// The array the index was built from, as given (instances in other states included).
    let all: [Instance]
    /// Positions in `all`, in member order.
    let order: [Int32]

    public var startIndex: Int { 0 }
    public var endIndex: Int { order.count }

    public subscript(position: Int) -> Instance {
        _read { yield all[Int(order[position])] }
    }

    /// Calls `body` with the members in `range` (all by default), in order: for passes over them. Read straight
    /// from the immutable array: through an unsafe pointer, the compiler copied each member once more per call it
    /// was passed to (nothing promises that memory stays put).
    func forEachBorrowed(in range: Range<Int>? = nil, _ body: (Int, Instance) throws -> Void) rethrows {
        for position in range ?? order.indices { try body(position, all[Int(order[position])]) }
    }
}
