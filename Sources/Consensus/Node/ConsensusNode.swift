import Foundation
import Ledger

/// One validator's consensus engine for one chain: the round state machine, the ledger
/// replica, the mempool, the write-ahead log and block sync, wired to a transport and timers.
///
/// Single-threaded: its owner (the in-process `Consortium`, later the node daemon's actor)
/// calls `start()`, `receive(_:from:)` and `fire(_:)` one at a time.
///
/// The life of a height:
/// 1. `RoundStateMachine` runs the rounds; the node signs what it asks for (after the
///    write-ahead log has the message), and feeds its own messages back to itself;
/// 2. proposals are judged by `ProposalEvaluator` (the ledger's `stage` plus the blacklist
///    and evidence checks); an invalid one gets a nil prevote, and if its fault is intrinsic
///    the accusation waits for this node's next proposal at this height;
/// 3. on a decision, 2f+1 precommits form the commit certificate and `Ledger.commit`
///    persists the block; the checkpoint (next schedule and blacklist) is derived and
///    appended to the log; the next height starts after the commit timeout.
/// A node that hears of a higher height asks the sender for the missing blocks and appends
/// them with `Ledger.append`, which re-verifies them and their certificates.
public final class ConsensusNode {
    public struct Configuration: Sendable {
        public var rules: ConsensusRules
        public var timeouts: TimeoutPolicy
        /// Messages larger than this are refused before decoding.
        public var maxMessageBytes: Int
        /// Sync the write-ahead log on every append (the simulation may turn it off; its
        /// "crashes" keep the page cache).
        public var synchronousLog: Bool
        /// Rounds ahead of the current one whose messages are still kept.
        public var maxRoundsAhead: UInt32
        /// How often a node re-sends its proposal and votes of the current height, so peers
        /// that lost them or were down catch up (Tendermint's vote gossip).
        public var gossipIntervalMs: UInt64
        /// Whether a height starts (and its proposer proposes, possibly an empty block) as soon
        /// as the commit timeout ends. When false (CometBFT's `create_empty_blocks = false`),
        /// an idle node waits until it has work: a transaction in its mempool, evidence to
        /// report, a message of the next height from a peer that started it, or a `wake()`
        /// from its owner (a proposer whose contributor has transactions to add).
        public var createEmptyBlocks: Bool
        /// With `createEmptyBlocks == false`: how long a node that wakes for a transaction
        /// waits before starting the height, so transactions submitted together (and gossiped
        /// with different delays) share one block.
        public var batchWindowMs: UInt64

        public init(rules: ConsensusRules = ConsensusRules(), timeouts: TimeoutPolicy = TimeoutPolicy(),
                    maxMessageBytes: Int = 20 << 20, synchronousLog: Bool = true, maxRoundsAhead: UInt32 = 256,
                    gossipIntervalMs: UInt64 = 1000, createEmptyBlocks: Bool = true, batchWindowMs: UInt64 = 0) {
            self.rules = rules
            self.timeouts = timeouts
            self.maxMessageBytes = maxMessageBytes
            self.synchronousLog = synchronousLog
            self.maxRoundsAhead = maxRoundsAhead
            self.gossipIntervalMs = gossipIntervalMs
            self.createEmptyBlocks = createEmptyBlocks
            self.batchWindowMs = batchWindowMs
        }
    }

    public let key: SigningKey
    public let ledger: Ledger
    public let configuration: Configuration
    public var behaviour: ByzantineBehaviour = []
    public weak var contributor: (any ProposalContributor)?
    /// Receives one line per notable event (refused message, evidence, commit, ...).
    public var logSink: ((String) -> Void)?

    public private(set) var checkpoint: ConsensusCheckpoint
    public private(set) var machine: RoundStateMachine
    public private(set) var mempool = Mempool()
    /// Every block this node committed (through consensus or block sync), in order.
    public private(set) var commits: [CommitRecord] = []
    /// Counts of refused messages by reason code.
    public private(set) var refusals: [String: Int] = [:]
    /// Harmless messages dropped without complaint (late votes, already committed transactions).
    public private(set) var ignored = 0
    /// Conflicting votes this node saw (equivocation), as evidence.
    public private(set) var equivocations: [Hash256: Evidence] = [:]
    /// Intrinsically invalid proposals seen at the current height, with the evidence.
    public private(set) var accusations: [Hash256: (evidence: Evidence, accused: AccusedProposal)] = [:]
    public private(set) var isHalted = false
    /// The height this node is idle before (`createEmptyBlocks == false` and nothing to do).
    public private(set) var idleBefore: UInt64?
    /// Whether the next height starts regardless of work (a wake is scheduled or was asked for).
    private var wakeScheduled = false

