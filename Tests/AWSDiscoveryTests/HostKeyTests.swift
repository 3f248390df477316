import AWSDiscovery
import Foundation
import Inventory
import Logging
import Testing

@testable import AWSClient

/// Keys made with ssh-keygen, and what `ssh-keygen -r` printed for them.
enum RealKeys {
    static let ed25519 = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAICx0L8hx0q5nSnb4sTxZX5acnYi86Gti5XzfY05Ru9mR root@ip-10-0-1-11"
    static let ed25519SSHFP = "d1358e977ab45399663c206020a2e3deea9252cf9a675ad11ff1a392f5235444"
    static let ecdsa =
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEsxC/oxhaxCdC2UGxShk6K0C5ISGIKuZCWWDCeYvMvM0LXIySj7rFfyurgD/VJMJLLwBsOaoz9/xkpLOyK24OA= x"
    static let ecdsaSSHFP = "22f93153fd7e8560c7835ccc0250cc8b68e4746c54f59ca4c064faa4d83dc4d9"
}

@Suite("Host keys from cloud-init's console block")
struct ConsoleHostKeysTests {
    static let console = """
        [   10.100000] cloud-init[712]: Cloud-init v. 23.1 running 'modules:final'\r
        ec2: #############################################################\r
        ec2: -----BEGIN SSH HOST KEY FINGERPRINTS-----\r
        ec2: 256 SHA256:abc root@ip-10-0-1-11 (ED25519)\r
        ec2: -----END SSH HOST KEY FINGERPRINTS-----\r
        -----BEGIN SSH HOST KEY KEYS-----\r
        \(RealKeys.ecdsa)\r
        \(RealKeys.ed25519)\r
        -----END SSH HOST KEY KEYS-----\r
        [   11.000000] cloud-init[712]: Cloud-init v. 23.1 finished

        """

    @Test("the keys of the block, with the fingerprints ssh-keygen -r gives")
    func keys() throws {
        guard case .keys(let keys) = ConsoleHostKeys.read(Self.console) else {
            Issue.record("no keys read")
            return
        }
        #expect(keys.map(\.type) == ["ecdsa-sha2-nistp256", "ssh-ed25519"])
        #expect(keys.map(\.sha256Hex) == [RealKeys.ecdsaSSHFP, RealKeys.ed25519SSHFP])
        #expect(keys.map(\.sshfpAlgorithm) == [3, 4])
    }

    @Test("prefixed lines, and the last block of a rebooted instance")
    func prefixesAndReboots() {
        let prefixed = "ec2: -----BEGIN SSH HOST KEY KEYS-----\nec2: \(RealKeys.ecdsa)\nec2: -----END SSH HOST KEY KEYS-----\n"
        let twice = prefixed + "-----BEGIN SSH HOST KEY KEYS-----\n\(RealKeys.ed25519)\n-----END SSH HOST KEY KEYS-----\n"
        guard case .keys(let keys) = ConsoleHostKeys.read(twice) else {
            Issue.record("no keys read")
            return
        }
        #expect(keys.map(\.type) == ["ssh-ed25519"])
    }

    @Test(
        "no block yet, and blocks that cannot be trusted",
        arguments: [
            ("", ConsoleHostKeys.Reading.noBlock),
            ("booting...\nstill booting\n", .noBlock),
            ("-----BEGIN SSH HOST KEY KEYS-----\n\(RealKeys.ed25519)\n", .unreadable("the host key block has no -----END SSH HOST KEY KEYS----- line")),
            ("-----BEGIN SSH HOST KEY KEYS-----\n-----END SSH HOST KEY KEYS-----\n", .unreadable("the host key block is empty")),
            (
                "-----BEGIN SSH HOST KEY KEYS-----\n\(RealKeys.ed25519)\nssh-ed25519 AAAA!!notbase64\n-----END SSH HOST KEY KEYS-----",
                .unreadable("line 2 of the host key block is not an SSH public key")
            ),
            // A blob whose embedded type is not the type named.
            (
                "-----BEGIN SSH HOST KEY KEYS-----\nssh-rsa \(RealKeys.ed25519.split(separator: " ")[1])\n-----END SSH HOST KEY KEYS-----",
                .unreadable("line 1 of the host key block is not an SSH public key")
            ),
        ])
    func unreadable(console: String, expected: ConsoleHostKeys.Reading) {
        #expect(ConsoleHostKeys.read(console) == expected)
    }
}

/// Console outputs by instance id, and what was asked.
private actor ScriptedConsoles {
    var outputs: [String: Result<String?, AWSClientError>]
    var asked: [String] = []

    init(_ outputs: [String: Result<String?, AWSClientError>]) {
        self.outputs = outputs
    }

    func read(_ instance: Instance) throws -> String? {
        asked.append(instance.id)
        return try outputs[instance.id, default: .success(nil)].get()
    }

    func set(_ id: String, _ output: Result<String?, AWSClientError>) {
        outputs[id] = output
    }
}

