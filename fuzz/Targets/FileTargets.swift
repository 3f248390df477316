import AWSClient
import AddressBook
import DNSWire
import EC2Zone
import Federation
import FednsSupport
import Foundation
import Inventory
import NIOCore
import Settings

/// `config`: a configuration file through `FednsConfig.parse` (TOML, then every section's validation), with no
/// environment overrides and a directory that does not exist, so that no file is read.
enum ConfigTarget {
    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        guard let text = String(bytes: input, encoding: .utf8) else { return }
        do {
            _ = try FednsConfig.parse(text, origin: "fuzz.toml", directory: "/nonexistent/fedns-fuzz", environment: [:])
        } catch {
            try check(!error.description.isEmpty, .config, "a configuration error with no message")
        }
    }
}

/// `snapshot`: a snapshot (or inventory file) through `Snapshot.decode`. What decodes must encode to a document
/// that decodes to the same encoding again, and must compile into a zone that answers for every name it holds.
enum SnapshotTarget {
    /// Instances of one input whose names are asked.
    static let askedPerInput = 12

    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        let snapshot: Snapshot
        do {
            snapshot = try Snapshot.decode(Data(input))
        } catch {
            try check(!error.reason.isEmpty, .snapshot, "a snapshot error with no reason")
            return
        }
        let encoded: Data
        do {
            encoded = try snapshot.encoded()
        } catch {
            throw InvariantViolation(.snapshot, "a decoded snapshot does not encode: \(error)")
        }
        do {
            let again = try Snapshot.decode(encoded)
            let reencoded = try again.encoded()
            try check(reencoded == encoded, .snapshot, "encode(decode(encode(s))) differs from encode(s)")
        } catch let violation as InvariantViolation {
            throw violation
        } catch {
            throw InvariantViolation(.snapshot, "our own encoding does not decode: \(error)")
        }
        try ask(snapshot.instances, serial: snapshot.serial, target: .snapshot, limit: askedPerInput)
    }

    /// Compiles `instances` into a zone (the default options, and the private-address mode with every state
    /// named) and asks it, over UDP and TCP, for A, AAAA, TXT and ANY of each instance's names and PTR of each of its
    /// addresses, checking each reply like the `dns` target.
    static func ask(_ instances: [Instance], serial: UInt32 = 1, target: FuzzTarget, limit: Int) throws(InvariantViolation) {
        let options = [
            ZoneOptions(nameserverIPv4: [IPv4Address(127, 0, 0, 1)]),
            ZoneOptions(addressMode: .private, states: Set(instances.prefix(limit).map(\.state)).union(["running"])),
        ]
        for settings in options {
            let zone = CompiledZone(snapshot: Snapshot(serial: serial, instances: instances), settings: settings)
            var names: [DNSName] = [settings.origin]
            for instance in instances.prefix(limit) {
                let origin = settings.origin.labels.map { Array($0) }
                let region = Array(instance.region.lowercased().utf8)
                for label in [Array(instance.id.lowercased().utf8), InstanceNaming.label(forNameTag: instance.name).map { Array($0.utf8) }].compactMap({ $0 }) {
                    names += [[label] + origin, [label, region] + origin].compactMap { try? DNSName(labels: $0) }
                }
                for address in instance.privateIPv4 + [instance.publicIPv4].compactMap({ $0 }) + instance.ipv6 {
                    if let reverse = reverseName(address) { names.append(reverse) }
                }
            }
            for (index, name) in names.enumerated() {
                for type in [RRType.a, .aaaa, .txt, .any, .ptr, .soa, .ns] {
                    var query = Message.query(id: UInt16(truncatingIfNeeded: index), name: name, type: type, edns: index % 2 == 0 ? EDNS() : nil)
                    query.recursionDesired = index % 3 == 0
                    var buffer = ByteBuffer()
                    guard (try? query.write(into: &buffer)) != nil else { continue }
                    let bytes = Array(buffer.readableBytesView)
                    for transport in DNSTransport.allCases {
                        let result = bytes.withUnsafeBytes { raw in
                            Result { () throws(InvariantViolation) in
                                try DNSReplyCheck.answer(raw, zone: zone, transport: transport, rotation: index, target: target)
                            }
                        }
                        try result.get()
                    }
                }
            }
        }
    }

    /// The reverse name of an address text, if it is one.
    static func reverseName(_ text: String) -> DNSName? {
        if let v4 = IPv4Address(text) {
            let octets = [v4.value >> 24, v4.value >> 16 & 0xFF, v4.value >> 8 & 0xFF, v4.value & 0xFF]
            return try? DNSName(octets.reversed().map(String.init).joined(separator: ".") + ".in-addr.arpa.")
        }
        if let v6 = IPv6Address(text) {
            let nibbles = (0..<32).map { String(Int(truncatingIfNeeded: v6.value >> (4 * UInt128($0))) & 0xF, radix: 16) }
            return try? DNSName(nibbles.joined(separator: ".") + ".ip6.arpa.")
        }
        return nil
    }
}

