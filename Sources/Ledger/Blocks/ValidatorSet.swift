/// The validators that vote on a block, one vote each.
///
/// Byzantine fault tolerance with `n` validators survives `f = ⌊(n − 1) / 3⌋` faulty ones and
/// needs a quorum of `⌊2n / 3⌋ + 1` votes, which is `2f + 1` when `n = 3f + 1` and 1 when
/// `n = 1` (the single local validator is a real quorum of one). Reputation never buys votes;
/// it only weighs who proposes.
public struct ValidatorSet: Hashable, Sendable {
    /// Sorted by key bytes, no duplicates.
    public let members: [PublicKey]

    public init(_ keys: some Sequence<PublicKey>) {
        members = Array(Set(keys)).sorted()
    }

    public var count: Int { members.count }
    public var faultTolerance: Int { max(0, (count - 1) / 3) }
    public var quorum: Int { count * 2 / 3 + 1 }

    public func contains(_ key: PublicKey) -> Bool {
        var low = 0, high = members.count
        while low < high {
            let mid = (low + high) / 2
            if members[mid] < key { low = mid + 1 } else { high = mid }
        }
        return low < members.count && members[low] == key
    }

    /// SHA-256 of the canonical sorted list; every header commits to the set that signs it.
    public var hash: Hash256 {
        var writer = CanonicalWriter()
        writer.write(members)
        return Hash256.sha256(writer.bytes)
    }
}
