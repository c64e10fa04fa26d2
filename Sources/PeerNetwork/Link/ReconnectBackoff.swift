/// Redial delays: exponential growth from `initialMs`, capped at `maxMs`, with "equal
/// jitter" (a delay `d` is drawn uniformly from `[d/2, d]`) so that nodes restarted together
/// spread their redials while still waiting at least half the nominal delay.
struct ReconnectBackoff: Sendable {
    var initialMs: UInt64
    var maxMs: UInt64

    /// The nominal delay before redial number `attempt` (0 for the first redial).
    func nominalDelay(attempt: Int) -> UInt64 {
        let initial = max(initialMs, 1)
        let doublings = min(attempt, 40)
        let (grown, overflow) = initial.multipliedReportingOverflow(by: UInt64(1) << UInt64(doublings))
        return min(overflow ? UInt64.max : grown, max(maxMs, initial))
    }

    /// The jittered delay, drawn with `generator`.
    func delay(attempt: Int, using generator: inout some RandomNumberGenerator) -> UInt64 {
        let nominal = nominalDelay(attempt: attempt)
        return UInt64.random(in: (nominal / 2)...nominal, using: &generator)
    }
}
