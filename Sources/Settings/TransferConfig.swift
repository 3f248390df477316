import DNSWire
import FednsSupport
import Foundation
import NIOCore
import TOMLKit
import ZoneTransfer

/// `[dns.transfer]`: fedns as a hidden primary.
///
/// ```toml
/// [dns.transfer]
/// allow = ["10.0.0.0/8", "2001:db8::/32"]   # who may AXFR/IXFR; nobody by default
/// notify = ["10.0.1.53:53", { address = "10.0.2.53:53", key = "xfr-b" }]
/// journal = 100                              # serials IXFR can reach back
/// journal_file = "…"                          # default: beside the snapshot (SNAPSHOT.ixfr); none: memory only
///
/// [[dns.transfer.keys]]
/// name = "xfr"
/// algorithm = "hmac-sha256"                   # or "hmac-sha512"
/// secret = "base64…"                          # or secret_file = "xfr.key" (mode 600)
/// ```
extension TransferOptions {
    static func read(_ reader: inout TableReader, directory: String) throws(ConfigError) -> TransferOptions? {
        guard reader.isPresent else { return nil }
        var allow: [AddressRange] = []
        for (index, text) in (try reader.stringArray("allow") ?? []).enumerated() {
            guard let range = AddressRange(text) else {
                throw ConfigError(
                    file: reader.file, key: "\(reader.key("allow"))[\(index)]",
                    message: "expected an address or a CIDR block such as \"10.0.0.0/8\", found \"\(text)\"")
            }
            allow.append(range)
        }
        var keys: [TSIGKey] = []
        for var keyReader in try reader.tables("keys") ?? [] {
            let key = try readKey(&keyReader, directory: directory)
            guard !keys.contains(where: { $0.name == key.name }) else {
                throw keyReader.error("name", "a key named \(key.name) is already configured")
            }
            keys.append(key)
        }
        let notify = try readNotify(&reader, keys: keys)
        let journal = try reader.integer("journal", in: 0...100_000, default: 100)
        let journalFile = try reader.string("journal_file").map { resolvePath($0, from: directory) }
        try reader.rejectUnknownKeys()
        return TransferOptions(allow: allow, notify: notify, journalLength: journal, keys: keys, journalPath: journalFile)
    }

    private static func readKey(_ reader: inout TableReader, directory: String) throws(ConfigError) -> TSIGKey {
        let nameText = try reader.requiredString("name", "the key's name, as the secondaries know it")
        guard let name = try? DNSName(nameText), !name.isRoot else {
            throw reader.error("name", "expected a key name such as \"xfr\", found \"\(nameText)\"")
        }
        let algorithmText = try reader.string("algorithm", default: TSIGKey.Algorithm.hmacSHA256.rawValue)
        guard let algorithm = TSIGKey.Algorithm(rawValue: algorithmText.lowercased()) else {
            throw reader.error("algorithm", "expected \"hmac-sha256\" or \"hmac-sha512\", found \"\(algorithmText)\"")
        }
        let inline = try reader.string("secret")
        let file = try reader.string("secret_file")
        let text: String
        switch (inline, file) {
        case (let secret?, nil):
            text = secret
        case (nil, let path?):
            let bytes = try SecretFile.read(resolvePath(path, from: directory), configFile: reader.file, key: reader.key("secret_file"))
            text = String(decoding: bytes, as: UTF8.self)
        case (.some, .some):
            throw reader.error("secret", "give secret or secret_file, not both")
        case (nil, nil):
            throw reader.error("secret", "required: the key's secret in base64 (or secret_file)")
        }
        // The secret itself is never put in a message.
        guard let secret = Data(base64Encoded: text.trimmingCharacters(in: .whitespacesAndNewlines)), secret.count >= 16 else {
            throw reader.error(
                file == nil ? "secret" : "secret_file",
                "expected at least 16 bytes in base64, as `tsig-keygen` or `openssl rand -base64 32` print")
        }
        return TSIGKey(name: name, algorithm: algorithm, secret: Array(secret))
    }

    /// `notify`: addresses (`"HOST:PORT"`) or tables (`{ address = "HOST:PORT", key = "NAME" }`).
    private static func readNotify(_ reader: inout TableReader, keys: [TSIGKey]) throws(ConfigError) -> [NotifyTarget] {
        guard let values = reader.rawArray("notify") else { return [] }
        var targets: [NotifyTarget] = []
        for (index, value) in values.enumerated() {
            let key = "\(reader.key("notify"))[\(index)]"
            var addressText: String?
            var keyName: DNSName?
            if let text = value.string {
                addressText = text
            } else if let table = value.table {
                var element = TableReader(table, path: key, file: reader.file)
                addressText = try element.requiredString("address", "the secondary's address, such as \"10.0.1.53:53\"")
                if let name = try element.string("key") {
                    guard let parsed = try? DNSName(name), keys.contains(where: { $0.name == parsed.lowercased() }) else {
                        throw element.error("key", "no key named \"\(name)\" in [[dns.transfer.keys]]")
                    }
                    keyName = parsed
                }
                try element.rejectUnknownKeys()
            }
            guard let addressText, let address = SocketAddress(hostPort: addressText) else {
                throw ConfigError(
                    file: reader.file, key: key,
                    message: "expected a secondary's address such as \"10.0.1.53:53\" (or a table with address and key)")
            }
            targets.append(NotifyTarget(address: address, keyName: keyName))
        }
        return targets
    }
}
