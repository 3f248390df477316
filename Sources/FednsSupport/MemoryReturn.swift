#if canImport(Glibc)
import Glibc
#endif

/// Decoding and compiling a large inventory leaves megabytes of freed heap that glibc keeps for reuse, in whichever
/// arena the refreshing thread had; handing it back after a refresh makes the resident size reflect the inventory
/// rather than the garbage of the last refreshes. Called once the refresh's own copies are gone.
public enum MemoryReturn {
    #if canImport(Glibc)
    private typealias TrimFunction = @convention(c) (Int) -> Int32
    /// `malloc_trim` is glibc-only and not in Swift's Glibc module map, so it is looked up at run time.
    private static let trim: TrimFunction? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "malloc_trim").map {
        unsafeBitCast($0, to: TrimFunction.self)
    }
    #endif

    public static func releaseFreedHeap() {
        #if canImport(Glibc)
        _ = trim?(0)
        #endif
    }
}
