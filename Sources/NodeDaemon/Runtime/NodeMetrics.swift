/// Counters and gauges of one node, rendered by `PrometheusExposition`.
public struct NodeMetrics: Sendable, Hashable {
    public var height: UInt64 = 0
    public var round: UInt32 = 0
    /// Blocks committed since the process started (consensus and block sync).
    public var commits: UInt64 = 0
    /// Rounds those blocks took (a block decided in round r counts r + 1).
    public var rounds: UInt64 = 0
    public var transactionsCommitted: UInt64 = 0
    public var peersConnected: Int = 0
    public var peersConfigured: Int = 0
    public var mempoolSize: Int = 0
    public var messagesIn: UInt64 = 0
    public var bytesIn: UInt64 = 0
    public var messagesOut: UInt64 = 0
    public var bytesOut: UInt64 = 0
    /// Peer messages consensus refused, by reason (`malformed`, `bad-signature`, `stale`, …).
    public var refusals: [String: Int] = [:]
    /// Refusals below consensus (the transport: oversized frames, unknown peers, bad TLS).
    public var transportRefusals: [String: Int] = [:]
    /// Outgoing peer messages the transport dropped, by reason (`not_connected`, `backpressure`).
    public var transportDropped: [String: Int] = [:]
    public var transactionsAdmitted: UInt64 = 0
    /// `POST /tx` refusals by reason.
    public var transactionsRefused: [String: Int] = [:]
    public var halted = false
    /// Time the node's serial queue spent running jobs (consensus, timers, submissions, reads):
    /// its growth rate near 1 s/s means the queue is saturated.
    public var queueBusyNanoseconds: UInt64 = 0

    public init() {}
}
