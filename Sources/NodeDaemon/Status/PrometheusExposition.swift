import Foundation

/// Renders `NodeMetrics` in the Prometheus text exposition format 0.0.4
/// (`Content-Type: text/plain; version=0.0.4`): `# HELP` and `# TYPE` lines, then samples;
/// counters end in `_total`, label values are escaped.
public enum PrometheusExposition {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ m: NodeMetrics, chainID: String, node: String) -> String {
        var out = ""
        let base = "chain=\"\(escape(chainID))\",node=\"\(escape(node))\""
        func sample(_ name: String, _ type: String, _ help: String, _ values: [(labels: String, value: String)]) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
            for (labels, value) in values {
                out += "\(name){\(base)\(labels.isEmpty ? "" : "," + labels)} \(value)\n"
            }
        }
        func one(_ name: String, _ type: String, _ help: String, _ value: some BinaryInteger) {
            sample(name, type, help, [("", String(value))])
        }
        func byReason(_ counts: [String: Int]) -> [(labels: String, value: String)] {
            counts.sorted { $0.key < $1.key }.map { ("reason=\"\(escape($0.key))\"", String($0.value)) }
        }
        one("medchain_height", "gauge", "Height of the last committed block.", m.height)
        one("medchain_round", "gauge", "Round of the height being decided.", m.round)
        one("medchain_blocks_committed_total", "counter", "Blocks committed since start (consensus and block sync).", m.commits)
        one("medchain_rounds_total", "counter", "Rounds the committed blocks took (a block decided in round r counts r+1).", m.rounds)
        one("medchain_transactions_committed_total", "counter", "Transactions in the blocks committed since start.", m.transactionsCommitted)
        one("medchain_transactions_admitted_total", "counter", "Transactions admitted through POST /tx.", m.transactionsAdmitted)
        sample("medchain_transactions_refused_total", "counter", "Transactions refused by POST /tx, by reason.", byReason(m.transactionsRefused))
        one("medchain_mempool_transactions", "gauge", "Transactions waiting in the mempool.", m.mempoolSize)
        one("medchain_peers_connected", "gauge", "Validators with a live link to this node.", m.peersConnected)
        one("medchain_peers_configured", "gauge", "Peers listed in node.json.", m.peersConfigured)
        one("medchain_messages_received_total", "counter", "Consensus messages received from peers.", m.messagesIn)
        one("medchain_message_bytes_received_total", "counter", "Bytes of consensus messages received.", m.bytesIn)
        one("medchain_messages_sent_total", "counter", "Consensus messages sent to peers.", m.messagesOut)
        one("medchain_message_bytes_sent_total", "counter", "Bytes of consensus messages sent.", m.bytesOut)
        sample("medchain_messages_refused_total", "counter", "Peer messages refused by consensus, by reason.", byReason(m.refusals))
        sample("medchain_transport_refused_total", "counter", "Connections and frames refused by the peer transport, by reason.",
               byReason(m.transportRefusals))
        sample("medchain_queue_busy_seconds_total", "counter", "Time the node's serial consensus queue spent running jobs.",
               [("", String(format: "%.6f", Double(m.queueBusyNanoseconds) / 1e9))])
        sample("medchain_transport_dropped_total", "counter", "Outgoing peer messages dropped by the transport, by reason.",
               byReason(m.transportDropped))
        one("medchain_halted", "gauge", "1 if the node stopped itself after a storage failure.", m.halted ? 1 : 0)
        return out
    }

    /// Label value escaping: backslash, double quote and newline.
    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