    let transport: any ConsensusTransport
    let timers: any ConsensusTimers
    let wal: WriteAheadLog
    /// Signatures this node has verified. Its own, not the process's: nodes simulated in one
    /// process stand for separate machines, and each must check every message itself.
    let signatures = SignatureCache(capacity: 1 << 14)
    private var proposals: [UInt32: ProposalMessage] = [:]
    private var verdicts: [UInt32: ProposalVerdict] = [:]
    /// Votes by slot; more than one only from an equivocator (see `RoundStateMachine`).
    private var votes: [VoteSlot: [SignedVote]] = [:]
    /// What this node signed at the current height, loaded from the log on restart.
    private var ownProposals: [UInt32: ProposalMessage] = [:]
    private var ownVotes: [VoteSlot: SignedVote] = [:]
    private var future: [(bytes: [UInt8], from: PublicKey)] = []
    private var syncRequested: [UInt64: UInt64] = [:]
    private var events: [RoundStateMachine.Event] = []
    private var processing = false
    private var replaying = false
    private var rng = SplitMix64(seed: 0)

    public var publicKey: PublicKey { key.publicKey }
    public var application: LedgerApplication { ledger.application }
    public var chainID: String { ledger.chainID }
    public var height: UInt64 { machine.height }
    public var round: UInt32 { machine.round }
    public var blacklist: Blacklist { checkpoint.blacklist }

    /// Opens the node: restores the checkpoint matching the ledger's tip (from the log, by
    /// advancing one block, or by replaying the chain) and the current height's messages.
    /// Call `start()` to begin.
    public init(key: SigningKey, ledger: Ledger, walURL: URL, transport: any ConsensusTransport, timers: any ConsensusTimers,
                configuration: Configuration = Configuration()) throws {
        self.key = key
        self.ledger = ledger
        self.configuration = configuration
        self.transport = transport
        self.timers = timers
        self.wal = try WriteAheadLog(url: walURL, synchronous: configuration.synchronousLog)
        rng = SplitMix64(seed: key.publicKey.bytes.prefix(8).reduce(0) { $0 << 8 | UInt64($1) })
        if !ledger.application.domainValidators.contains(where: { $0 is EvidenceValidator }) {
            ledger.application.domainValidators.append(EvidenceValidator())
        }
        let records = WriteAheadLog.read(walURL)
        let (checkpoint, replay) = try ConsensusNode.restore(records: records, ledger: ledger, rules: configuration.rules)
        self.checkpoint = checkpoint
        self.machine = RoundStateMachine(height: 0, validators: ValidatorSet([]), me: nil, schedule: checkpoint.schedule,
                                         timeouts: configuration.timeouts)
        if replay == nil { try wal.rotate(to: checkpoint) }
        pendingReplay = replay ?? []
    }

    private var pendingReplay: [WriteAheadLog.Record]

    /// Finds the checkpoint of the ledger's tip and the log records of the height after it.
    static func restore(records: [WriteAheadLog.Record], ledger: Ledger, rules: ConsensusRules) throws
        -> (ConsensusCheckpoint, [WriteAheadLog.Record]?) {
        let tip = ledger.tip
        var last: (checkpoint: ConsensusCheckpoint, index: Int)? = nil
        for (index, record) in records.enumerated() {
            if case .checkpoint(let checkpoint) = record { last = (checkpoint, index) }
        }
        if let last, last.checkpoint.height == tip.height, last.checkpoint.blockID == tip.blockID {
            return (last.checkpoint, Array(records[(last.index + 1)...]))
        }
        if let last, last.checkpoint.height + 1 == tip.height,
           let block = try ledger.store.committedBlock(at: tip.height), block.block.header.previousID == last.checkpoint.blockID {
            // Crashed between the ledger commit and the log rotation.
            return (last.checkpoint.advanced(by: block.block, application: ledger.application, rules: rules), nil)
        }
        return (try rebuild(ledger: ledger, rules: rules), nil)
    }

