import Testing
@testable import Consensus
@testable import Ledger

/// Value-level tests of one height of Tendermint: events in, actions out, no I/O.
/// Four validators with equal weights: the proposer of round r is `keys[r % 4]`.
struct RoundStateMachineTests {
    static let keys = (1...4).map { PublicKey(bytes: [UInt8](repeating: UInt8($0), count: 32))! }
    static let validators = ValidatorSet(keys)
    static let schedule = ProposerSchedule.first(validators: validators, reputation: { _ in 100 }, weights: ReputationWeights())
    static let timeouts = TimeoutPolicy(proposeMs: 3000, proposeDeltaMs: 500, prevoteMs: 1000, prevoteDeltaMs: 500,
                                        precommitMs: 1000, precommitDeltaMs: 500)
    static let blockA = Hash256.sha256([0xA])
    static let blockB = Hash256.sha256([0xB])

    /// A started machine for validator `me` (default: keys[1], not the round-0 proposer).
    static func machine(me: Int = 1) -> (RoundStateMachine, [RoundStateMachine.Action]) {
        var machine = RoundStateMachine(height: 1, validators: validators, me: keys[me], schedule: schedule, timeouts: timeouts)
        let actions = machine.handle(.start)
        return (machine, actions)
    }

    static func votes(_ machine: inout RoundStateMachine, _ type: VoteType, round: UInt32, _ blockID: Hash256?,
                      from voters: [Int]) -> [RoundStateMachine.Action] {
        voters.flatMap { machine.handle(.vote(type, round: round, validator: keys[$0], blockID: blockID)) }
    }

    @Test func theProposerOfRoundZeroProposesAndOthersWaitForIt() {
        #expect(Self.schedule.proposer(round: 0) == Self.keys[0])
        let (_, proposerActions) = Self.machine(me: 0)
        #expect(proposerActions == [.propose(round: 0, validBlock: nil, validRound: nil)])
        let (_, others) = Self.machine(me: 1)
        #expect(others == [.scheduleTimeout(.propose, round: 0, afterMs: 3000)])
    }

    @Test func aValidProposalGetsAPrevoteForItsBlock() {
        var (machine, _) = Self.machine()
        let actions = machine.handle(.proposal(round: 0, blockID: Self.blockA, polRound: nil, isValid: true))
        #expect(actions == [.vote(.prevote, round: 0, blockID: Self.blockA)])
        #expect(machine.step == .prevote)
    }

    @Test func anInvalidProposalGetsANilPrevote() {
        var (machine, _) = Self.machine()
        let actions = machine.handle(.proposal(round: 0, blockID: Self.blockA, polRound: nil, isValid: false))
        #expect(actions == [.vote(.prevote, round: 0, blockID: nil)])
    }

    @Test func noProposalBeforeTheTimeoutMeansANilPrevote() {
        var (machine, _) = Self.machine()
        #expect(machine.handle(.timeout(.propose, round: 0)) == [.vote(.prevote, round: 0, blockID: nil)])
        #expect(machine.step == .prevote)
        // A stale timeout of another round does nothing.
        #expect(machine.handle(.timeout(.propose, round: 0)).isEmpty)
    }

    @Test func aPolkaLocksTheBlockAndPrecommitsIt() {
        var (machine, _) = Self.machine()
        _ = machine.handle(.proposal(round: 0, blockID: Self.blockA, polRound: nil, isValid: true))
        var actions = Self.votes(&machine, .prevote, round: 0, Self.blockA, from: [0, 1])
        #expect(actions.isEmpty)                        // 2 of 4: no quorum yet
        actions = Self.votes(&machine, .prevote, round: 0, Self.blockA, from: [2])
        #expect(actions == [.scheduleTimeout(.prevote, round: 0, afterMs: 1000), .vote(.precommit, round: 0, blockID: Self.blockA)])
        #expect(machine.lockedBlock == Self.blockA && machine.lockedRound == 0)
        #expect(machine.validBlock == Self.blockA && machine.validRound == 0)
        #expect(machine.step == .precommit)
    }

