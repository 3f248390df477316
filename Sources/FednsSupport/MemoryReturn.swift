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
    private typealias OptionFunction = @convention(c) (Int32, Int32) -> Int32
    private static let setOption: OptionFunction? = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt").map {
        unsafeBitCast($0, to: OptionFunction.self)
    }
    /// `M_MMAP_THRESHOLD` of glibc's malloc.h.
    private static let mmapThresholdOption: Int32 = -3
    #endif

    /// Blocks of `threshold` bytes or more (the zone's arrays and the instances array, megabytes each) get mappings
    /// of their own, given back to the kernel the moment they are freed. Left to itself, glibc raises its threshold
    /// to the largest block freed so far (up to 32 MB): the next zone's arrays then come from the heap, and a zone
    /// let go of after the last trim (an event loop drops the old zone at its next query) stays resident. Setting
    /// the threshold turns that adjustment off. Called once, at start.
    public static func mapLargeBlocksSeparately(threshold: Int32 = 1 << 20) {
        #if canImport(Glibc)
        _ = setOption?(mmapThresholdOption, threshold)
        #endif
    }

    public static func releaseFreedHeap() {
        #if canImport(Glibc)
        _ = trim?(0)
        #endif
    }
}