    /// Derives the checkpoint by replaying the stored chain into a scratch application.
    static func rebuild(ledger: Ledger, rules: ConsensusRules) throws -> ConsensusCheckpoint {
        let scratch = try LedgerApplication(genesis: ledger.genesis)
        scratch.domainValidators = ledger.application.domainValidators
        var checkpoint = ConsensusCheckpoint.genesis(scratch, rules: rules)
        var height: UInt64 = 1
        while height <= ledger.tip.height {
            guard let committed = try ledger.store.committedBlock(at: height) else { break }
            scratch.commit(try scratch.stage(committed.block))
            checkpoint = checkpoint.advanced(by: committed.block, application: scratch, rules: rules)
            height += 1
        }
        return checkpoint
    }

    // MARK: Driving

    /// Starts the height after the tip, replaying the log of an interrupted height first.
    public func start() {
        let replay = pendingReplay
        pendingReplay = []
        beginHeight(replay: replay)
    }

    /// A timer this node scheduled fired.
    public func fire(_ timer: NodeTimer) {
        guard !isHalted else { return }
        switch timer {
        case .round(let h, let r, let step):
            guard h == height else { return }
            logRecord(.timeout(height: h, round: r, step: step), sync: false)
            enqueue(.timeout(step, round: r))
        case .startHeight(let h):
            guard h == application.tip.height + 1, machine.height != h else { return }
            if !configuration.createEmptyBlocks, !wakeScheduled, !hasWork {
                idleBefore = h
                return
            }
            idleBefore = nil
            wakeScheduled = false
            beginHeight(replay: [])
        case .gossip(let h):
            guard h == height, machine.started, machine.decision == nil else { return }
            regossip()
            timers.schedule(.gossip(height: h), for: publicKey, afterMs: configuration.gossipIntervalMs)
        }
    }

    /// Handles bytes from `peer`. Anything refused is counted and logged; nothing throws.
    public func receive(_ bytes: [UInt8], from peer: PublicKey) {
        guard !isHalted else { return }
        do {
            try handle(bytes, from: peer)
        } catch {
            refuse(error, from: peer)
        }
    }

    /// Admits a transaction to this node's mempool and gossips it to every peer.
    @discardableResult
    public func submit(_ tx: SignedTransaction) throws(TransactionRejection) -> Bool {
        guard try mempool.add(tx.bytes, application: application) != nil else { return false }
        broadcast(.transaction(tx.bytes))
        wakeIfIdle(afterMs: configuration.batchWindowMs)
        return true
    }

    /// Starts the waiting height now, if this node is idle (see
    /// `Configuration.createEmptyBlocks`): its owner knows of work the node cannot see, such as
    /// transactions a proposal contributor will add.
    public func wake() {
        if idleBefore == nil, machine.height != application.tip.height + 1 {
            wakeScheduled = true      // the next height's start is still pending: begin it then
        }
        wakeIfIdle(afterMs: 0)
    }

    private func wakeIfIdle(afterMs delay: UInt64) {
        guard let h = idleBefore, !wakeScheduled, h == application.tip.height + 1 else { return }
        wakeScheduled = true
        timers.schedule(.startHeight(h), for: publicKey, afterMs: delay)
    }

    /// Whether an idle node has something for the next height: transactions, evidence not yet
    /// on the chain, or messages from peers that already started it.
    private var hasWork: Bool {
        !mempool.transactions.isEmpty
            || equivocations.keys.contains { application.state.evidence($0) == nil }
            || !future.isEmpty
    }

    /// The next nonce this member should sign with, counting its transactions waiting here.
    public func nextNonce(for member: PublicKey) -> UInt64 {
        let committed = application.state.member(member)?.nonce ?? 0
        let pending = mempool.transactions.filter { $0.transaction.sender == member }.map { $0.transaction.transaction.nonce + 1 }
        return max(committed, pending.max() ?? 0)
    }

    private func handle(_ bytes: [UInt8], from peer: PublicKey) throws(MessageRefusal) {
        let message = try ConsensusMessage(decoding: bytes, chainID: chainID, maxBytes: configuration.maxMessageBytes)
        switch message {
        case .transaction(let tx):
            // Peers admit gossip under the ledger's own rules only: the domain validators
            // (an aggregate recomputation can be costly) run when a block is built and staged.
            let domain = application.domainValidators
            application.domainValidators = domain.filter { $0 is EvidenceValidator }
            defer { application.domainValidators = domain }
            do { try mempool.add(tx, application: application) } catch {
                switch error {
                case .replayedNonce, .duplicate: ignored += 1      // already committed: gossip arrived late
                default: throw .stale("transaction refused by the mempool: \(error)")
                }
            }
            wakeIfIdle(afterMs: configuration.batchWindowMs)
        case .blockRequest(let h):
            if let committed = try? ledger.store.committedBlock(at: h) {
                send(.blockResponse(committed), to: peer)
            }
        case .blockResponse(let committed):
            try handleSync(committed, from: peer)
        case .proposal(let proposal):
            try handleProposal(proposal, bytes: bytes, from: peer)
        case .vote(let vote):
            try handleVote(vote, bytes: bytes, from: peer)
        }
    }