@Suite("Reading host keys for the fleet")
struct HostKeyCollectorTests {
    static let block = "-----BEGIN SSH HOST KEY KEYS-----\n\(RealKeys.ed25519)\n-----END SSH HOST KEY KEYS-----\n"
    static let logger = Logger(label: "test")

    static func store() -> SnapshotStore {
        let store = SnapshotStore()
        store.publish(
            Snapshot(instances: [
                Instance(id: "i-ready", region: "eu-west-1"), Instance(id: "i-booting", region: "eu-west-1"),
                Instance(id: "i-stopped", state: "stopped", region: "eu-west-1"),
                Instance(id: "i-denied", region: "us-east-1", profile: "other"),
                Instance(id: "i-garbled", region: "eu-west-1"),
            ]))
        return store
    }

    @Test("once per instance, running ones only; keys go into the snapshot and stay across refreshes")
    func collect() async throws {
        let store = Self.store()
        let denied = AWSClientError(.service(AWSServiceError(code: "UnauthorizedOperation", message: "no", httpStatus: 403)), operation: "ec2:GetConsoleOutput")
        let consoles = ScriptedConsoles([
            "i-ready": .success(Self.block), "i-booting": .success("booting\n"), "i-denied": .failure(denied),
            "i-garbled": .success("-----BEGIN SSH HOST KEY KEYS-----\nnonsense\n-----END SSH HOST KEY KEYS-----\n"),
        ])
        let collector = HostKeyCollector(
            options: HostKeyCollector.Options(firstRetry: .seconds(60), maxRetry: .seconds(240), maxAttempts: 4), store: store,
            logger: Self.logger, read: { try await consoles.read($0) }, pause: { _ in })
        let start = ContinuousClock.now
        let serialBefore = store.current.serial
        #expect(await collector.round(at: start) == 4)
        #expect(await consoles.asked.sorted() == ["i-booting", "i-denied", "i-garbled", "i-ready"])
        let ready = try #require(store.current.instances.first { $0.id == "i-ready" })
        #expect(ready.hostKeys.map(\.sha256Hex) == [RealKeys.ed25519SSHFP])
        #expect(store.current.serial != serialBefore)  // the zone is rebuilt with the SSHFP records

        // Nothing is due again before the back-off; the instance with keys is never asked again.
        #expect(await collector.round(at: start + .seconds(59)) == 0)
        await consoles.set("i-booting", .success(Self.block))
        #expect(await collector.round(at: start + .seconds(60)) == 2)  // booting and garbled; denied is left alone
        #expect(store.current.instances.first { $0.id == "i-booting" }?.hostKeys.isEmpty == false)
        // Back-off doubles: 120 s after the second failure.
        #expect(await collector.round(at: start + .seconds(60 + 119)) == 0)
        #expect(await collector.round(at: start + .seconds(60 + 120)) == 1)
        #expect(await collector.round(at: start + .seconds(60 + 120 + 240)) == 1)
        // After maxAttempts (4) it gives up.
        #expect(await collector.round(at: start + .seconds(100_000)) == 0)

        // A refresh publishes instances without keys (DescribeInstances has none): the keys stay.
        store.publish(Snapshot(instances: store.current.instances.map { Instance(id: $0.id, state: $0.state, region: $0.region) }))
        #expect(store.current.instances.first { $0.id == "i-ready" }?.hostKeys.count == 1)
    }

    @Test("remembered keys (a snapshot file's) carry over to a fresh store's first publish")
    func remembered() throws {
        let keyed = Instance(id: "i-1", region: "r", hostKeys: [try #require(HostKey(line: RealKeys.ed25519))])
        let store = SnapshotStore()
        store.rememberHostKeys(of: [keyed])
        store.publish(Snapshot(instances: [Instance(id: "i-1", region: "r"), Instance(id: "i-2", region: "r")]))
        #expect(store.current.instances.map(\.hostKeys.count) == [1, 0])
    }

    @Test("host keys round-trip through the snapshot, fingerprints included, and a file may leave them out")
    func snapshotForm() throws {
        let key = try #require(HostKey(line: RealKeys.ecdsa))
        let snapshot = Snapshot(generatedAt: Date(timeIntervalSince1970: 1_800_000_000), instances: [Instance(id: "i-1", region: "r", hostKeys: [key])])
        let text = String(decoding: try snapshot.encoded(), as: UTF8.self)
        #expect(text.contains("\"sha256\" : \"\(RealKeys.ecdsaSSHFP)\""))
        #expect(try Snapshot.decode(Data(text.utf8)) == snapshot)
        let handWritten = #"{"instances":[{"id":"i-1","region":"r","host_keys":[{"type":"ecdsa-sha2-nistp256","key":"\#(RealKeys.ecdsa.split(separator: " ")[1])"}]}]}"#
        #expect(try Snapshot.decode(Data(handWritten.utf8)).instances.first?.hostKeys.first?.sha256Hex == RealKeys.ecdsaSSHFP)
        let broken = #"{"instances":[{"id":"i-1","region":"r","host_keys":[{"type":"ssh-ed25519","key":"nope"}]}]}"#
        #expect(throws: SnapshotFormatError.self) { try Snapshot.decode(Data(broken.utf8)) }
    }
}
