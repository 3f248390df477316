/// The surfaces of fedns that read bytes from outside, each as one function from bytes to "fine" or an
/// ``InvariantViolation``. libFuzzer drives them through `fuzz/Driver` (built by `fuzz/run.sh`); the unit tests
/// (`Tests/FuzzReplayTests`) replay every file of `fuzz/corpus/TARGET/` through the same functions without
/// libFuzzer, so a corpus entry that once crashed is checked on every `swift test`.
///
/// A target checks its invariants itself and reports a broken one as an ``InvariantViolation``: the driver turns
/// it into a crash (which libFuzzer keeps), a test into a failure naming the file. Input that the code rejects is
/// fine: what must never happen is a trap, a hang, or an answer that breaks the protocol's rules.
public enum FuzzTarget: String, CaseIterable, Sendable {
    /// A DNS message through the whole query path (`WireAnswerer` over a zone compiled from a realistic fleet).
    case dns
    /// A TCP byte stream, in arbitrary splits, through `TCPFrameHandler` and then the query path.
    case dnsTCP = "dns-tcp"
    /// An HTTP/1.1 byte stream through NIO's decoder and the federation site's fast path.
    case http
    /// An AWS query-protocol answer through the XML reader and the DescribeInstances, DescribeRegions,
    /// StartInstances, AssumeRole and error decoders, and EC2's values mapped to instances.
    case awsXML = "aws-xml"
    /// A configuration file (TOML) through `FednsConfig.parse`.
    case config
    /// A snapshot or inventory file (JSON) through `Snapshot.decode`, then compiled into a zone and asked about
    /// every name it holds.
    case snapshot
    /// An address-book import file, CSV or JSON.
    case addressBook = "addressbook"
    /// `~/.aws/config` and `~/.aws/credentials`, and the `credential_process` command line in them.
    case awsConfig = "aws-config"
    /// The JSON a `credential_process` prints (the same document the container endpoint and IMDS serve).
    case credentialProcess = "credential-process"

    /// Runs one input; throws when the code broke a rule it must keep.
    public func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        switch self {
        case .dns: try DNSTarget.run(input)
        case .dnsTCP: try DNSTCPTarget.run(input)
        case .http: try HTTPTarget.run(input)
        case .awsXML: try AWSXMLTarget.run(input)
        case .config: try ConfigTarget.run(input)
        case .snapshot: try SnapshotTarget.run(input)
        case .addressBook: try AddressBookTarget.run(input)
        case .awsConfig: try AWSConfigTarget.run(input)
        case .credentialProcess: try CredentialProcessTarget.run(input)
        }
    }

    public func run(_ input: [UInt8]) throws(InvariantViolation) {
        let result = input.withUnsafeBytes { bytes in Result { () throws(InvariantViolation) in try run(bytes) } }
        try result.get()
    }
}

/// A rule the code under test broke on some input: what was expected and what happened.
public struct InvariantViolation: Error, CustomStringConvertible, Sendable {
    public var target: String
    public var message: String

    public init(_ target: FuzzTarget, _ message: String) {
        self.target = target.rawValue
        self.message = message
    }

    public var description: String { "\(target): invariant violated: \(message)" }
}

/// `check(condition, .dns, "…")`: throws the violation when the condition is false.
@inline(__always)
func check(
    _ condition: Bool, _ target: FuzzTarget, _ message: @autoclosure () -> String
) throws(InvariantViolation) {
    if !condition { throw InvariantViolation(target, message()) }
}

/// A small deterministic generator seeded from the input, for the choices a target makes about how to feed it
/// (where to split a stream): the same input is always fed the same way, so a crash replays.
struct SplitMix {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    init(_ bytes: UnsafeRawBufferPointer) {
        // FNV-1a over the input.
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        self.init(seed: hash)
    }

    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    /// A number in `range`.
    mutating func next(in range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}