    private func handleProposal(_ proposal: ProposalMessage, bytes: [UInt8], from peer: PublicKey) throws(MessageRefusal) {
        let signed = proposal.signed
        guard application.validators.contains(signed.proposer) else { throw .unknownPeer(signed.proposer) }
        if signed.height != height {
            try noteOtherHeight(signed.height, bytes: bytes, from: peer)
            return
        }
        guard signed.round <= machine.round + configuration.maxRoundsAhead else { throw .stale("proposal for round \(signed.round) is too far ahead") }
        if proposals[signed.round] == proposal {
            ignored += 1
            return
        }
        guard signed.proposer == machine.proposer(round: signed.round) else { throw .notProposer(signed.proposer, round: signed.round) }
        guard proposal.isAuthentic(chainID: chainID, cache: signatures) else { throw .badSignature("proposal for height \(signed.height) round \(signed.round)") }
        if let existing = proposals[signed.round] {
            if existing != proposal { log("ignoring a second, different proposal of \(signed.proposer.shortHex)… for round \(signed.round)") }
            return
        }
        logRecord(.message(bytes), sync: false)
        accept(proposal)
    }

    /// - Parameter built: the staged result of a block this node just built (`propose`
    ///   executed every transaction already), so it is not executed a second time.
    private func accept(_ proposal: ProposalMessage, built: StagedBlock? = nil) {
        let round = proposal.signed.round
        let evaluator = ProposalEvaluator(application: application, blacklist: checkpoint.blacklist)
        if let built, built.block.id == proposal.block.id, built.block.header.blacklist == checkpoint.blacklist.keys {
            proposals[round] = proposal
            verdicts[round] = .valid(built)
            enqueue(.proposal(round: round, blockID: proposal.signed.blockID, polRound: proposal.signed.polRound, isValid: true))
            return
        }
        // Transactions this node's mempool already verified (the round's updates, typically;
        // the master's own transactions are new) skip a second signature check.
        let verified = proposal.block.transactions.map { mempool.verified(Hash256.sha256($0)) }
        let verdict = evaluator.evaluate(proposal.block, signed: proposal.signed, accused: proposal.accused, verified: verified)
        proposals[round] = proposal
        verdicts[round] = verdict
        if case .invalid(let evidence, let intrinsic) = verdict {
            log("invalid proposal from \(proposal.signed.proposer.shortHex)… at round \(round): \(evidence.detail)")
            if intrinsic { accusations[evidence.id] = (evidence, proposal.accusedProposal) }
        }
        enqueue(.proposal(round: round, blockID: proposal.signed.blockID, polRound: proposal.signed.polRound, isValid: verdict.isValid))
    }

    private func handleVote(_ vote: SignedVote, bytes: [UInt8], from peer: PublicKey) throws(MessageRefusal) {
        guard application.validators.contains(vote.validator) else { throw .unknownPeer(vote.validator) }
        if vote.height == height, votes[vote.slot]?.contains(vote) == true {
            ignored += 1                      // a re-sent copy of a vote already counted
            return
        }
        guard vote.hasValidSignature(chainID: chainID, cache: signatures) else { throw .badSignature("\(vote.type) of \(vote.validator.shortHex)…") }
        if vote.height != height {
            try noteOtherHeight(vote.height, bytes: bytes, from: peer)
            return
        }
        guard vote.round <= machine.round + configuration.maxRoundsAhead else { throw .stale("vote for round \(vote.round) is too far ahead") }
        let existing = votes[vote.slot] ?? []
        if let first = existing.first, let pair = DuplicateVoteEvidence(first, vote) {
            let evidence = pair.evidence
            if equivocations[evidence.id] == nil {
                equivocations[evidence.id] = evidence
                log("equivocation by \(vote.validator.shortHex)…: \(evidence.detail)")
            }
        }
        guard existing.count < RoundStateMachine.maxValuesPerVoter else { return }
        logRecord(.message(bytes), sync: false)
        record(vote)
    }

