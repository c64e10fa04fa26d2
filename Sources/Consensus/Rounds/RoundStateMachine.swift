import Ledger

/// The step of a Tendermint round.
public enum RoundStep: UInt8, Hashable, Sendable, Comparable, CustomStringConvertible {
    case propose = 0
    case prevote = 1
    case precommit = 2

    public static func < (a: RoundStep, b: RoundStep) -> Bool { a.rawValue < b.rawValue }
    public var description: String { ["propose", "prevote", "precommit"][Int(rawValue)] }
}

/// One height of Tendermint consensus as a value: events in, actions out, no I/O.
///
/// This is Algorithm 1 of Buchman, Kwon and Milosevic, "The latest gossip on BFT consensus"
/// (2018), for one process at one height. Line numbers in comments refer to it. The owner
/// (a `ConsensusNode`) verifies signatures, checks that a proposal comes from the round's
/// proposer, decides `valid(v)` with the ledger application, and performs the actions: it
/// signs and sends votes (feeding its own votes back as events), schedules timeouts, builds
/// proposals and commits the decided block.
///
/// Quorums count validators, one vote each: `2f + 1` (`ValidatorSet.quorum`) for polkas and
/// commits, `f + 1` distinct senders to skip to a higher round. A validator that equivocates
/// (signs different values for one type and round) is counted once for each value it signed,
/// up to `maxValuesPerVoter`, never twice for one value: this is what CometBFT reaches with its
/// "peer claims a +2/3 majority" bookkeeping. It cannot break safety (two quorums for
/// different values would need an honest validator in both), and it lets a polka that
/// included an equivocator's vote be verified by validators that first saw its other vote.
public struct RoundStateMachine: Hashable, Sendable {
    public enum Event: Hashable, Sendable {
        /// Start the height at round 0.
        case start
        /// The proposal of `round` from that round's proposer; `isValid` is `valid(v)`.
        case proposal(round: UInt32, blockID: Hash256, polRound: UInt32?, isValid: Bool)
        /// A verified vote from a validator (nil: for no block).
        case vote(VoteType, round: UInt32, validator: PublicKey, blockID: Hash256?)
        /// A timeout scheduled earlier fired.
        case timeout(RoundStep, round: UInt32)
    }

    public enum Action: Hashable, Sendable {
        /// This node proposes at `round`: re-propose `validBlock` (with its polka round) if
        /// set, else build a new block (lines 14–19).
        case propose(round: UInt32, validBlock: Hash256?, validRound: UInt32?)
        /// Sign and broadcast a vote.
        case vote(VoteType, round: UInt32, blockID: Hash256?)
        case scheduleTimeout(RoundStep, round: UInt32, afterMs: UInt64)
        /// 2f+1 precommits for a valid proposal: commit it (line 49).
        case decide(round: UInt32, blockID: Hash256)
    }

    struct ProposalRecord: Hashable, Sendable {
        var blockID: Hash256
        var polRound: UInt32?
        var isValid: Bool
    }

    public let height: UInt64
    public let validators: ValidatorSet
    /// This node's validator key (nil for an observer that never votes).
    public let me: PublicKey?
    public let schedule: ProposerSchedule
    public let timeouts: TimeoutPolicy

    public private(set) var round: UInt32 = 0
    public private(set) var step: RoundStep = .propose
    public private(set) var lockedRound: UInt32?
    public private(set) var lockedBlock: Hash256?
    public private(set) var validRound: UInt32?
    public private(set) var validBlock: Hash256?
    public private(set) var decision: Hash256?
    public private(set) var decisionRound: UInt32?
    public private(set) var started = false

    var proposals: [UInt32: ProposalRecord] = [:]
    /// The values each validator voted for, per round (more than one only for equivocators).
    var prevotes: [UInt32: [PublicKey: [Hash256?]]] = [:]
    var precommits: [UInt32: [PublicKey: [Hash256?]]] = [:]
    public static let maxValuesPerVoter = 3
    /// Validators that sent anything for a round (for the f+1 round skip).
    var senders: [UInt32: Set<PublicKey>] = [:]
    var prevoteTimeoutScheduled: Set<UInt32> = []
    var precommitTimeoutScheduled: Set<UInt32> = []
    var polkaHandled: Set<UInt32> = []

    public init(height: UInt64, validators: ValidatorSet, me: PublicKey?, schedule: ProposerSchedule, timeouts: TimeoutPolicy) {
        self.height = height
        self.validators = validators
        self.me = me
        self.schedule = schedule
        self.timeouts = timeouts
    }

    public func proposer(round: UInt32) -> PublicKey { schedule.proposer(round: round) }