    @Test func mixedPrevotesWaitForThePrevoteTimeoutThenPrecommitNil() {
        var (machine, _) = Self.machine()
        _ = machine.handle(.proposal(round: 0, blockID: Self.blockA, polRound: nil, isValid: true))
        _ = Self.votes(&machine, .prevote, round: 0, Self.blockA, from: [1])
        var actions = Self.votes(&machine, .prevote, round: 0, nil, from: [0])
        actions += Self.votes(&machine, .prevote, round: 0, Self.blockB, from: [2])
        #expect(actions == [.scheduleTimeout(.prevote, round: 0, afterMs: 1000)])
        #expect(machine.handle(.timeout(.prevote, round: 0)) == [.vote(.precommit, round: 0, blockID: nil)])
        #expect(machine.lockedBlock == nil)
    }

    @Test func aNilPolkaPrecommitsNilAtOnce() {
        var (machine, _) = Self.machine()
        _ = machine.handle(.timeout(.propose, round: 0))
        let actions = Self.votes(&machine, .prevote, round: 0, nil, from: [0, 1, 2])
        #expect(actions.contains(.vote(.precommit, round: 0, blockID: nil)))
        #expect(machine.step == .precommit)
    }

    @Test func twoThirdsOfPrecommitsForAValidProposalDecide() {
        var (machine, _) = Self.machine()
        _ = machine.handle(.proposal(round: 0, blockID: Self.blockA, polRound: nil, isValid: true))
        _ = Self.votes(&machine, .precommit, round: 0, Self.blockA, from: [0, 2])
        let actions = Self.votes(&machine, .precommit, round: 0, Self.blockA, from: [3])
        #expect(actions.last == .decide(round: 0, blockID: Self.blockA))
        #expect(machine.decision == Self.blockA)
        #expect(machine.handle(.timeout(.precommit, round: 0)).isEmpty)  // decided: inert
    }

    @Test func precommitsForAnInvalidProposalNeverDecide() {
        var (machine, _) = Self.machine()
        _ = machine.handle(.proposal(round: 0, blockID: Self.blockA, polRound: nil, isValid: false))
        let actions = Self.votes(&machine, .precommit, round: 0, Self.blockA, from: [0, 2, 3])
        #expect(!actions.contains { if case .decide = $0 { true } else { false } })
        #expect(machine.decision == nil)
    }

    @Test func aVoterCountsOnceEvenIfItVotesTwice() {
        var (machine, _) = Self.machine()
        _ = machine.handle(.proposal(round: 0, blockID: Self.blockA, polRound: nil, isValid: true))
        var actions = Self.votes(&machine, .precommit, round: 0, Self.blockA, from: [0, 0, 0, 2])
        #expect(machine.decision == nil)
        actions = Self.votes(&machine, .precommit, round: 0, Self.blockB, from: [3])
        #expect(machine.countAll(.precommit, round: 0) == 3)
        #expect(actions == [.scheduleTimeout(.precommit, round: 0, afterMs: 1000)])
    }

    @Test func anEquivocatorCountsForEachValueItSignedButOnceForEach() {
        var (machine, _) = Self.machine(me: 2)
        _ = machine.handle(.proposal(round: 0, blockID: Self.blockA, polRound: nil, isValid: true))
        _ = Self.votes(&machine, .prevote, round: 0, nil, from: [3])        // the equivocator's first prevote
        _ = Self.votes(&machine, .prevote, round: 0, Self.blockA, from: [0, 2])
        #expect(machine.count(.prevote, round: 0, for: Self.blockA) == 2)
        // Its second, conflicting prevote for A (relayed by whoever counted it) completes the polka.
        let actions = Self.votes(&machine, .prevote, round: 0, Self.blockA, from: [3, 3])
        #expect(machine.count(.prevote, round: 0, for: Self.blockA) == 3)
        #expect(machine.countAll(.prevote, round: 0) == 3)
        #expect(actions.contains(.vote(.precommit, round: 0, blockID: Self.blockA)))
    }

