import Foundation
import Learning

/// Where a run's wall time went: local training, the ledger (signing, checking, consensus,
/// replication with verification), the content stores, and cryptography (Paillier).
///
/// Phases nest (a block proposal computes an aggregate, which stores a model): time is charged
/// to the innermost phase only, so the phases add up to the measured wall time.
/// `@unchecked Sendable`: all state is guarded by `lock` (key paths are not `Sendable`, so a
/// `Mutex` cannot hold the phase stack).
public final class PhaseTiming: @unchecked Sendable {
    public struct Totals: Sendable, Codable, Equatable {
        public var training = 0.0
        public var ledger = 0.0
        public var store = 0.0
        public var crypto = 0.0

        /// The time spent since `earlier` was read.
        public func since(_ earlier: Totals) -> Totals {
            Totals(training: training - earlier.training, ledger: ledger - earlier.ledger,
                   store: store - earlier.store, crypto: crypto - earlier.crypto)
        }
    }

    private struct State {
        var totals = Totals()
        var stack: [(phase: WritableKeyPath<Totals, Double>, since: ContinuousClock.Instant)] = []
    }

    private let lock = NSLock()
    private var state = State()

    public init() {}

    public var totals: Totals { lock.withLock { state.totals } }
    public var training: Double { totals.training }
    public var ledger: Double { totals.ledger }
    public var store: Double { totals.store }
    public var crypto: Double { totals.crypto }

    /// Runs `body`, charging its duration (less any nested phases) to `phase`.
    @discardableResult
    public func measure<T>(_ phase: WritableKeyPath<Totals, Double>, _ body: () throws -> T) rethrows -> T {
        lock.withLock {
            let now = ContinuousClock.now
            if let top = state.stack.last { state.totals[keyPath: top.phase] += (now - top.since).seconds }
            state.stack.append((phase, now))
        }
        defer {
            lock.withLock {
                let now = ContinuousClock.now
                let top = state.stack.removeLast()
                state.totals[keyPath: top.phase] += (now - top.since).seconds
                if !state.stack.isEmpty { state.stack[state.stack.count - 1].since = now }
            }
        }
        return try body()
    }
}