    /// Applies one event and returns what to do, in order.
    public mutating func handle(_ event: Event) -> [Action] {
        guard decision == nil else { return [] }
        var actions: [Action] = []
        switch event {
        case .start:
            guard !started else { return [] }
            started = true
            startRound(0, &actions)
        case .proposal(let r, let blockID, let polRound, let isValid):
            guard proposals[r] == nil else { return [] }
            proposals[r] = ProposalRecord(blockID: blockID, polRound: polRound, isValid: isValid)
            senders[r, default: []].insert(proposer(round: r))
        case .vote(let type, let r, let validator, let blockID):
            guard validators.contains(validator) else { return [] }
            var values = (type == .prevote ? prevotes[r]?[validator] : precommits[r]?[validator]) ?? []
            guard !values.contains(blockID), values.count < Self.maxValuesPerVoter else { return [] }
            values.append(blockID)
            switch type {
            case .prevote: prevotes[r, default: [:]][validator] = values
            case .precommit: precommits[r, default: [:]][validator] = values
            }
            senders[r, default: []].insert(validator)
        case .timeout(let timeoutStep, let r):
            guard started, r == round else { return [] }
            switch timeoutStep {
            case .propose where step == .propose:          // line 57
                vote(.prevote, nil, &actions)
                step = .prevote
            case .prevote where step == .prevote:          // line 61
                vote(.precommit, nil, &actions)
                step = .precommit
            case .precommit:                               // line 65
                startRound(round + 1, &actions)
            default:
                break
            }
        }
        if started { evaluate(&actions) }
        return actions
    }

    // MARK: Rules

    private mutating func startRound(_ r: UInt32, _ actions: inout [Action]) {   // line 11
        round = r
        step = .propose
        if let me, proposer(round: r) == me {
            actions.append(.propose(round: r, validBlock: validBlock, validRound: validBlock == nil ? nil : validRound))
        } else {
            actions.append(.scheduleTimeout(.propose, round: r, afterMs: timeouts.duration(.propose, round: r)))
        }
    }

    private func vote(_ type: VoteType, _ blockID: Hash256?, _ actions: inout [Action]) {
        guard me != nil else { return }
        actions.append(.vote(type, round: round, blockID: blockID))
    }

    func count(_ type: VoteType, round r: UInt32, for blockID: Hash256?) -> Int {
        let votes = type == .prevote ? prevotes[r] : precommits[r]
        return votes?.values.filter { $0.contains(blockID) }.count ?? 0
    }

    func countAll(_ type: VoteType, round r: UInt32) -> Int {
        (type == .prevote ? prevotes[r] : precommits[r])?.count ?? 0
    }

    /// Re-checks every rule until none fires (each fires at most once per round).
    private mutating func evaluate(_ actions: inout [Action]) {
        let quorum = validators.quorum
        var changed = true
        while changed && decision == nil {
            changed = false

            // Line 49: a valid proposal with 2f+1 precommits in any round decides.
            for (r, proposal) in proposals.sorted(by: { $0.key < $1.key })
            where proposal.isValid && count(.precommit, round: r, for: proposal.blockID) >= quorum {
                decision = proposal.blockID
                decisionRound = r
                actions.append(.decide(round: r, blockID: proposal.blockID))
                return
            }

            // Line 55: f+1 validators already in a higher round: skip to it.
            let skipTo = senders.filter { $0.key > round && $0.value.count >= validators.faultTolerance + 1 }.keys.max()
            if let skipTo {
                startRound(skipTo, &actions)
                changed = true
                continue
            }

            if step == .propose, let proposal = proposals[round] {
                let id = proposal.blockID
                if proposal.polRound == nil {                                        // line 22
                    let accept = proposal.isValid && (lockedRound == nil || lockedBlock == id)
                    vote(.prevote, accept ? id : nil, &actions)
                    step = .prevote
                    changed = true
                } else if let vr = proposal.polRound, vr < round, count(.prevote, round: vr, for: id) >= quorum {  // line 28
                    // Unlock: a polka newer than (or equal to) our lock justifies the new value.
                    let accept = proposal.isValid && ((lockedRound.map { $0 <= vr } ?? true) || lockedBlock == id)
                    vote(.prevote, accept ? id : nil, &actions)
                    step = .prevote
                    changed = true
                }
            }

            if step == .prevote, countAll(.prevote, round: round) >= quorum,           // line 34
               prevoteTimeoutScheduled.insert(round).inserted {
                actions.append(.scheduleTimeout(.prevote, round: round, afterMs: timeouts.duration(.prevote, round: round)))
            }

            if step >= .prevote, let proposal = proposals[round], proposal.isValid,        // line 36
               count(.prevote, round: round, for: proposal.blockID) >= quorum, !polkaHandled.contains(round) {
                polkaHandled.insert(round)
                if step == .prevote {
                    lockedBlock = proposal.blockID
                    lockedRound = round
                    vote(.precommit, proposal.blockID, &actions)
                    step = .precommit
                }
                validBlock = proposal.blockID
                validRound = round
                changed = true
            }

            // A polka seen late, for a round already left, still raises the valid block (never
            // the lock): the proposer then re-proposes it with that polka round, which locked
            // validators accept (line 28), so locks taken before the network healed cannot
            // stall the height. Safe: validBlock only chooses what to propose.
            for (r, proposal) in proposals.sorted(by: { $0.key > $1.key })
            where r < round && proposal.isValid && (validRound.map { r > $0 } ?? true)
                && count(.prevote, round: r, for: proposal.blockID) >= quorum {
                validBlock = proposal.blockID
                validRound = r
                changed = true
                break
            }

            if step == .prevote, count(.prevote, round: round, for: nil) >= quorum {       // line 44
                vote(.precommit, nil, &actions)
                step = .precommit
                changed = true
            }

            if countAll(.precommit, round: round) >= quorum,                               // line 47
               precommitTimeoutScheduled.insert(round).inserted {
                actions.append(.scheduleTimeout(.precommit, round: round, afterMs: timeouts.duration(.precommit, round: round)))
            }
        }
    }
}
