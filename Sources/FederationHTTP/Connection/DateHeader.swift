#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import FednsSupport

/// The `Date` header of the fast path's responses, as Hummingbird puts it on its own: formatted at most once a
/// second per connection, the wall clock read with `time()` otherwise.
struct DateHeader {
    private var second = Int.min
    private var text = ""

    mutating func current() -> String {
        let now = Int(time(nil))
        if now != second {
            second = now
            text = HTTPDate.format(secondsSince1970: now)
        }
        return text
    }
}
