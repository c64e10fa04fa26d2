/// How the master combines the round's updates.
///
/// Every rule works on the quantised integer updates in the order the updates were committed,
/// so the result is a deterministic function of the update blobs and every validator can
/// recompute it exactly.
public enum AggregationRule: Sendable, Equatable, Codable, CustomStringConvertible, LosslessStringConvertible {
    /// Sample-weighted mean (McMahan et al. 2017); with sparse updates each coordinate is averaged
    /// over the hospitals that sent it.
    case fedAvg
    /// Coordinate-wise median (Yin et al. 2018), unweighted.
    case median
    /// Coordinate-wise mean after dropping the `trim` largest and `trim` smallest values.
    case trimmedMean(trim: Int)
    /// Multi-Krum (Blanchard et al. 2017): score each update by the summed squared distance to its
    /// n − f − 2 nearest neighbours and FedAvg the `selected` best (default n − f).
    case multiKrum(byzantine: Int, selected: Int?)

    /// Parses `fedavg`, `median`, `trimmed-mean[:T]`, `multi-krum[:F[:M]]`. FedProx uses `fedavg`
    /// on the server (its proximal term acts in the local objective).
    public init?(_ text: String) {
        let parts = text.lowercased().split(separator: ":").map(String.init)
        switch parts.first {
        case "fedavg", "fedprox": self = .fedAvg
        case "median": self = .median
        case "trimmed-mean", "trimmedmean":
            self = .trimmedMean(trim: parts.count > 1 ? Int(parts[1]) ?? 1 : 1)
        case "multi-krum", "multikrum", "krum":
            let f = parts.count > 1 ? Int(parts[1]) ?? 1 : 1
            self = .multiKrum(byzantine: f, selected: parts.count > 2 ? Int(parts[2]) : nil)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .fedAvg: "fedavg"
        case .median: "median"
        case let .trimmedMean(t): "trimmed-mean:\(t)"
        case let .multiKrum(f, m): m.map { "multi-krum:\(f):\($0)" } ?? "multi-krum:\(f)"
        }
    }
}
