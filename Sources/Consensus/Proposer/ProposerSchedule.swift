import Ledger

/// Who proposes (is master) at one height, in every round.
///
/// Derived deterministically from the chain, so every node computes the same schedule:
/// the schedule of height `h + 1` is the one of height `h` updated with the validators'
/// weights after block `h` (reputation through `ReputationWeights`) minus the blacklist the
/// block at `h + 1` must carry, then advanced by one election. Blacklisted validators leave
/// the candidate set and, when redeemed, rejoin behind everyone (CometBFT's −1.125 · total rule
/// for new validators). Round `r` at a height takes `r` further elections on a copy, as
/// CometBFT does when a round fails.
public struct ProposerSchedule: Hashable, Sendable {
    /// The height this schedule elects for.
    public let height: UInt64
    /// Priorities after the election of round 0 at `height`.
    public let priorities: ProposerPriorities

    public init(height: UInt64, priorities: ProposerPriorities) {
        self.height = height
        self.priorities = priorities
    }

    /// The schedule of height 1: every eligible validator starts equal.
    public static func first(validators: ValidatorSet, reputation: (PublicKey) -> Int64, blacklist: Set<PublicKey> = [],
                             weights: ReputationWeights) -> ProposerSchedule {
        ProposerSchedule(height: 0, priorities: ProposerPriorities())
            .next(validators: validators, reputation: reputation, blacklist: blacklist, weights: weights)
    }

    /// The schedule of the following height.
    public func next(validators: ValidatorSet, reputation: (PublicKey) -> Int64, blacklist: Set<PublicKey>,
                     weights: ReputationWeights) -> ProposerSchedule {
        var eligible = validators.members.filter { !blacklist.contains($0) }
        // At most f are blacklisted, so this only guards a hand-made set.
        if eligible.isEmpty { eligible = validators.members }
        var powers: [PublicKey: Int64] = [:]
        for key in eligible { powers[key] = weights.weight(reputation: reputation(key)) }
        var priorities = self.priorities
        priorities.update(powers: powers)
        priorities.increment()
        return ProposerSchedule(height: height + 1, priorities: priorities)
    }

    /// The proposer of `round` at this height.
    public func proposer(round: UInt32) -> PublicKey {
        round == 0 ? priorities.proposer! : priorities.incremented(times: Int(round)).proposer!
    }
}

extension ProposerSchedule: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(height)
        writer.write(UInt32(priorities.candidates.count))
        for candidate in priorities.candidates {
            writer.write(candidate.key)
            writer.write(candidate.power)
            writer.write(candidate.priority)
        }
        writer.write(priorities.proposer)
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        height = try reader.readUInt64("height")
        let count = try reader.readCount("candidates", minimumElementSize: 48)
        var candidates: [ProposerPriorities.Candidate] = []
        for _ in 0..<count {
            candidates.append(.init(key: try PublicKey(from: &reader), power: try reader.readInt64("power"),
                                    priority: try reader.readInt64("priority")))
        }
        let proposer = try reader.readOptional(PublicKey.self, "proposer")
        priorities = ProposerPriorities(restoring: candidates, proposer: proposer)
    }
}

extension ProposerPriorities {
    /// Restores saved priorities (from the consensus log).
    init(restoring candidates: [Candidate], proposer: PublicKey?) {
        self.init()
        self.restore(candidates: candidates.sorted { $0.key < $1.key }, proposer: proposer)
    }
}
