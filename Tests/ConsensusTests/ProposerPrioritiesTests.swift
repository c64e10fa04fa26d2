import Testing
@testable import Consensus
@testable import Ledger

struct ProposerPrioritiesTests {
    static let p1 = PublicKey(bytes: [UInt8](repeating: 1, count: 32))!
    static let p2 = PublicKey(bytes: [UInt8](repeating: 2, count: 32))!
    static let p3 = PublicKey(bytes: [UInt8](repeating: 3, count: 32))!

    /// CometBFT's proposer-selection spec, "Basic algorithm" example: p1 = 1, p2 = 3 elect
    /// p2, p1, p2, p2, and the sequence repeats every total-power (4) elections.
    @Test func powersOneAndThreeElectP2P1P2P2() {
        var priorities = ProposerPriorities()
        priorities.update(powers: [Self.p1: 1, Self.p2: 3])
        var elected: [PublicKey] = []
        for _ in 0..<8 { elected.append(priorities.increment()) }
        #expect(elected == [Self.p2, Self.p1, Self.p2, Self.p2, Self.p2, Self.p1, Self.p2, Self.p2])
    }

    /// Hand computation of the same example's priorities: (1,−1), (−2,2), (−1,1), (0,0).
    @Test func prioritiesFollowTheHandComputation() {
        var priorities = ProposerPriorities()
        priorities.update(powers: [Self.p1: 1, Self.p2: 3])
        var seen: [[Int64]] = []
        for _ in 0..<4 {
            priorities.increment()
            seen.append(priorities.candidates.map(\.priority))
        }
        #expect(seen == [[1, -1], [-2, 2], [-1, 1], [0, 0]])
    }

    @Test(arguments: [[1, 2, 3, 4], [5, 1, 1], [10, 20, 30], [7, 7, 7, 7]] as [[Int64]])
    func everyWindowOfTotalPowerElectionsIsExactlyFair(powers: [Int64]) {
        let keys = (1...powers.count).map { PublicKey(bytes: [UInt8](repeating: UInt8($0), count: 32))! }
        var priorities = ProposerPriorities()
        priorities.update(powers: Dictionary(uniqueKeysWithValues: zip(keys, powers)))
        let total = Int(powers.reduce(0, +))
        for _ in 0..<3 {
            var counts: [PublicKey: Int64] = [:]
            for _ in 0..<total { counts[priorities.increment(), default: 0] += 1 }
            #expect(keys.map { counts[$0] ?? 0 } == powers)
        }
    }

    @Test func equalPrioritiesGoToTheSmallerKey() {
        var priorities = ProposerPriorities()
        priorities.update(powers: [Self.p3: 1, Self.p1: 1, Self.p2: 1])
        #expect([priorities.increment(), priorities.increment(), priorities.increment()] == [Self.p1, Self.p2, Self.p3])
    }

    /// A newcomer starts at −(P + P/8) with P the new total, then everything is centred:
    /// (0, 0) after four elections of (1, 3); adding p3 = 2 gives (0, 0, −6), centred by
    /// ⌊−6/3⌋ = −2 to (2, 2, −4).
    @Test func aNewValidatorStartsBehindAtMinusOnePointOneTwoFiveTotal() {
        var priorities = ProposerPriorities()
        priorities.update(powers: [Self.p1: 1, Self.p2: 3])
        priorities.increment(times: 4)
        priorities.update(powers: [Self.p1: 1, Self.p2: 3, Self.p3: 2])
        #expect(priorities.candidates.map(\.priority) == [2, 2, -4])

        var big = ProposerPriorities()
        big.update(powers: [Self.p1: 100, Self.p2: 100])
        big.update(powers: [Self.p1: 100, Self.p2: 100, Self.p3: 200])
        // −(400 + 50) = −450 for p3; (0, 0, −450) spans 450 ≤ 800 (no rescale); mean ⌊−450/3⌋ = −150.
        #expect(big.candidates.map(\.priority) == [150, 150, -300])
    }

    /// Extreme priorities: the spread (2⁶⁴ − 1) exceeds the window 2·P = 4, so all are divided
    /// by ⌈(2⁶⁴ − 1)/4⌉ = 2⁶² (truncating): (1, −2); centred by ⌊−1/2⌋ = −1: (2, −1); one
    /// election: (3, 0) elects p1, which drops to 1.
    @Test func extremePrioritiesAreRescaledIntoTheWindowWithoutOverflow() {
        var priorities = ProposerPriorities()
        priorities.update(powers: [Self.p1: 1, Self.p2: 1])
        priorities.setPriority(.max, for: Self.p1)
        priorities.setPriority(.min, for: Self.p2)
        #expect(priorities.increment() == Self.p1)
        #expect(priorities.candidates.map(\.priority) == [1, 0])
    }

    @Test func arithmeticSaturatesAtTheInt64Bounds() {
        #expect(ProposerPriorities.adding(.max, 5) == .max)
        #expect(ProposerPriorities.adding(.min, -5) == .min)
        #expect(ProposerPriorities.subtracting(.min, 5) == .min)
        #expect(ProposerPriorities.subtracting(.max, -5) == .max)
        #expect(ProposerPriorities.adding(3, 4) == 7)
    }

    @Test func reputationIsClippedIntoTheWeightBounds() {
        let weights = ReputationWeights(minimum: 10, maximum: 300)
        #expect(weights.weight(reputation: 0) == 10)
        #expect(weights.weight(reputation: -5) == 10)
        #expect(weights.weight(reputation: 100) == 100)
        #expect(weights.weight(reputation: 1_000_000) == 300)
    }
}