    private func record(_ vote: SignedVote) {
        votes[vote.slot, default: []].append(vote)
        enqueue(.vote(vote.type, round: vote.round, validator: vote.validator, blockID: vote.blockID))
    }

    /// A message from another height: keep it if it is the next one, and ask for the blocks
    /// this node lacks.
    private func noteOtherHeight(_ other: UInt64, bytes: [UInt8], from peer: PublicKey) throws(MessageRefusal) {
        let next = application.tip.height + 1
        guard other > height, other >= next else {
            ignored += 1           // late votes of a finished height are normal
            return
        }
        if other == next || other == next + 1, future.count < 4096 { future.append((bytes, peer)) }
        if other == next { wakeIfIdle(afterMs: 0) }        // a peer started the height: take part
        // Blocks below `other` that this node lacks are committed at the sender: ask for them.
        if other > next { requestBlock(next, from: peer) }
    }

    private func requestBlock(_ h: UInt64, from peer: PublicKey) {
        let now = timers.now
        if let last = syncRequested[h], now < last + 500 { return }
        syncRequested[h] = now
        send(.blockRequest(height: h), to: peer)
    }

    private func handleSync(_ committed: CommittedBlock, from peer: PublicKey) throws(MessageRefusal) {
        let header = committed.block.header
        guard header.height == application.tip.height + 1 else { return }
        guard header.blacklist == checkpoint.blacklist.keys else {
            throw .stale("synced block \(header.height) carries a blacklist that differs from the chain's; refused")
        }
        do { try ledger.append(committed) } catch {
            throw .stale("synced block \(header.height) refused: \(error)")
        }
        log("synced block \(header.height) from \(peer.shortHex)…")
        finishHeight(committed, round: committed.certificate.round)
        requestBlock(application.tip.height + 1, from: peer)
    }

    // MARK: Heights and actions

    private func beginHeight(replay: [WriteAheadLog.Record]) {
        let tip = application.tip
        machine = RoundStateMachine(height: tip.height + 1, validators: application.validators,
                                    me: application.validators.contains(publicKey) ? publicKey : nil,
                                    schedule: checkpoint.schedule, timeouts: configuration.timeouts)
        proposals = [:]
        verdicts = [:]
        votes = [:]
        ownProposals = [:]
        ownVotes = [:]
        accusations = [:]
        // What this node signed before a crash: load it first so nothing conflicting is signed.
        var replayMessages: [(WriteAheadLog.Record)] = []
        for record in replay {
            if case .message(let bytes) = record,
               let message = try? ConsensusMessage(decoding: bytes, chainID: chainID, maxBytes: .max) {
                switch message {
                case .proposal(let p) where p.signed.proposer == publicKey && p.signed.height == machine.height:
                    ownProposals[p.signed.round] = p
                case .vote(let v) where v.validator == publicKey && v.height == machine.height:
                    ownVotes[v.slot] = v
                default: break
                }
            }
            replayMessages.append(record)
        }
        enqueue(.start)
        replaying = true
        for record in replayMessages {
            switch record {
            case .message(let bytes): receive(bytes, from: publicKey)
            case .timeout(let h, let r, let step) where h == machine.height: enqueue(.timeout(step, round: r))
            default: break
            }
        }
        replaying = false
        if !replay.isEmpty { log("replayed \(replay.count) log records at height \(machine.height)") }
        timers.schedule(.gossip(height: machine.height), for: publicKey, afterMs: configuration.gossipIntervalMs)
        let buffered = future
        future = []
        for item in buffered { receive(item.bytes, from: item.from) }
    }

    private func enqueue(_ event: RoundStateMachine.Event) {
        events.append(event)
        guard !processing else { return }
        processing = true
        defer { processing = false }
        while !events.isEmpty, !isHalted {
            let next = events.removeFirst()
            let startHeight = machine.height
            for action in machine.handle(next) {
                guard machine.height == startHeight, !isHalted else { break }
                perform(action)
            }
        }
        events.removeAll()
    }

    private func perform(_ action: RoundStateMachine.Action) {
        switch action {
        case .scheduleTimeout(let step, let round, let after):
            timers.schedule(.round(height: height, round: round, step: step), for: publicKey, afterMs: after)
        case .propose(let round, let validBlock, let validRound):
            propose(round: round, validBlock: validBlock, validRound: validRound)
        case .vote(let type, let round, let blockID):
            castVote(type, round: round, blockID: blockID)
        case .decide(let round, let blockID):
            decide(round: round, blockID: blockID)
        }
    }

