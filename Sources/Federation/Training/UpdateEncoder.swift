import Privacy
import Tensor

/// Turns a hospital's model delta into the update it publishes: clipped to the task's norm,
/// optionally noised (client-level DP) and sparsified (partial sharing), then quantised.
///
/// Unsent coordinates never leave this type: a sparse update holds only the chosen indices.
public struct UpdateEncoder {
    public let config: FederatedTaskConfig
    /// Hospitals contributing this round; client-level noise is split between them.
    public let participants: Int

    public init(config: FederatedTaskConfig, participants: Int) {
        self.config = config
        self.participants = participants
    }

    /// Encodes `delta` (local − global).
    /// - Parameter noise: the hospital's private noise stream (client-level DP, random subsets).
    public func encode(_ delta: [Float], noise: inout SeededGenerator) throws -> ModelUpdate {
        var v = delta
        let privacy = config.privacy
        if privacy.mode == .client {
            // DP-FedAvg with distributed noise: each of K hospitals clips to C and adds
            // N(0, σ²C²/K), so the sum carries N(0, σ²C²) and stays exactly re-computable.
            GaussianMechanism.clip(&v, toNorm: privacy.clipNorm)
            let sd = privacy.noiseMultiplier * privacy.clipNorm / Double(max(participants, 1)).squareRoot()
            GaussianMechanism.addNoise(to: &v, standardDeviation: sd, generator: &noise)
        } else {
            GaussianMechanism.clip(&v, toNorm: Double(config.updateClipNorm))
        }
        if privacy.partialFraction < 1 {
            let sharing: PartialSharing = privacy.randomSubset
                ? .randomSubset(fraction: privacy.partialFraction) : .topK(fraction: privacy.partialFraction)
            let sparse = try sharing.encode(v, generator: &noise)
            return ModelUpdate(codec: config.codec, parameterCount: v.count, indices: sparse.indices,
                               values: config.codec.encode(sparse.values))
        }
        return ModelUpdate(codec: config.codec, parameterCount: v.count, values: config.codec.encode(v))
    }
}
