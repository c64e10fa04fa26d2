import Foundation

/// Where a proposer gets block timestamps from. The state machine itself never reads a clock;
/// only the proposer stamps blocks, and validators check the stamp is increasing. The demo
/// and tests inject a `ManualClock` (virtual time); nodes use `SystemClock`.
public protocol LedgerClock: Sendable {
    /// Milliseconds since 1970-01-01T00:00:00Z.
    func now() -> UInt64
}

/// The wall clock, for nodes.
public struct SystemClock: LedgerClock {
    public init() {}
    public func now() -> UInt64 { UInt64(Date().timeIntervalSince1970 * 1000) }
}

/// A clock that moves only when told to.
public final class ManualClock: LedgerClock, @unchecked Sendable {
    // @unchecked: the only state is guarded by `lock`.
    private let lock = NSLock()
    private var milliseconds: UInt64

    public init(milliseconds: UInt64) { self.milliseconds = milliseconds }

    public func now() -> UInt64 { lock.withLock { milliseconds } }
    public func advance(by delta: UInt64) { lock.withLock { milliseconds += delta } }
    public func set(_ value: UInt64) { lock.withLock { milliseconds = value } }
}
