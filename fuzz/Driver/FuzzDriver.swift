import FuzzTargets

#if canImport(Glibc)
    import Glibc
#endif

// libFuzzer's entry points. One binary serves every target: `FEDNS_FUZZ_TARGET` names the one to run (fuzz/run.sh
// sets it). A broken invariant is printed and turned into a crash, so libFuzzer keeps the input.

nonisolated(unsafe) private var selected: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>) -> Int32 {
    let name = getenv("FEDNS_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let known = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        fputs("set FEDNS_FUZZ_TARGET to one of: \(known) (got \"\(name)\")\n", stderr)
        exit(2)
    }
    selected = target
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let target = selected else { return 0 }
    do {
        try target.run(UnsafeRawBufferPointer(start: data, count: size))
    } catch {
        fputs("INVARIANT VIOLATION: \(error)\n", stderr)
        abort()
    }
    return 0
}
