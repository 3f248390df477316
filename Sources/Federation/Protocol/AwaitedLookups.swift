import Synchronization

/// Runs the synchronous federation core over a directory that has to wait (a database), so that memory and
/// databases are answered by one implementation of the protocols.
///
/// A request asks the directory at most a couple of questions, each depending on the answer before (is the domain
/// served? then: which record?). The core runs against the answers gathered so far; the first question not
/// answered yet ends that run (its reply is discarded), the question is awaited from the real directory, and the
/// core runs again. The core is pure, so every run asks the same questions in the same order, and a request costs
/// one run more than it has questions: nothing next to a database round trip.
final class AwaitedLookups: ImmediateAddressDirectory {
    enum Question: Hashable, Sendable {
        case record(UserName, FederationDomain)
        case reverseRecord(AccountID, FederationDomain?)
        case hasAddresses(FederationDomain)
    }

    enum Answer: Sendable {
        case record(AddressRecord?)
        case hasAddresses(Bool)
        /// The directory threw: the core answers 503, as it does when a directory in memory throws.
        case failed
    }

    /// Thrown to end a run at a question without an answer yet.
    struct NotYetAnswered: Error {}
    /// Thrown for a question the directory failed to answer.
    struct DirectoryFailed: Error {}

    private struct State {
        var answers: [Question: Answer] = [:]
        var unanswered: Question?
    }

    private let state = Mutex(State())

    /// More questions than any request asks; reaching it would mean the core asked something new on every run.
    static let maximumRuns = 8

    static func respond(
        using directory: some AddressDirectory, _ run: (AwaitedLookups) -> FederationResponse
    ) async -> FederationResponse {
        let lookups = AwaitedLookups()
        var response = run(lookups)
        for _ in 1..<maximumRuns {
            guard let question = lookups.takeUnanswered() else { return response }
            await lookups.fetch(question, from: directory)
            response = run(lookups)
        }
        return lookups.takeUnanswered() == nil ? response : .directoryUnavailable
    }

    private func takeUnanswered() -> Question? {
        state.withLock { state in
            defer { state.unanswered = nil }
            return state.unanswered
        }
    }

    private func fetch(_ question: Question, from directory: some AddressDirectory) async {
        let answer: Answer
        do {
            switch question {
            case .record(let name, let domain): answer = .record(try await directory.record(named: name, in: domain))
            case .reverseRecord(let account, let domain): answer = .record(try await directory.reverseRecord(for: account, in: domain))
            case .hasAddresses(let domain): answer = .hasAddresses(try await directory.hasAddresses(in: domain))
            }
        } catch {
            answer = .failed
        }
        state.withLock { $0.answers[question] = answer }
    }

    private func answer(_ question: Question) throws -> Answer {
        let answer = state.withLock { state in
            let answer = state.answers[question]
            if answer == nil, state.unanswered == nil { state.unanswered = question }
            return answer
        }
        switch answer {
        case nil: throw NotYetAnswered()
        case .failed?: throw DirectoryFailed()
        case let answer?: return answer
        }
    }

    // MARK: ImmediateAddressDirectory, from the answers so far

    func record(named name: UserName, in domain: FederationDomain) throws -> AddressRecord? {
        guard case .record(let record) = try answer(.record(name, domain)) else { throw DirectoryFailed() }
        return record
    }

    func reverseRecord(for account: AccountID, in domain: FederationDomain?) throws -> AddressRecord? {
        guard case .record(let record) = try answer(.reverseRecord(account, domain)) else { throw DirectoryFailed() }
        return record
    }

    func hasAddresses(in domain: FederationDomain) throws -> Bool {
        guard case .hasAddresses(let exists) = try answer(.hasAddresses(domain)) else { throw DirectoryFailed() }
        return exists
    }
}
