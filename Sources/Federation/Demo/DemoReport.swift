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
        /// Local-only vs global vs personalised on the hospital's own held-out test data.
        public var ownHeldOut: OwnHeldOut?

        enum CodingKeys: String, CodingKey {
            case name, local, federated, personalized
            case trainSize = "train_size"
            case labelCounts = "label_counts"
            case ownHeldOut = "own_held_out"
        }
    }

    /// A score on data that may hold a single class, where AUC is undefined (`null`).
    public struct HeldOutScore: Codable, Sendable {
        public var accuracy: Double
        public var auc: Double?

        public init(accuracy: Double, auc: Double?) {
            self.accuracy = accuracy
            self.auc = auc
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(accuracy, forKey: .accuracy)
            try c.encode(auc, forKey: .auc)
        }
    }

    /// One hospital's part of the test split, drawn with its own label skew and used for
    /// nothing else: the three models a hospital could deploy, scored on its own kind of
    /// patients.
    public struct OwnHeldOut: Codable, Sendable {
        public var labelCounts: [Int]
        public var local: HeldOutScore
        public var federated: HeldOutScore
        public var personalized: HeldOutScore

        enum CodingKeys: String, CodingKey {
            case local, federated, personalized
            case labelCounts = "label_counts"
        }
    }

    /// Means over the hospitals' own held-out data: accuracy over every hospital, AUC over the
    /// `aucHospitals` whose held-out data hold both classes.
    public struct OwnHeldOutMeans: Codable, Sendable {
        public var local: HeldOutScore
        public var federated: HeldOutScore
        public var personalized: HeldOutScore
        public var aucHospitals: Int

        enum CodingKeys: String, CodingKey {
            case local, federated, personalized
            case aucHospitals = "auc_hospitals"
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
        /// σ: client-level, the task's; sample-level, the largest of the hospitals' DP-SGD σ
        /// (each is calibrated to its own data size).
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
    /// Means on the hospitals' own held-out data (nil when the data have no test split).
    public var meanOwnHeldOut: OwnHeldOutMeans?
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
    /// Set when the task stopped before its last round; the chain holds the same closure.
    public var stopped: Stop?

    /// An early stop, as the publisher's `CloseTask` recorded it.
    public struct Stop: Codable, Sendable {
        /// `target-reached` or `budget-exhausted`.
        public var reason: String
        /// The 1-based round that never ran.
        public var round: Int
        public var detail: String
    }

    enum CodingKeys: String, CodingKey {
        case hospitals, centralized, mean, rounds, chain, privacy, timing, threshold, configuration, stopped
        case modelSHA256 = "model_sha256"
        case releasedRound = "released_round"
        case meanOwnHeldOut = "mean_own_held_out"
    }
}
