/// The results of `medchain demo`, in the shape its `--json` output documents.
public struct DemoReport: Codable, Sendable {
    public struct Score: Codable, Sendable {
        public var accuracy: Double
        public var auc: Double
        public init(accuracy: Double, auc: Double) {
            self.accuracy = accuracy
            self.auc = auc
        }
    }

    public struct Hospital: Codable, Sendable {
        public var name: String
        public var trainSize: Int
        public var labelCounts: [Int]
        public var local: Score
        public var federated: Score
        public var personalized: Score
        /// Personalised vs global vs local-only on the hospital's own held-out (validation) data.
        public var ownHeldOut: [String: Score]?

        enum CodingKeys: String, CodingKey {
            case name, local, federated, personalized
            case trainSize = "train_size"
            case labelCounts = "label_counts"
            case ownHeldOut = "own_held_out"
        }
    }

    public struct Means: Codable, Sendable {
        public var local: Score
        public var federated: Score
        public var personalized: Score
    }

    public struct Chain: Codable, Sendable {
        public var height: UInt64
        public var transactions: Int
        public var bytes: Int
        public var verified: Bool
        public var problem: String?
    }

    public struct PrivacySummary: Codable, Sendable {
        public var mode: String
        public var epsilon: Double
        public var delta: Double
        public var noiseMultiplier: Double?

        enum CodingKeys: String, CodingKey {
            case mode, epsilon, delta
            case noiseMultiplier = "noise_multiplier"
        }
    }

    public struct Timing: Codable, Sendable {
        public var totalSeconds: Double
        public var trainingSeconds: Double
        public var ledgerSeconds: Double
        public var storeSeconds: Double
        public var cryptoSeconds: Double

        enum CodingKeys: String, CodingKey {
            case totalSeconds = "total_seconds"
            case trainingSeconds = "training_seconds"
            case ledgerSeconds = "ledger_seconds"
            case storeSeconds = "store_seconds"
            case cryptoSeconds = "crypto_seconds"
        }
    }

    public var hospitals: [Hospital]
    public var centralized: Score
    public var mean: Means
    public var rounds: [RoundRecord]
    public var chain: Chain
    public var privacy: PrivacySummary
    public var timing: Timing
    /// The federated decision threshold (from the hospitals' validation histograms).
    public var threshold: Double
    /// SHA-256 of the last round's global parameters (little-endian Float32s): equal across
    /// plaintext and homomorphic runs of the same seed.
    public var modelSHA256: String
    /// The round whose model was released (best federated validation AUC).
    public var releasedRound: Int
    public var configuration: [String: String]

    enum CodingKeys: String, CodingKey {
        case hospitals, centralized, mean, rounds, chain, privacy, timing, threshold, configuration
        case modelSHA256 = "model_sha256"
        case releasedRound = "released_round"
    }
}
