import Foundation
import Ledger

/// The master's verdict on a round's updates, shared by the in-process consortium
/// (`FederatedTaskRun`) and a node daemon's `FederatedParticipant`, so both decide alike.
///
/// From each update's check and its sender's reputation points: the `ReputationChange`s to
/// sign (in submission order), which updates are aggregated (passed and still at or above the
/// task's threshold), and why the others are not.
public struct RoundJudgement: Sendable {
    /// One submitted update: who sent it, and how it checked.
    public struct Entry: Sendable {
        public var member: PublicKey
        public var name: String
        public var check: UpdateCheck
        /// The sender's reputation points before this round.
        public var points: Int64

        public init(member: PublicKey, name: String, check: UpdateCheck, points: Int64) {
            self.member = member
            self.name = name
            self.check = check
            self.points = points
        }
    }

    public var changes: [ReputationChange] = []
    /// Indices (into the entries) of the updates to aggregate, ascending.
    public var included: [Int] = []
    public var reasons: [String: String] = [:]
    /// Each sender's points after this round.
    public var reputation: [String: Int64] = [:]

    public init(round r: Int, entries: [Entry], policy: ReputationPolicy, threshold: Int64) {
        for (k, entry) in entries.enumerated() {
            let change = policy.change(from: entry.points, passed: entry.check.passed)
            let after = entry.points + change
            reputation[entry.name] = after
            if change != 0 {
                changes.append(ReputationChange(
                    member: entry.member, delta: change,
                    reason: entry.check.passed ? "round \(r): update passed checks" : "round \(r): \(entry.check.reason)"))
            }
            if entry.check.passed && after >= threshold {
                included.append(k)
            } else {
                reasons[entry.name] = entry.check.passed ? "reputation \(after) below \(threshold)" : entry.check.reason
            }
        }
    }

    /// Checks plaintext updates (`decoded[k]` is update k's dequantised delta): norm bound,
    /// per-step norm and cosine against the round's median, and — with `validationLoss` — the
    /// loss of global + update on the master's own validation data.
    public static func checks(_ decoded: [[Float]], sampleCounts: [Int], global: [Float], config: FederatedTaskConfig,
                              checker: UpdateChecker, validationLoss: (([Float]) -> Double)?) -> [UpdateCheck] {
        let steps = sampleCounts.map { ($0 + config.batchSize - 1) / config.batchSize * config.localEpochs }
        guard let validationLoss else { return checker.check(decoded, steps: steps, validationLoss: nil) }
        return checker.check(decoded, steps: steps) { k in
            validationLoss(zip(global, decoded[k]).map { $0 + $1 })
        }
    }
}

extension FederatedTaskConfig {
    /// The update checks for this task, with `participants` hospitals per round. Under
    /// client-level DP every update carries Gaussian noise of standard deviation s = σC/√K per
    /// coordinate, whose norm (≈ s·√d) dwarfs the clipped signal and does not grow with local
    /// steps: the bound then admits C plus the noise norm with a 6-standard-deviation margin,
    /// and the per-step comparison is off.
    public func updateChecker(dimension d: Int, participants k: Int) -> UpdateChecker {
        guard privacy.mode == .client else {
            return UpdateChecker(normBound: Double(updateClipNorm) * 1.02 + 1e-3)
        }
        let s = privacy.noiseMultiplier * privacy.clipNorm / Double(max(k, 1)).squareRoot()
        let noiseNorm = s * (Double(d).squareRoot() + 6 / 2.0.squareRoot())
        return UpdateChecker(normBound: privacy.clipNorm * 1.02 + noiseNorm + 1e-3, relativeNorm: .infinity)
    }
}
