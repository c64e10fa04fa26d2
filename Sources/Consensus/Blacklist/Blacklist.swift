import Ledger

/// Masters barred from proposing, SmartBFT-style: at most f at a time, derived from the chain.
///
/// The rule every node applies when block `h` commits, giving the blacklist block `h + 1`
/// must carry in its header (`BlockHeader.blacklist`, re-checked by every validator and by
/// block sync):
/// 1. every entry gains one honest height, unless block `h` holds new invalid-proposal
///    evidence against it; an entry with `redemptionHeights` honest heights leaves (the master
///    earned its way back);
/// 2. each offender of invalid-proposal evidence committed in block `h` (kinds
///    `invalidBlock` and `invalidAggregate`) enters, or restarts its count;
/// 3. members no longer validators leave; while more than f remain, the entry blacklisted
///    longest ago (smallest `since`, then smallest key) leaves, so the list never exceeds f.
///
/// Everything the rule reads (the evidence in committed blocks, the validator set, the
/// previous list) is on chain, so the list is deterministic state every node re-derives; the
/// header carries it so a light reader sees it without replaying.
public struct Blacklist: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var key: PublicKey
        /// The height whose block committed the latest evidence against it.
        public var since: UInt64
        /// Heights committed since then without new evidence against it.
        public var honestHeights: UInt64
    }

    /// Sorted by key.
    public private(set) var entries: [Entry]

    public init(entries: [Entry] = []) {
        self.entries = entries.sorted { $0.key < $1.key }
    }

    public var keys: [PublicKey] { entries.map(\.key) }
    public var keySet: Set<PublicKey> { Set(keys) }
    public func contains(_ key: PublicKey) -> Bool { entries.contains { $0.key == key } }

    /// The evidence kinds that blacklist a master.
    public static func blacklists(_ kind: Evidence.Kind) -> Bool { kind == .invalidBlock || kind == .invalidAggregate }

    /// The blacklist after block `height` committed `evidence`, for the next block.
    public func advanced(height: UInt64, evidence: [Evidence], validators: ValidatorSet, redemptionHeights: UInt64) -> Blacklist {
        let offenders = Set(evidence.filter { Blacklist.blacklists($0.kind) }.map(\.offender))
        var next: [Entry] = []
        for var entry in entries where !offenders.contains(entry.key) {
            entry.honestHeights += 1
            if entry.honestHeights < redemptionHeights { next.append(entry) }
        }
        for offender in offenders.sorted() {
            next.append(Entry(key: offender, since: height, honestHeights: 0))
        }
        next.removeAll { !validators.contains($0.key) }
        let limit = validators.faultTolerance
        while next.count > limit {
            let oldest = next.indices.min { a, b in (next[a].since, next[a].key) < (next[b].since, next[b].key) }!
            next.remove(at: oldest)
        }
        return Blacklist(entries: next)
    }
}

extension Blacklist: CanonicalCodable {
    public func encode(to writer: inout CanonicalWriter) {
        writer.write(UInt32(entries.count))
        for entry in entries {
            writer.write(entry.key)
            writer.write(entry.since)
            writer.write(entry.honestHeights)
        }
    }

    public init(from reader: inout CanonicalReader) throws(EncodingError) {
        let count = try reader.readCount("blacklist", minimumElementSize: 48)
        var entries: [Entry] = []
        for _ in 0..<count {
            entries.append(Entry(key: try PublicKey(from: &reader), since: try reader.readUInt64("since"),
                                 honestHeights: try reader.readUInt64("honest heights")))
        }
        self.init(entries: entries)
    }
}
