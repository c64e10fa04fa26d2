import Testing
@testable import Consensus
@testable import Ledger

struct ProposerScheduleTests {
    static let keys = (1...4).map { PublicKey(bytes: [UInt8](repeating: UInt8($0), count: 32))! }
    static let validators = ValidatorSet(keys)
    static let weights = ReputationWeights(minimum: 10, maximum: 300)

    static func run(heights: Int, from schedule: ProposerSchedule, reputation: @escaping (PublicKey) -> Int64,
                    blacklist: Set<PublicKey> = []) -> (ProposerSchedule, [PublicKey]) {
        var schedule = schedule
        var proposers: [PublicKey] = []
        for _ in 0..<heights {
            proposers.append(schedule.proposer(round: 0))
            schedule = schedule.next(validators: validators, reputation: reputation, blacklist: blacklist, weights: weights)
        }
        return (schedule, proposers)
    }

    @Test func everyNodeComputesTheSameSchedule() {
        let a = ProposerSchedule.first(validators: Self.validators, reputation: { _ in 100 }, weights: Self.weights)
        let b = ProposerSchedule.first(validators: ValidatorSet(Self.keys.reversed()), reputation: { _ in 100 }, weights: Self.weights)
        #expect(a == b)
        #expect(Self.run(heights: 50, from: a, reputation: { _ in 100 }).1 == Self.run(heights: 50, from: b, reputation: { _ in 100 }).1)
    }

    @Test func laterRoundsAdvanceTheRotation() {
        let schedule = ProposerSchedule.first(validators: Self.validators, reputation: { _ in 100 }, weights: Self.weights)
        // Equal weights: round r of height 1 is the (r+1)-th key in order.
        #expect((0..<4).map { schedule.proposer(round: UInt32($0)) } == Self.keys)
        #expect(schedule.proposer(round: 4) == Self.keys[0])
    }

    @Test func proposalsFollowReputationAndChangeWhenItChanges() {
        let reputations: [PublicKey: Int64] = [Self.keys[0]: 300, Self.keys[1]: 100, Self.keys[2]: 100, Self.keys[3]: 100]
        let start = ProposerSchedule.first(validators: Self.validators, reputation: { reputations[$0]! }, weights: Self.weights)
        // Total weight 600: over 600 heights each proposes exactly its weight.
        let (middle, first) = Self.run(heights: 600, from: start, reputation: { reputations[$0]! })
        #expect(Self.keys.map { key in first.filter { $0 == key }.count } == [300, 100, 100, 100])

        // Mid-run the first validator's reputation collapses to 0 (weight floor 10): total 310.
        var lowered = reputations
        lowered[Self.keys[0]] = 0
        let (_, after) = Self.run(heights: 620, from: middle, reputation: { lowered[$0]! })
        let counts = Self.keys.map { key in after.dropFirst(310).filter { $0 == key }.count }
        #expect(counts == [10, 100, 100, 100])
    }

    @Test func blacklistedValidatorsNeverProposeAndRejoinBehindEveryone() {
        let banned = Self.keys[1]
        let start = ProposerSchedule.first(validators: Self.validators, reputation: { _ in 100 }, weights: Self.weights)
        let (during, proposers) = Self.run(heights: 40, from: start, reputation: { _ in 100 }, blacklist: [banned])
        #expect(!proposers.contains(banned))
        for round in 0..<12 { #expect(during.proposer(round: UInt32(round)) != banned) }

        // Redeemed: it re-enters at −1.125 · total, so it waits before its first turn.
        let (_, back) = Self.run(heights: 12, from: during, reputation: { _ in 100 })
        let firstTurn = back.firstIndex(of: banned)
        #expect(firstTurn != nil)
        #expect((firstTurn ?? 0) >= 3)
    }

    @Test func aScheduleSurvivesItsCanonicalEncoding() throws {
        let start = ProposerSchedule.first(validators: Self.validators, reputation: { _ in 77 }, weights: Self.weights)
        let (schedule, _) = Self.run(heights: 9, from: start, reputation: { _ in 77 })
        let decoded = try ProposerSchedule(canonicalBytes: schedule.canonicalBytes, context: "schedule")
        #expect(decoded == schedule)
        #expect(decoded.proposer(round: 3) == schedule.proposer(round: 3))
    }
}