    private func propose(round: UInt32, validBlock: Hash256?, validRound: UInt32?) {
        let proposal: ProposalMessage
        var built: StagedBlock? = nil
        if let signed = ownProposals[round] {
            proposal = signed
        } else if let validBlock, let previous = proposals.values.first(where: { $0.block.id == validBlock }) {
            proposal = ProposalMessage.make(chainID: chainID, round: round, polRound: validRound, block: previous.block,
                                            accused: previous.accused, key: key)
        } else {
            (proposal, built) = buildProposal(round: round)
        }
        ownProposals[round] = proposal
        let message = ConsensusMessage.proposal(proposal)
        let bytes = message.encoded(chainID: chainID)
        logRecord(.message(bytes))
        if !behaviour.contains(.withholdProposals) { broadcast(bytes) }
        if proposals[round] == nil { accept(proposal, built: built) }
    }

    /// A new block: mempool transactions (in arrival order, retried so dependencies settle),
    /// the contributor's, then this node's pending evidence.
    /// Returns the signed proposal and, for an honestly built block, its staged result.
    private func buildProposal(round: UInt32) -> (ProposalMessage, StagedBlock?) {
        let app = application
        let timestamp = max(timers.now, app.tip.timestamp + 1)
        let blacklist = checkpoint.blacklist.keys
        var candidates = mempool.transactions
        if let contributor {
            // A contributor may hand back transactions the mempool already holds (the updates
            // its aggregate names); each goes in once, and the new ones are verified on all cores.
            var seen = Set(candidates.map(\.hash))
            let added = contributor.transactions(forHeight: height, round: round, proposer: key, application: app)
                .filter { seen.insert($0.hash).inserted }
            let maxBytes = app.limits.maxTransactionBytes
            candidates += TransactionVerifier.parallelMap(added.count) { try? TransactionVerifier.verify(added[$0], maxBytes: maxBytes) }
                .compactMap { $0 }
        }
        let savedValidators = app.domainValidators
        if behaviour.contains(.skipDomainValidation) { app.domainValidators = savedValidators.filter { $0 is EvidenceValidator } }
        defer { app.domainValidators = savedValidators }

        var proposal = app.propose(candidates, proposer: publicKey, timestamp: timestamp, blacklist: blacklist)
        for _ in 0..<2 where !proposal.rejected.isEmpty {
            let included = Set(proposal.block.transactions.map { Hash256.sha256($0) })
            let retry = proposal.staged.transactions.compactMap { try? TransactionVerifier.verify($0, maxBytes: app.limits.maxTransactionBytes) }
                + candidates.filter { !included.contains($0.hash) }
            let next = app.propose(retry, proposer: publicKey, timestamp: timestamp, blacklist: blacklist)
            if next.block.transactions.count <= proposal.block.transactions.count { break }
            proposal = next
        }
        let candidateHashes = Set(candidates.map(\.hash))
        mempool.drop(proposal.rejected.filter { candidateHashes.contains($0.hash) })

        // Evidence, signed by this node after its own transactions in the block.
        var evidence: [(Evidence, AccusedProposal?)] = []
        for (_, item) in accusations.sorted(by: { $0.key < $1.key }) where item.accused.signed.round < round {
            evidence.append((item.evidence, item.accused))
        }
        for (id, item) in equivocations.sorted(by: { $0.key < $1.key }) where app.state.evidence(id) == nil {
            evidence.append((item, nil))
        }
        var accused: [AccusedProposal] = []
        if !evidence.isEmpty {
            let verify = { (tx: SignedTransaction) in try? TransactionVerifier.verify(tx, maxBytes: app.limits.maxTransactionBytes) }
            var nonce = (app.state.member(publicKey)?.nonce ?? 0)
                + UInt64(proposal.staged.transactions.filter { $0.sender == publicKey }.count)
            var extra: [(tx: VerifiedTransaction, attachment: AccusedProposal?)] = []
            for (item, attachment) in evidence where app.state.evidence(item.id) == nil {
                let tx = Transaction(chainID: chainID, sender: publicKey, nonce: nonce, payload: .evidence(item)).signed(by: key)
                guard let verified = verify(tx) else { continue }
                extra.append((verified, attachment))
                nonce += 1
            }
            let base = proposal.staged.transactions.compactMap(verify)
            let withEvidence = app.propose(base + extra.map(\.tx), proposer: publicKey, timestamp: timestamp, blacklist: blacklist)
            let included = Set(withEvidence.staged.transactions.map(\.hash))
            if included.count > base.count {
                proposal = withEvidence
                accused = extra.filter { included.contains($0.tx.hash) }.compactMap(\.attachment)
            }
        }

        var block = proposal.block
        if behaviour.contains(.invalidBlocks) {
            var bytes = block.header.stateRoot.bytes
            bytes[0] ^= 0xff
            block.header.stateRoot = Hash256(bytes: bytes)!
        }
        let message = ProposalMessage.make(chainID: chainID, round: round, polRound: nil, block: block, accused: accused, key: key)
        let honest = behaviour.isDisjoint(with: [.invalidBlocks, .skipDomainValidation])
        return (message, honest ? proposal.staged : nil)
    }

