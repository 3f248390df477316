#if canImport(Glibc)
import Glibc
#endif

/// Decoding and compiling a large inventory leaves megabytes of freed heap that glibc keeps for reuse; handing it
/// back after a refresh makes the resident size reflect the inventory rather than the last refresh's garbage.
enum MemoryReturn {
    #if canImport(Glibc)
    private typealias TrimFunction = @convention(c) (Int) -> Int32
    /// `malloc_trim` is glibc-only and not in Swift's Glibc module map, so it is looked up at run time.
    private static let trim: TrimFunction? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim").map {
        unsafeBitCast($0, to: TrimFunction.self)
    }
    #endif

    static func releaseFreedHeap() {
        #if canImport(Glibc)
        _ = trim?(0)
        #endif
    }
}