/// `addressbook`: an import file read as CSV and as JSON. What reads must survive the export: the CSV
/// `fedns federation export` writes reads back to the same records.
enum AddressBookTarget {
    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        guard let text = String(bytes: input, encoding: .utf8) else { return }
        for format in [AddressFile.Format.csv, .json] {
            let records: [AddressRecord]
            do {
                records = try AddressFile.parse(text, format: format, source: "fuzz.\(format.rawValue)")
            } catch {
                try check(!error.problems.isEmpty, .addressBook, "an import error listing no problem")
                continue
            }
            let exported = AddressFile.csv(records)
            do {
                let again = try AddressFile.parse(exported, format: .csv, source: "export.csv")
                try check(again == records, .addressBook, "exported and read back, \(records) became \(again)")
            } catch let violation as InvariantViolation {
                throw violation
            } catch {
                throw InvariantViolation(.addressBook, "our own export does not import: \(error)\n\(exported)")
            }
        }
    }
}

/// `aws-config`: the text read as `~/.aws/config` and as `~/.aws/credentials`, and every `credential_process`
/// in it split into words as it would be run.
enum AWSConfigTarget {
    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        let text = String(decoding: input, as: UTF8.self)
        guard let file = try? ProfileFile.parse(text, path: "fuzz/config") else { return }
        for (_, section) in file.sections {
            if let command = section["credential_process"] { _ = try? ShellWords.split(command) }
        }
    }
}

/// `credential-process`: the JSON a `credential_process` prints (also what the container endpoint and IMDS serve),
/// with and without the `Version: 1` the process output needs. Neither the credentials nor an error about them may
/// show the secret key.
enum CredentialProcessTarget {
    static func run(_ input: UnsafeRawBufferPointer) throws(InvariantViolation) {
        let bytes = Array(input)
        let object = (try? JSONSerialization.jsonObject(with: Data(bytes))) as? [String: Any]
        guard let secret = object?["SecretAccessKey"] as? String, secret.count >= 4 else {
            for requireVersion1 in [true, false] { _ = shown(bytes, requireVersion1: requireVersion1) }
            return
        }
        // The same text with every SecretAccessKey value (a document may repeat the key) replaced by filler of the
        // same length: what is shown may contain the secret's text only as often as it then does. The fuzzer found
        // the false alarms this avoids: a secret that is a word of the description ("secret", crash-523f74a0…) and
        // one whose text another field quotes (an Expiration, crash-433814f5…).
        let text = String(decoding: bytes, as: UTF8.self)
        let filler: Character = secret.contains("#") ? "~" : "#"
        let neutral = Array(
            text.replacing(#/("SecretAccessKey"\s*:\s*")((?:[^"\\]|\\.)*)"/#) { match in
                "\(match.output.1)\(String(repeating: filler, count: match.output.2.count))\""
            }.utf8)
        for requireVersion1 in [true, false] {
            let described = shown(bytes, requireVersion1: requireVersion1)
            let baseline = shown(neutral, requireVersion1: requireVersion1)
            try check(
                occurrences(of: secret, in: described) <= occurrences(of: secret, in: baseline), .credentialProcess,
                "the secret key shows in \"\(described)\"")
        }
    }

    /// The credentials' description, or the error's.
    static func shown(_ bytes: [UInt8], requireVersion1: Bool) -> String {
        do {
            return "\(try CredentialDocument.credentials(from: bytes, source: "fuzz", requireVersion1: requireVersion1, fix: "none"))"
        } catch {
            return error.description
        }
    }

    static func occurrences(of needle: String, in text: String) -> Int {
        text.components(separatedBy: needle).count - 1
    }
}