    private func castVote(_ type: VoteType, round: UInt32, blockID: Hash256?) {
        let slot = VoteSlot(type: type, height: height, round: round, validator: publicKey)
        let vote: SignedVote
        if let signed = ownVotes[slot] {
            guard signed.blockID == blockID else {
                // The log says this node already voted otherwise here: never sign a conflict.
                log("refusing to sign a \(type) for round \(round) that conflicts with the one signed before a restart")
                if votes[slot] == nil { sendVote(signed) }  // re-send what the log holds
                return
            }
            vote = signed
        } else {
            vote = SignedVote.sign(type, chainID: chainID, height: height, round: round, blockID: blockID, key: key)
            ownVotes[slot] = vote
        }
        sendVote(vote)
        if behaviour.contains(.equivocate) {
            let other: Hash256? = blockID == nil ? Hash256.sha256(Array("medchain/equivocation/\(round)".utf8)) : nil
            let conflicting = SignedVote.sign(type, chainID: chainID, height: height, round: round, blockID: other, key: key)
            if !behaviour.contains(.withholdVotes) { broadcast(ConsensusMessage.vote(conflicting).encoded(chainID: chainID)) }
        }
    }

    private func sendVote(_ vote: SignedVote) {
        let bytes = ConsensusMessage.vote(vote).encoded(chainID: chainID)
        logRecord(.message(bytes))
        if !behaviour.contains(.withholdVotes) { broadcast(bytes) }
        if behaviour.contains(.garbage) { sendGarbage(after: vote) }
        if votes[vote.slot]?.contains(vote) != true { record(vote) }
    }

    private func decide(round: UInt32, blockID: Hash256) {
        guard let (proposalRound, proposal) = proposals.first(where: { $0.value.block.id == blockID }),
              case .valid(let staged) = verdicts[proposalRound] else {
            log("decided \(blockID.hex.prefix(12))… without its valid proposal; waiting for block sync")
            return
        }
        let precommits = votes.values.joined().filter { $0.type == .precommit && $0.round == round && $0.blockID == blockID }
        let certificate = CommitCertificate(height: height, round: round, blockID: blockID, votes: precommits.map(\.certificateVote))
        do {
            // Peers' precommits were signature-checked on arrival; the ledger checks the rest.
            try ledger.commit(staged, certificate: certificate,
                              verifiedVotes: Set(certificate.votes.filter { $0.validator != publicKey }))
        } catch {
            isHalted = true
            log("HALT: cannot commit decided block \(height): \(error)")
            return
        }
        finishHeight(CommittedBlock(block: proposal.block, certificate: certificate), round: round)
    }

    private func finishHeight(_ committed: CommittedBlock, round: UInt32) {
        let block = committed.block
        checkpoint = checkpoint.advanced(by: block, application: application, rules: configuration.rules)
        do { try wal.record(checkpoint: checkpoint) } catch {
            isHalted = true
            log("HALT: \(error)")
            return
        }
        let evidence = block.transactions.compactMap { bytes -> Evidence? in
            guard let tx = try? SignedTransaction(decoding: bytes), case .evidence(let e) = tx.transaction.payload else { return nil }
            return e
        }
        commits.append(CommitRecord(block: committed, round: round, evidence: evidence, blacklist: checkpoint.blacklist.keys))
        log("committed block \(block.height) (\(block.transactions.count) transactions) proposed by \(block.header.proposer.shortHex)… in round \(round)")
        mempool.update(committed: Set(block.transactions.map { Hash256.sha256($0) }), application: application)
        for id in equivocations.keys where application.state.evidence(id) != nil { equivocations[id] = nil }
        syncRequested = syncRequested.filter { $0.key > block.height }
        // Stop the state machine of the finished height; the next starts after the commit timeout.
        machine = RoundStateMachine(height: block.height, validators: application.validators, me: nil,
                                    schedule: checkpoint.schedule, timeouts: configuration.timeouts)
        events.removeAll()
        let next = block.height + 1
        if configuration.timeouts.commitMs == 0 {
            timers.schedule(.startHeight(next), for: publicKey, afterMs: 0)
        } else {
            timers.schedule(.startHeight(next), for: publicKey, afterMs: configuration.timeouts.commitMs)
        }
    }

