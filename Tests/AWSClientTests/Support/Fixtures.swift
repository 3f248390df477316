import Foundation

/// Files under `Tests/AWSClientTests/Fixtures`, found from this source file's path so that no resource bundle is
/// needed.
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ relativePath: String) -> URL {
        directory.appendingPathComponent(relativePath)
    }

    /// Fixtures shared with the end-to-end tests (`Tests/fixtures`), such as the moto launcher and seeder.
    static func shared(_ relativePath: String) -> URL {
        directory.deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("fixtures")
            .appendingPathComponent(relativePath)
    }

    static func bytes(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url(relativePath)))
    }

    static func text(_ relativePath: String) throws -> String {
        String(decoding: try bytes(relativePath), as: UTF8.self)
    }
}