    @Test func aPrecommitTimeoutStartsTheNextRoundWithLongerTimeouts() {
        var (machine, _) = Self.machine(me: 2)
        _ = machine.handle(.timeout(.propose, round: 0))
        _ = Self.votes(&machine, .precommit, round: 0, nil, from: [0, 1, 3])
        let actions = machine.handle(.timeout(.precommit, round: 0))
        // Round 1's proposer is keys[1]; keys[2] waits 3000 + 500·1 ms.
        #expect(actions == [.scheduleTimeout(.propose, round: 1, afterMs: 3500)])
        #expect(machine.round == 1 && machine.step == .propose)
        #expect(Self.timeouts.duration(.prevote, round: 4) == 3000)
        #expect(Self.timeouts.duration(.precommit, round: 2) == 2000)
    }

    @Test func aLockedValidatorPrevotesNilForAnotherFreshBlock() {
        var (machine, _) = Self.machine(me: 2)
        _ = machine.handle(.proposal(round: 0, blockID: Self.blockA, polRound: nil, isValid: true))
        _ = Self.votes(&machine, .prevote, round: 0, Self.blockA, from: [0, 1, 2])      // locks A
        _ = Self.votes(&machine, .precommit, round: 0, nil, from: [0, 1, 3])
        _ = machine.handle(.timeout(.precommit, round: 0))
        #expect(machine.round == 1 && machine.lockedBlock == Self.blockA)
        // Round 1 proposes B without a polka: the lock holds.
        let actions = machine.handle(.proposal(round: 1, blockID: Self.blockB, polRound: nil, isValid: true))
        #expect(actions == [.vote(.prevote, round: 1, blockID: nil)])
    }

    @Test func aLockedValidatorPrevotesItsLockedBlockAgain() {
        var (machine, _) = Self.machine(me: 2)
        _ = machine.handle(.proposal(round: 0, blockID: Self.blockA, polRound: nil, isValid: true))
        _ = Self.votes(&machine, .prevote, round: 0, Self.blockA, from: [0, 1, 2])
        _ = Self.votes(&machine, .precommit, round: 0, nil, from: [0, 1, 3])
        _ = machine.handle(.timeout(.precommit, round: 0))
        let actions = machine.handle(.proposal(round: 1, blockID: Self.blockA, polRound: 0, isValid: true))
        #expect(actions == [.vote(.prevote, round: 1, blockID: Self.blockA)])
    }

    @Test func aNewerPolkaUnlocks() {
        var (machine, _) = Self.machine(me: 3)
        _ = machine.handle(.proposal(round: 0, blockID: Self.blockA, polRound: nil, isValid: true))
        _ = Self.votes(&machine, .prevote, round: 0, Self.blockA, from: [0, 1, 3])      // locked on A at round 0
        _ = Self.votes(&machine, .precommit, round: 0, nil, from: [0, 1, 2])
        _ = machine.handle(.timeout(.precommit, round: 0))
        // Round 1: the others saw a polka for B (this node missed the proposal).
        _ = Self.votes(&machine, .prevote, round: 1, Self.blockB, from: [0, 1, 2])
        _ = Self.votes(&machine, .precommit, round: 1, nil, from: [0, 1, 2])
        _ = machine.handle(.timeout(.precommit, round: 1))
        #expect(machine.round == 2 && machine.lockedBlock == Self.blockA && machine.lockedRound == 0)
        // Round 2 re-proposes B with polRound 1 ≥ lockedRound 0: prevote B (unlock).
        let actions = machine.handle(.proposal(round: 2, blockID: Self.blockB, polRound: 1, isValid: true))
        #expect(actions == [.vote(.prevote, round: 2, blockID: Self.blockB)])
    }

