import Foundation
import Testing
@testable import Consensus
@testable import Ledger

/// Seeded random schedules over the deterministic simulated network, n = 4, f = 1: a lossy,
/// duplicating, reordering network with partitions and crash/restart of honest nodes, and at
/// most one scripted Byzantine validator. After the chaos the network heals and must make
/// progress. Invariants: honest nodes never commit different blocks at a height; every
/// committed block re-validates from genesis (ledger rules, certificate, blacklist);
/// every equivocation ends as committed evidence.
///
/// `swift test` runs 20 schedules; `MEDCHAIN_CONSENSUS_SCHEDULES=200 swift test --filter
/// SimulationTests` runs 200 (any number; `MEDCHAIN_CONSENSUS_FIRST_SEED` shifts the seeds).
struct SimulationTests {
    static let count = Int(ProcessInfo.processInfo.environment["MEDCHAIN_CONSENSUS_SCHEDULES"] ?? "") ?? 20
    static let firstSeed = UInt64(ProcessInfo.processInfo.environment["MEDCHAIN_CONSENSUS_FIRST_SEED"] ?? "") ?? 1
    static let seeds = (0..<UInt64(count)).map { firstSeed + $0 }

    static let behaviours: [ByzantineBehaviour] = [
        .invalidBlocks, .lyingMaster, .equivocate, .silent, .garbage, [.equivocate, .garbage], [.invalidBlocks, .withholdVotes],
    ]

    @Test(arguments: seeds)
    func aRandomScheduleKeepsAgreementValidityAndProgress(seed: UInt64) throws {
        let summary = try Self.run(seed: seed)
        #expect(summary.progressAfterHeal >= 3)
    }

    struct Summary {
        var heights: UInt64
        var progressAfterHeal: UInt64
        var byzantine: ByzantineBehaviour
    }

    static func run(seed: UInt64) throws -> Summary {
        let directory = TestNet.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        var rng = SplitMix64(seed: seed &* 0x9E37_79B9)
        let keys = TestNet.validatorKeys(4)
        let rules = ConsensusRules(redemptionHeights: 5)
        var configuration = TestNet.configuration
        configuration.rules = rules
        let chaos = NetworkConditions(minDelayMs: 1, maxDelayMs: [5, 50, 400][Int(rng.next() % 3)],
                                      dropRate: [0, 0.05, 0.2][Int(rng.next() % 3)], duplicateRate: [0, 0.1][Int(rng.next() % 2)])
        let consortium = try Consortium(genesis: TestNet.genesis(validators: keys), keys: keys, home: directory,
                                        configuration: configuration, conditions: chaos, seed: seed,
                                        domainValidators: { _ in [RefuseBadDatasets()] })
        consortium.echoLog = ProcessInfo.processInfo.environment["MEDCHAIN_CONSENSUS_ECHO"] != nil
        var byzantine: ByzantineBehaviour = []
        var traitor: PublicKey? = nil
        if rng.next() % 10 < 8 {
            let key = consortium.validators[Int(rng.next() % 4)]
            byzantine = behaviours[Int(rng.next() % UInt64(behaviours.count))]
            consortium.setBehaviour(byzantine, for: key)
            if byzantine.contains(.skipDomainValidation) { consortium.setContributor(LyingContributor(), for: key) }
            traitor = key
        }
        consortium.start()
        let honest = consortium.honestKeys
        var trainerNonce: UInt64 = 0
        var crashed: PublicKey? = nil

        // Chaos: 6 periods of 1.2 s of virtual time, each after one random disturbance.
        for _ in 0..<6 {
            switch rng.next() % 6 {
            case 0:
                var shuffled = consortium.validators
                shuffled.shuffle(using: &rng)
                let cut = 1 + Int(rng.next() % 2)
                consortium.network.partition([Array(shuffled[..<cut]), Array(shuffled[cut...])])
            case 1:
                consortium.network.heal()
            case 2:
                if crashed == nil {
                    let victim = honest[Int(rng.next() % UInt64(honest.count))]
                    consortium.crash(victim)
                    crashed = victim
                }
            case 3:
                if let victim = crashed {
                    try consortium.restart(victim)
                    crashed = nil
                }
            default:
                let tx = TestNet.dataset("bafy-sim-\(seed)-\(trainerNonce)", signer: TestNet.trainer, nonce: trainerNonce)
                if (try? consortium.submit(tx)) != nil { trainerNonce += 1 }
            }
            consortium.network.advance(to: consortium.network.now + 1200)
        }

        // Heal: reconnect, restart, a reliable network (the Byzantine node keeps misbehaving).
        consortium.network.heal()
        if let victim = crashed { try consortium.restart(victim) }
        if consortium.echoLog { print("HEAL at \(consortium.network.now) byzantine \(byzantine.rawValue) traitor \(traitor?.shortHex ?? "-")") }
        consortium.network.conditions = NetworkConditions(minDelayMs: 1, maxDelayMs: 20)
        let reference = try #require(consortium.node(honest[0]))
        let before = honest.compactMap { consortium.node($0)?.application.tip.height }.max() ?? 0
        consortium.settle(height: before, timeoutMs: 60_000)
        let healed = reference.application.tip.height
        for _ in 0..<3 { try consortium.commitNextBlock(timeoutMs: 120_000) }

        // Every equivocation an honest node saw ends on chain.
        if let traitor, byzantine.contains(.equivocate) {
            let onChain = { reference.application.state.evidence.values.contains { $0.evidence.offender == traitor && $0.evidence.kind == .equivocation } }
            _ = consortium.network.run(until: consortium.network.now + 120_000) { onChain() }
            #expect(onChain(), "seed \(seed): equivocation by the traitor never reached the chain")
        }

        try ConsortiumTests.checkAgreement(consortium, replayEveryNode: false)
        for key in honest {
            let node = try #require(consortium.node(key))
            try ChainAudit.check(node, rules: rules)
            #expect(!node.isHalted, "seed \(seed): an honest node halted")
        }
        return Summary(heights: reference.application.tip.height, progressAfterHeal: reference.application.tip.height - healed,
                       byzantine: byzantine)
    }
}
