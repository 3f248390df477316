import Foundation

/// Files under `Tests/AWSClientTests/Fixtures` (the SigV4 test suite), found from this source file's path so that no
/// resource bundle is needed. Fixtures other targets read too live in `Tests/fixtures` (`SharedFixtures`).
enum Fixtures {
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func url(_ relativePath: String) -> URL {
        directory.appendingPathComponent(relativePath)
    }
}
