/// How to spread a dataset over institutions, as a value the CLI can parse: `iid`,
/// `dirichlet:0.5` (label skew) or `quantity:0.5` (size skew).
public enum PartitionScheme: Sendable, Equatable, LosslessStringConvertible {
    case iid
    /// Label skew with concentration α (see `Partitioner.dirichletLabelSkew`).
    case dirichletLabelSkew(alpha: Double)
    /// Size skew with concentration α (see `Partitioner.quantitySkew`).
    case quantitySkew(alpha: Double)

    public init?(_ description: String) {
        let parts = description.split(separator: ":", maxSplits: 1).map(String.init)
        switch (parts.first?.lowercased(), parts.count) {
        case ("iid", 1): self = .iid
        case ("dirichlet", 2):
            guard let alpha = Double(parts[1]), alpha > 0, alpha.isFinite else { return nil }
            self = .dirichletLabelSkew(alpha: alpha)
        case ("quantity", 2):
            guard let alpha = Double(parts[1]), alpha > 0, alpha.isFinite else { return nil }
            self = .quantitySkew(alpha: alpha)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .iid: "iid"
        case .dirichletLabelSkew(let alpha): "dirichlet:\(alpha)"
        case .quantitySkew(let alpha): "quantity:\(alpha)"
        }
    }

    /// Index lists into `data`, one per institution; see `Partitioner` for the guarantees.
    public func partition(
        _ data: LabeledData, institutions: Int, seed: UInt64, minimumSize: Int = 0
    ) throws(DataSetError) -> [[Int]] {
        switch self {
        case .iid:
            return try Partitioner.iid(count: data.count, institutions: institutions, seed: seed)
        case .dirichletLabelSkew(let alpha):
            return try Partitioner.dirichletLabelSkew(
                labels: data.labels, classCount: data.classCount, institutions: institutions,
                alpha: alpha, seed: seed, minimumSize: minimumSize)
        case .quantitySkew(let alpha):
            return try Partitioner.quantitySkew(
                count: data.count, institutions: institutions, alpha: alpha, seed: seed, minimumSize: minimumSize)
        }
    }
}