    @Test func aProposalWithAPolRoundWaitsForThatPolka() {
        var (machine, _) = Self.machine(me: 2)
        _ = machine.handle(.timeout(.propose, round: 0))
        _ = Self.votes(&machine, .precommit, round: 0, nil, from: [0, 1, 3])
        _ = machine.handle(.timeout(.precommit, round: 0))
        #expect(machine.handle(.proposal(round: 1, blockID: Self.blockB, polRound: 0, isValid: true)).isEmpty)
        _ = Self.votes(&machine, .prevote, round: 0, Self.blockB, from: [0, 1])
        let actions = Self.votes(&machine, .prevote, round: 0, Self.blockB, from: [3])
        #expect(actions == [.vote(.prevote, round: 1, blockID: Self.blockB)])
    }

    @Test func fPlusOneMessagesFromAHigherRoundSkipToIt() {
        var (machine, _) = Self.machine(me: 2)
        #expect(Self.votes(&machine, .prevote, round: 5, nil, from: [0]).isEmpty)   // f = 1: one is not enough
        let actions = Self.votes(&machine, .precommit, round: 5, nil, from: [3])
        // Round 5's proposer is keys[1]; keys[2] schedules round 5's propose timeout.
        #expect(actions.first == .scheduleTimeout(.propose, round: 5, afterMs: 3000 + 5 * 500))
        #expect(machine.round == 5)
    }

    @Test func aDecisionInAnEarlierRoundIsStillTaken() {
        var (machine, _) = Self.machine(me: 2)
        _ = machine.handle(.proposal(round: 0, blockID: Self.blockA, polRound: nil, isValid: true))
        _ = machine.handle(.timeout(.prevote, round: 0))
        _ = Self.votes(&machine, .precommit, round: 0, nil, from: [1, 2, 3])
        _ = machine.handle(.timeout(.precommit, round: 0))
        #expect(machine.round == 1)
        let actions = Self.votes(&machine, .precommit, round: 0, Self.blockA, from: [0])
        #expect(actions.isEmpty)   // [1,2,3] already precommitted nil at round 0: A has one vote
        var (late, _) = Self.machine(me: 2)
        _ = late.handle(.proposal(round: 0, blockID: Self.blockA, polRound: nil, isValid: true))
        _ = late.handle(.timeout(.prevote, round: 0))
        _ = Self.votes(&late, .precommit, round: 1, nil, from: [0, 1])
        #expect(late.round == 1)
        let decided = Self.votes(&late, .precommit, round: 0, Self.blockA, from: [0, 1, 3])
        #expect(decided.last == .decide(round: 0, blockID: Self.blockA))
    }

    @Test func theProposerReproposesItsValidBlockInALaterRound() {
        // keys[1] proposes round 1; it saw a polka for A in round 0 (validBlock A) but no commit.
        var (machine, _) = Self.machine(me: 1)
        _ = machine.handle(.proposal(round: 0, blockID: Self.blockA, polRound: nil, isValid: true))
        _ = Self.votes(&machine, .prevote, round: 0, Self.blockA, from: [0, 1, 2])
        _ = Self.votes(&machine, .precommit, round: 0, nil, from: [0, 2, 3])
        let actions = machine.handle(.timeout(.precommit, round: 0))
        #expect(actions == [.propose(round: 1, validBlock: Self.blockA, validRound: 0)])
    }

    @Test func anObserverNeverVotes() {
        var machine = RoundStateMachine(height: 1, validators: Self.validators, me: nil, schedule: Self.schedule, timeouts: Self.timeouts)
        _ = machine.handle(.start)
        let actions = machine.handle(.proposal(round: 0, blockID: Self.blockA, polRound: nil, isValid: true))
        #expect(actions.isEmpty)
        let decided = Self.votes(&machine, .precommit, round: 0, Self.blockA, from: [0, 1, 2])
        #expect(decided.last == .decide(round: 0, blockID: Self.blockA))
    }
}
