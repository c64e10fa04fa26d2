/// Where a run's wall time went: local training, the ledger (signing, checking, blocks,
/// replication with verification), the content stores, and cryptography (Paillier).
public struct PhaseTiming: Sendable, Codable, Equatable {
    public var training = 0.0
    public var ledger = 0.0
    public var store = 0.0
    public var crypto = 0.0

    public init() {}

    /// Runs `body`, adding its duration to the phase at `path`.
    @discardableResult
    public mutating func measure<T>(_ path: WritableKeyPath<PhaseTiming, Double>, _ body: () throws -> T) rethrows -> T {
        let clock = ContinuousClock()
        let start = clock.now
        defer {
            let d = clock.now - start
            self[keyPath: path] += Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        }
        return try body()
    }
}
