import Crypto
import Foundation

/// An SSH host key of an instance, as cloud-init prints it to the console (`ssh-ed25519 AAAA… root@host`), with its
/// SHA-256 fingerprint computed once, when the key is learnt, so that building a zone of SSHFP records hashes
/// nothing.
public struct HostKey: Hashable, Sendable {
    /// The key type as OpenSSH names it: `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`, …
    public let type: String
    /// The public key blob in base64, as in `authorized_keys` and `known_hosts`.
    public let base64: String
    /// SHA-256 of the blob (RFC 6594's SSHFP fingerprint type 2).
    public let sha256: [UInt8]

    /// A key from its type and base64 blob; nil unless the blob is valid base64 whose embedded type (the blob starts
    /// with it, RFC 4253 §6.6) is `type`.
    public init?(type: String, base64: String) {
        guard let blob = Data(base64Encoded: base64), blob.count >= 4 else { return nil }
        let bytes = [UInt8](blob)
        let length = Int(bytes[0]) << 24 | Int(bytes[1]) << 16 | Int(bytes[2]) << 8 | Int(bytes[3])
        guard length > 0, 4 + length <= bytes.count, Array(bytes[4..<(4 + length)]) == Array(type.utf8) else { return nil }
        self.init(type: type, base64: base64, sha256: Array(SHA256.hash(data: bytes)))
    }

    private init(type: String, base64: String, sha256: [UInt8]) {
        self.type = type
        self.base64 = base64
        self.sha256 = sha256
    }

    /// A line of `known_hosts` / `authorized_keys` form: `TYPE BASE64 [comment]`; nil when it is not one.
    public init?(line: some StringProtocol) {
        let fields = line.split(whereSeparator: \.isWhitespace)
        guard fields.count >= 2 else { return nil }
        self.init(type: String(fields[0]), base64: String(fields[1]))
    }

    /// The SSHFP algorithm number (RFC 4255, 6594, 7479, 8709), or nil for a type SSHFP has none for.
    public var sshfpAlgorithm: UInt8? {
        switch type {
        case "ssh-rsa": return 1
        case "ssh-dss": return 2
        case "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521": return 3
        case "ssh-ed25519": return 4
        case "ssh-ed448": return 6
        default: return nil
        }
    }

    /// The fingerprint in lower-case hex, as `ssh-keygen -r` and `dig` print it.
    public var sha256Hex: String {
        sha256.map { byte in
            let digits = Array("0123456789abcdef".utf8)
            return String(decoding: [digits[Int(byte >> 4)], digits[Int(byte & 0xF)]], as: UTF8.self)
        }.joined()
    }
}

extension HostKey: Codable {
    enum CodingKeys: String, CodingKey {
        case type, key, sha256
    }

    /// The fingerprint is written too and trusted when read back, so that loading a snapshot (each companion
    /// command does) hashes nothing; a file written by hand may leave it out, and then it is computed.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let type = try container.decode(String.self, forKey: .type)
        let key = try container.decode(String.self, forKey: .key)
        guard let parsed = HostKey(type: type, base64: key, sha256Hex: try container.decodeIfPresent(String.self, forKey: .sha256)) else {
            throw DecodingError.dataCorruptedError(
                forKey: .key, in: container, debugDescription: "not a base64 SSH public key of type \(type)")
        }
        self = parsed
    }

    /// A key as stored: with its fingerprint when one was written (trusted as it is), else computed.
    init?(type: String, base64: String, sha256Hex: String?) {
        if let sha256Hex, let digest = Self.bytes(hex: sha256Hex), digest.count == 32 {
            self.init(type: type, base64: base64, sha256: digest)
        } else {
            self.init(type: type, base64: base64)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(type, forKey: .type)
        try container.encode(base64, forKey: .key)
        try container.encode(sha256Hex, forKey: .sha256)
    }

    private static func bytes(hex: String) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count % 2 == 0 else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
            default: return nil
            }
        }
        var result: [UInt8] = []
        result.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            result.append(high << 4 | low)
        }
        return result
    }
}
