import Crypto
import Foundation
import Logging
import ServiceLifecycle
import Testing
import Synchronization
import X509

@testable import FederationHTTP

@Suite("Certificate store: SNI and reload")
struct CertificateStoreTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    let pki: TestPKI
    let root: TestPKI.Issued

    init() throws {
        pki = try TestPKI()
        root = try TestPKI.root("Store Root")
        try pki.write([root], to: "ca.pem")
    }

    /// Writes a leaf for `names` as `<file>.pem` / `<file>-key.pem`, returning it.
    @discardableResult
    func writeLeaf(_ file: String, names: [String], notValidAfter: Date = TestPKI.now + 86400 * 10) throws -> TestPKI.Issued {
        let leaf = try TestPKI.issue(names[0], by: root, dnsNames: names, notValidAfter: notValidAfter)
        try pki.write([leaf], to: "\(file).pem")
        try pki.write(key: leaf.key, to: "\(file)-key.pem")
        return leaf
    }

    func source(_ file: String) -> FederationHTTP.CertificateStore.Source {
        .init(certificate: pki.path("\(file).pem"), privateKey: pki.path("\(file)-key.pem"))
    }

    func makeStore(_ files: [String]) throws -> FederationHTTP.CertificateStore {
        try FederationHTTP.CertificateStore(sources: files.map(source), caFile: pki.path("ca.pem"), logger: Self.logger)
    }

    @Test("SNI picks the certificate naming the host; others get the first")
    func sniSelection() throws {
        let first = try writeLeaf("first", names: ["example.org", "www.example.org"])
        let second = try writeLeaf("second", names: ["example.net", "*.example.net"])
        let store = try makeStore(["first", "second"])
        #expect(store.bundle(forServerName: "example.net")?.leaf == second.certificate)
        #expect(store.bundle(forServerName: "fed.EXAMPLE.net")?.leaf == second.certificate)
        #expect(store.bundle(forServerName: "www.example.org")?.leaf == first.certificate)
        #expect(store.bundle(forServerName: "unknown.test")?.leaf == first.certificate)
        #expect(store.bundle(forServerName: nil)?.leaf == first.certificate)
    }

    @Test("a reload takes renewed files, and keeps the certificates in use when a file is broken")
    func reloadKeepsOldOnError() throws {
        let original = try writeLeaf("site", names: ["example.org"])
        let store = try makeStore(["site"])
        #expect(store.bundles.first?.leaf == original.certificate)

        // A certificate whose key is the old one's: a half-finished renewal.
        let renewed = try TestPKI.issue("example.org", by: root, dnsNames: ["example.org"])
        try pki.write([renewed], to: "site.pem")
        let error = store.reload()
        #expect(error?.description.contains("key mismatch") == true)
        #expect(store.bundles.first?.leaf == original.certificate)

        try pki.write("not a certificate", to: "site.pem")
        #expect(store.reload() != nil)
        #expect(store.bundles.first?.leaf == original.certificate)

        try pki.write(key: renewed.key, to: "site-key.pem")
        try pki.write([renewed], to: "site.pem")
        #expect(store.reload() == nil)
        #expect(store.bundles.first?.leaf == renewed.certificate)
    }

    @Test("days until the first expiry follow the soonest certificate")
    func daysLeft() throws {
        try writeLeaf("long", names: ["a.test"], notValidAfter: TestPKI.now + 86400 * 9)
        try writeLeaf("short", names: ["b.test"], notValidAfter: TestPKI.now + 86400 * 3)
        let days = try makeStore(["long", "short"]).daysUntilFirstExpiry
        #expect((2.9...3.01).contains(days), "\(days)")
    }

    @Test("the watcher reloads changed files without a signal, once they are stable")
    func watcherReloadsOnChange() async throws {
        try writeLeaf("site", names: ["example.org"])
        let store = try makeStore(["site"])
        let reloads = ReloadCounter()
        let watcher = CertificateWatcher(
            store: store, interval: .milliseconds(100), onReload: { reloads.add() }, logger: Self.logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await watcher.run() }
            try await Task.sleep(for: .milliseconds(250))
            #expect(reloads.count == 0)
            let fresh = try TestPKI.issue("example.org", by: root, dnsNames: ["example.org"])
            try pki.write(key: fresh.key, to: "site-key.pem")
            try pki.write([fresh], to: "site.pem")
            let deadline = ContinuousClock.now + .seconds(5)
            while store.bundles.first?.leaf != fresh.certificate, ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
            }
            #expect(store.bundles.first?.leaf == fresh.certificate)
            #expect(reloads.count == 1)
            group.cancelAll()
        }
    }
}

final class ReloadCounter: Sendable {
    private let value = Mutex(0)
    func add() { value.withLock { $0 += 1 } }
    var count: Int { value.withLock { $0 } }
}