    // MARK: Sending and logging

    /// Re-sends this node's proposal of the current round and its votes of the current and
    /// previous round, and relays the proposal and prevotes of the polka behind its valid and
    /// locked block, so a proposer that missed that polka learns it (duplicates are ignored).
    private func regossip() {
        let current = machine.round
        if let own = ownProposals[current], !behaviour.contains(.withholdProposals) { broadcast(.proposal(own)) }
        guard !behaviour.contains(.withholdVotes) else { return }
        for vote in ownVotes.values.sorted(by: { ($0.round, $0.type.rawValue) < ($1.round, $1.type.rawValue) })
        where vote.round + 1 >= current {
            broadcast(.vote(vote))
        }
        var polkas: [(UInt32, Hash256)] = []
        if let round = machine.validRound, let block = machine.validBlock { polkas.append((round, block)) }
        if let round = machine.lockedRound, let block = machine.lockedBlock, round != machine.validRound { polkas.append((round, block)) }
        for (round, block) in polkas where round < current {
            if let proposal = proposals[round] { broadcast(.proposal(proposal)) }
            for vote in votes.values.joined().sorted(by: { $0.validator < $1.validator })
            where vote.type == .prevote && vote.round == round && vote.blockID == block {
                broadcast(.vote(vote))
            }
        }
    }

    private func broadcast(_ message: ConsensusMessage) { broadcast(message.encoded(chainID: chainID)) }

    private func broadcast(_ bytes: [UInt8]) {
        for peer in application.validators.members where peer != publicKey { transport.send(bytes, from: publicKey, to: peer) }
    }

    private func send(_ message: ConsensusMessage, to peer: PublicKey) {
        transport.send(message.encoded(chainID: chainID), from: publicKey, to: peer)
    }

    private func sendGarbage(after vote: SignedVote) {
        var random = [UInt8](repeating: 0, count: Int(rng.next() % 200) + 1)
        for i in random.indices { random[i] = UInt8(truncatingIfNeeded: rng.next()) }
        broadcast(random)
        var forged = vote
        forged.round &+= 1
        broadcast(ConsensusMessage.vote(forged).encoded(chainID: chainID))       // bad signature
        var encoded = ConsensusMessage.vote(vote).encoded(chainID: chainID)
        encoded.append(0)
        broadcast(encoded)                                                        // trailing byte
        broadcast(ConsensusMessage.vote(vote).encoded(chainID: "another-chain"))   // wrong chain
    }

    /// `sync: false` for received messages and timeouts: they reach the disk with the next
    /// own signed message (see `WriteAheadLog`).
    private func logRecord(_ record: WriteAheadLog.Record, sync: Bool = true) {
        guard !replaying else { return }
        do { try wal.append(record, sync: sync) } catch {
            isHalted = true
            log("HALT: \(error)")
        }
    }

    private func refuse(_ error: MessageRefusal, from peer: PublicKey) {
        let code: String
        switch error {
        case .oversized: code = "oversized"
        case .unsupportedVersion, .unknownTag, .malformed: code = "malformed"
        case .wrongChain: code = "wrong-chain"
        case .unknownPeer: code = "unknown-peer"
        case .badSignature: code = "bad-signature"
        case .notProposer: code = "not-proposer"
        case .stale: code = "stale"
        }
        refusals[code, default: 0] += 1
        log("refused a message from \(peer.shortHex)…: \(error)")
    }

    func log(_ line: String) { logSink?("[\(publicKey.shortHex) h\(machine.height) r\(machine.round)] \(line)") }
}

/// A block this node committed, with who proposed it (the master), the round, the evidence
/// it carried and the blacklist it leaves for the next block.
public struct CommitRecord: Hashable, Sendable {
    public var block: CommittedBlock
    public var round: UInt32
    public var evidence: [Evidence]
    /// The blacklist after this block (carried by the next block's header).
    public var blacklist: [PublicKey]

    public var height: UInt64 { block.block.height }
    public var proposer: PublicKey { block.block.header.proposer }
}
