import FuzzTargets

#if canImport(Glibc)
    import Glibc
#endif

// The libFuzzer driver: one binary serves every target, `FEDNS_FUZZ_TARGET` names the one to run (fuzz/run.sh sets
// it). A broken invariant is printed and turned into a crash, so libFuzzer keeps the input. main hands over to
// libFuzzer's driver (LLVMFuzzerRunDriver), which parses libFuzzer's options and runs the loop.

nonisolated(unsafe) private var selected: FuzzTarget?

@_cdecl("LLVMFuzzerInitialize")
public func fuzzerInitialize(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>
) -> Int32 {
    let name = getenv("FEDNS_FUZZ_TARGET").map { String(cString: $0) } ?? ""
    guard let target = FuzzTarget(rawValue: name) else {
        let known = FuzzTarget.allCases.map(\.rawValue).joined(separator: ", ")
        printError("set FEDNS_FUZZ_TARGET to one of: \(known) (got \"\(name)\")\n")
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
        printError("INVARIANT VIOLATION: \(error)\n")
        abort()
    }
    return 0
}

/// Writes to standard error unbuffered (the process may abort right after).
private func printError(_ text: String) {
    var text = text
    text.withUTF8 { bytes in _ = write(2, bytes.baseAddress, bytes.count) }
}

@_silgen_name("LLVMFuzzerRunDriver")
private func runFuzzerDriver(
    _ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32
) -> Int32

var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(runFuzzerDriver(&argc, &argv, fuzzerTestOneInput))
