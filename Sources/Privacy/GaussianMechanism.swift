import Foundation
import Tensor

/// L2 clipping and Gaussian noise: the two steps that make a sum differentially private.
///
/// Clipping every contribution to norm C bounds how much one example or client can move the
/// sum (its L2 sensitivity is C); adding N(0, (σC)²) to each coordinate of the sum then gives
/// the sampled Gaussian mechanism that ``RDPAccountant`` accounts for.
public enum GaussianMechanism {
    /// The L2 norm, accumulated in Double.
    public static func norm(_ vector: [Float]) -> Double {
        var sum = 0.0
        for x in vector { sum += Double(x) * Double(x) }
        return sum.squareRoot()
    }

    /// Scales `vector` down to L2 norm at most `clippingNorm` (unchanged if already within)
    /// and returns its norm before clipping.
    ///
    /// The factor is min(1, C / ‖v‖) (Abadi et al. 2016). Float rounding can leave the result a
    /// few ulps above C; the factor is nudged down by Float ulps so ‖clip(v)‖ ≤ C holds exactly.
    @discardableResult
    public static func clip(_ vector: inout [Float], toNorm clippingNorm: Double) -> Double {
        precondition(clippingNorm > 0, "clipping norm must be positive")
        let original = norm(vector)
        guard original > clippingNorm else { return original }
        // Float rounding can leave the result an ulp or two above C: shrink the factor by one
        // Float ulp, then two, four, … until the clipped vector is within the bound.
        var factor = clippingNorm / original
        var shrink = 0x1p-24
        while true {
            let scaled = vector.map { Float(Double($0) * factor) }
            if norm(scaled) <= clippingNorm {
                vector = scaled
                return original
            }
            factor *= 1 - shrink
            shrink *= 2
        }
    }

    /// A clipped copy and the norm before clipping.
    public static func clipped(_ vector: [Float], toNorm clippingNorm: Double) -> (vector: [Float], norm: Double) {
        var copy = vector
        let original = clip(&copy, toNorm: clippingNorm)
        return (copy, original)
    }

    /// Adds independent N(0, standardDeviation²) noise to every coordinate.
    ///
    /// The generator must be seeded from a secret (for example `UInt64.random(in:)` from the
    /// system CSPRNG, kept by the party that adds the noise): whoever knows the seed can
    /// subtract the noise. Seeding makes a run reproducible for that party, nothing more.
    public static func addNoise(to vector: inout [Float], standardDeviation: Double,
                                generator: inout SeededGenerator) {
        precondition(standardDeviation >= 0 && standardDeviation.isFinite)
        guard standardDeviation > 0 else { return }
        for i in vector.indices {
            vector[i] = Float(Double(vector[i]) + standardDeviation * generator.normal())
        }
    }
}

/// Client-level differential privacy for federated averaging (DP-FedAvg, McMahan et al. 2018,
/// "Learning Differentially Private Recurrent Language Models").
///
/// Each sampled client's update Δₖ is clipped to ‖Δₖ‖ ≤ C. The server adds N(0, (σC)²) to the
/// sum of clipped updates and divides by the *expected* number of clients q·N (a fixed
/// denominator, so one client changes the result by at most C / (qN) before noise). With
/// clients sampled independently with probability q, T rounds cost the ε that
/// `RDPAccountant.epsilon(samplingRate: q, noiseMultiplier: σ, steps: T, delta:)` reports.
public struct DPFedAvg: Sendable, Hashable {
    public let clippingNorm: Double
    public let noiseMultiplier: Double

    public init(clippingNorm: Double, noiseMultiplier: Double) throws(PrivacyError) {
        guard clippingNorm > 0, clippingNorm.isFinite else {
            throw PrivacyError(.invalidParameter, "clipping norm must be positive and finite; got \(clippingNorm)")
        }
        guard noiseMultiplier >= 0, noiseMultiplier.isFinite else {
            throw PrivacyError(.invalidParameter, "noise multiplier must be non-negative and finite; got \(noiseMultiplier)")
        }
        self.clippingNorm = clippingNorm
        self.noiseMultiplier = noiseMultiplier
    }

    /// The standard deviation of the noise added to the sum: σ·C.
    public var noiseStandardDeviation: Double { noiseMultiplier * clippingNorm }

    /// What a client does before sending: clip its update. Returns the norm before clipping
    /// (worth recording: a client that always clips hard is a hint to raise C).
    @discardableResult
    public func clip(_ update: inout [Float]) -> Double {
        GaussianMechanism.clip(&update, toNorm: clippingNorm)
    }

    /// What the server does: sum the (already clipped) updates, add noise, divide by the
    /// expected number of clients.
    ///
    /// Updates are clipped again here, so a client that skipped clipping gains nothing.
    /// - Parameters:
    ///   - updates: one flat update per participating client, all of the same length.
    ///   - expectedClients: q·N, the fixed denominator.
    ///   - generator: noise source, seeded from a secret (see ``GaussianMechanism/addNoise(to:standardDeviation:generator:)``).
    public func aggregate(_ updates: [[Float]], expectedClients: Double,
                          generator: inout SeededGenerator) throws(PrivacyError) -> [Float] {
        guard expectedClients > 0 else {
            throw PrivacyError(.invalidParameter, "expected client count must be positive; got \(expectedClients)")
        }
        guard let dimension = updates.first?.count else {
            throw PrivacyError(.invalidParameter, "DP-FedAvg needs at least one update (noise alone would be sent otherwise; skip the round instead)")
        }
        guard updates.allSatisfy({ $0.count == dimension }) else {
            throw PrivacyError(.invalidParameter, "client updates differ in length; every update must have \(dimension) values")
        }
        var sum = [Double](repeating: 0, count: dimension)
        for update in updates {
            let (clipped, _) = GaussianMechanism.clipped(update, toNorm: clippingNorm)
            for i in 0..<dimension { sum[i] += Double(clipped[i]) }
        }
        let sigma = noiseStandardDeviation
        return sum.map { Float(($0 + sigma * generator.normal()) / expectedClients) }
    }
}
