import Testing
@testable import Federation

/// A task whose rounds could not run, or would not compute what it claims, is refused before
/// anything trains, and by every node that reads it from the chain.
struct TaskValidationTests {
    static func task(_ aggregation: AggregationRule = .fedAvg, privacy: FederatedPrivacy = FederatedPrivacy(),
                     clientsPerRound: Int = 0, localEpochs: Int = 1) -> FederatedTaskConfig {
        FederatedTaskConfig(name: "t", modelSpec: .mlp(features: 4, hidden: 6), rounds: 2, clientsPerRound: clientsPerRound,
                            localEpochs: localEpochs, aggregation: aggregation, privacy: privacy)
    }

    static func refusal(_ config: FederatedTaskConfig, hospitals: Int) -> String? {
        do { try config.validate(hospitals: hospitals) } catch { return error.description }
        return nil
    }

    @Test func homomorphicTasksMustAggregateBySum() {
        var he = FederatedPrivacy()
        he.homomorphic = true
        #expect(Self.refusal(Self.task(privacy: he), hospitals: 4) == nil)
        for rule in [AggregationRule.median, .trimmedMean(trim: 1), .multiKrum(byzantine: 1, selected: nil)] {
            let reason = Self.refusal(Self.task(rule, privacy: he), hospitals: 4)
            #expect(reason?.contains("aggregator must be fedavg") == true, "\(rule): \(reason ?? "accepted")")
        }
        he.partialFraction = 0.5
        #expect(Self.refusal(Self.task(privacy: he), hospitals: 4)?.contains("partial sharing") == true)
    }

    @Test func clientLevelPrivacyMustAggregateBySum() {
        var dp = FederatedPrivacy()
        dp.mode = .client
        dp.targetEpsilon = 8
        #expect(Self.refusal(Self.task(privacy: dp), hospitals: 4) == nil)
        #expect(Self.refusal(Self.task(.median, privacy: dp), hospitals: 4)?.contains("client-level DP") == true)
        // Sample-level DP protects each hospital's data inside its own training: any rule works.
        dp.mode = .sample
        #expect(Self.refusal(Self.task(.median, privacy: dp), hospitals: 4) == nil)
    }

    @Test func robustRulesNeedEnoughUpdatesPerRound() {
        // A trimmed mean dropping t from each side keeps something only with more than 2t updates.
        #expect(Self.refusal(Self.task(.trimmedMean(trim: 2)), hospitals: 4) != nil)
        #expect(Self.refusal(Self.task(.trimmedMean(trim: 2)), hospitals: 5) == nil)
        // ... counted per round: 3 of 5 hospitals train.
        #expect(Self.refusal(Self.task(.trimmedMean(trim: 2), clientsPerRound: 3), hospitals: 5) != nil)
        // Multi-Krum scores each update against its n − f − 2 nearest neighbours: n ≥ f + 3.
        #expect(Self.refusal(Self.task(.multiKrum(byzantine: 1, selected: nil)), hospitals: 3) != nil)
        #expect(Self.refusal(Self.task(.multiKrum(byzantine: 1, selected: nil)), hospitals: 4) == nil)
        #expect(Self.refusal(Self.task(.multiKrum(byzantine: 1, selected: 5)), hospitals: 4) != nil)
        #expect(Self.refusal(Self.task(.multiKrum(byzantine: 1, selected: 4)), hospitals: 4) == nil)
    }

    @Test func roundsEpochsAndClientCountsMustBePossible() {
        #expect(Self.refusal(Self.task(localEpochs: 0), hospitals: 4)?.contains("local epochs") == true)
        #expect(Self.refusal(Self.task(clientsPerRound: 5), hospitals: 4)?.contains("clients per round") == true)
        var none = Self.task()
        none.rounds = 0
        #expect(Self.refusal(none, hospitals: 4)?.contains("rounds") == true)
    }

    @Test func aNodeReadingAnInvalidTaskFromTheChainRefusesIt() throws {
        var he = FederatedPrivacy()
        he.homomorphic = true
        let valid = Self.task(privacy: he)
        let datasets = ["QmA", "QmB", "QmC", "QmD"]
        #expect(try FederatedTaskConfig(publishTask: valid.publishTask(datasets: datasets, datasetSchema: "s")) == valid)
        let invalid = Self.task(.median, privacy: he)
        #expect(throws: FederationError.self) {
            try FederatedTaskConfig(publishTask: invalid.publishTask(datasets: datasets, datasetSchema: "s"))
        }
    }
}
