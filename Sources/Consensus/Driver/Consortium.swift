import Foundation
import Ledger

/// N validators in one process, each with its own ledger (its own SQLite file under its own
/// home), signing key and write-ahead log, connected by a `SimulatedNetwork` with a virtual
/// clock. This is the real consensus code; only the transport and the clock are in-process.
///
/// ```swift
/// let consortium = try Consortium(genesis: genesis, keys: keys, home: directory)
/// try consortium.submit(tx)                          // gossiped to every mempool
/// let records = try consortium.runUntilCommitted([tx.hash])
/// print(records.last!.proposer, records.last!.evidence)
/// ```
///
/// Node `i` lives in `home/<name>/` (`NodeHome` layout: `chain/<chain-id>/ledger.sqlite`,
/// plus `consensus/<chain-id>/wal`), where `<name>` is the genesis member name of its key.
public final class Consortium {
    public let genesis: Genesis
    /// Sorted by public key.
    public let keys: [SigningKey]
    /// The validators in the order the caller gave them: `state(of:)` and `commitPending()`
    /// number nodes this way.
    public let order: [PublicKey]
    public let home: URL
    public let network: SimulatedNetwork
    public let configuration: ConsensusNode.Configuration
    /// Makes the domain validators of each node's ledger (e.g. the federation's aggregate
    /// check); `EvidenceValidator` is always added.
    let domainValidators: (SigningKey) -> [any DomainValidator]
    public private(set) var nodes: [PublicKey: ConsensusNode] = [:]
    public private(set) var behaviours: [PublicKey: ByzantineBehaviour] = [:]
    private var contributors: [PublicKey: any ProposalContributor] = [:]
    /// Lines logged by every node, oldest first (bounded).
    public private(set) var log: [String] = []
    public var logLimit = 20_000
    public var echoLog = false

    /// Ledgers opened by the caller (e.g. the federation layer's hospital replicas with their
    /// domain validators installed), used instead of opening new ones; a restart after
    /// `crash` reopens the same file with the same domain validators.
    private var providedLedgers: [PublicKey: Ledger] = [:]
    private var ledgerURLs: [PublicKey: URL] = [:]
    private var installedValidators: [PublicKey: [any DomainValidator]] = [:]

    /// Runs consensus over ledgers the caller already opened, one per validator key (each
    /// must be at the same genesis). Write-ahead logs go to `home/<member name>/consensus/`.
    public convenience init(genesis: Genesis, validators: [(key: SigningKey, ledger: Ledger)], home: URL,
                            configuration: ConsensusNode.Configuration? = nil,
                            conditions: NetworkConditions = .reliable, seed: UInt64 = 1) throws {
        try self.init(genesis: genesis, keys: validators.map(\.key), home: home, configuration: configuration,
                      conditions: conditions, seed: seed,
                      provided: Dictionary(uniqueKeysWithValues: validators.map { ($0.key.publicKey, $0.ledger) }))
    }

    /// Opens (or reopens) the consortium; `keys` must be the genesis validators' keys. Each
    /// node's ledger is `home/<member name>/chain/<chain-id>/ledger.sqlite` (`NodeHome`).
    public convenience init(genesis: Genesis, keys: [SigningKey], home: URL,
                            configuration: ConsensusNode.Configuration? = nil,
                            conditions: NetworkConditions = .reliable, seed: UInt64 = 1,
                            domainValidators: @escaping (SigningKey) -> [any DomainValidator] = { _ in [] }) throws {
        try self.init(genesis: genesis, keys: keys, home: home, configuration: configuration, conditions: conditions,
                      seed: seed, provided: [:], domainValidators: domainValidators)
    }

    private init(genesis: Genesis, keys: [SigningKey], home: URL, configuration: ConsensusNode.Configuration?,
                 conditions: NetworkConditions, seed: UInt64, provided: [PublicKey: Ledger],
                 domainValidators: @escaping (SigningKey) -> [any DomainValidator] = { _ in [] }) throws {
        let validators = genesis.validators
        guard Set(keys.map(\.publicKey)) == Set(validators.members) else {
            throw ConsortiumError.keysMismatch("the keys given are not exactly the genesis validators (\(validators.count) validators, \(keys.count) keys)")
        }
        self.genesis = genesis
        self.keys = keys.sorted { $0.publicKey < $1.publicKey }
        order = keys.map(\.publicKey)
        self.home = home
        self.configuration = configuration ?? ConsensusNode.Configuration(timeouts: TimeoutPolicy(genesis: genesis.consensus))
        self.domainValidators = domainValidators
        providedLedgers = provided
        network = SimulatedNetwork(startTime: genesis.genesisTime + 1, conditions: conditions, seed: seed)
        for key in self.keys { try open(key) }
    }

    public var validators: [PublicKey] { keys.map(\.publicKey) }

    /// The directory of the node with `key`.
    public func homeDirectory(of key: PublicKey) -> URL {
        let name = genesis.members.first { $0.publicKey == key }?.name ?? key.shortHex
        return home.appendingPathComponent(name, isDirectory: true)
    }

    private func open(_ key: SigningKey) throws {
        let nodeHome = NodeHome(homeDirectory(of: key.publicKey).path)
        let ledger: Ledger
        if let provided = providedLedgers.removeValue(forKey: key.publicKey) {
            ledger = provided
            ledgerURLs[key.publicKey] = provided.store.url
            installedValidators[key.publicKey] = provided.application.domainValidators.filter { !($0 is EvidenceValidator) }
        } else if let url = ledgerURLs[key.publicKey] {
            ledger = try Ledger(url: url, genesis: genesis)
            ledger.application.domainValidators = installedValidators[key.publicKey] ?? []
        } else {
            ledger = try Ledger(url: nodeHome.databaseURL(genesis.chainID), genesis: genesis)
            ledger.application.domainValidators = domainValidators(key)
        }
        let wal = nodeHome.url.appendingPathComponent("consensus").appendingPathComponent(genesis.chainID).appendingPathComponent("wal")
        let node = try ConsensusNode(key: key, ledger: ledger, walURL: wal, transport: network, timers: network,
                                     configuration: configuration)
        node.behaviour = behaviours[key.publicKey] ?? []
        node.contributor = contributors[key.publicKey]
        node.logSink = { [weak self] line in self?.record(line) }
        nodes[key.publicKey] = node
        network.attach(node)
    }

    /// Nodes may log from several threads (`SimulatedNetwork.concurrentDelivery`).
    private let logLock = NSLock()

    private func record(_ line: String) {
        logLock.withLock {
            if echoLog { print(line) }
            log.append(line)
            if log.count > logLimit { log.removeFirst(log.count - logLimit) }
        }
    }

    public func node(_ key: PublicKey) -> ConsensusNode? { nodes[key] }

    /// Scripts `key`'s node to misbehave (empty: honest).
    public func setBehaviour(_ behaviour: ByzantineBehaviour, for key: PublicKey) {
        behaviours[key] = behaviour
        nodes[key]?.behaviour = behaviour
    }

    /// Lets a higher layer add transactions to `key`'s proposals (kept strongly here).
    public func setContributor(_ contributor: (any ProposalContributor)?, for key: PublicKey) {
        contributors[key] = contributor
        nodes[key]?.contributor = contributor
    }

    public var honestKeys: [PublicKey] { validators.filter { (behaviours[$0] ?? []).isEmpty } }
    var liveHonestNodes: [ConsensusNode] { honestKeys.compactMap { network.isAttached($0) ? nodes[$0] : nil } }

    /// Starts every node that has not started (idempotent).
    public func start() {
        for key in validators where network.isAttached(key) {
            if let node = nodes[key], node.machine.height == 0 { node.start() }
        }
    }

    // MARK: Transactions and blocks

    /// Admits `tx` at the first live honest node, which gossips it to every other mempool.
    /// Throws the rejection when the ledger refuses it.
    public func submit(_ tx: SignedTransaction) throws {
        start()
        guard let entry = liveHonestNodes.first else { throw ConsortiumError.noHonestNode }
        do { try entry.submit(tx) } catch { throw ConsortiumError.rejected(error) }
        pending.append(tx.hash)
    }

    /// Submitted transactions `commitPending()` waits for.
    private var pending: [Hash256] = []

    /// Runs until every transaction submitted since the last call is committed on every live
    /// honest node; returns the last block committed and the index (in `order`) of its
    /// proposer. With nothing pending it commits one block. (The shape of the federation
    /// layer's `TransactionOrdering`.)
    public func commitPending() throws -> (block: CommittedBlock, proposer: Int) {
        let record: CommitRecord
        if pending.isEmpty {
            record = try commitNextBlock()
        } else {
            let records = try runUntilCommitted(pending)
            pending = []
            guard let last = records.last else { throw ConsortiumError.timedOut("no block committed") }
            record = last
        }
        return (record.block, order.firstIndex(of: record.proposer) ?? -1)
    }

    /// The committed state as node `index` (in `order`) sees it.
    public func state(of index: Int) -> WorldState {
        (nodes[order[index]] ?? liveHonestNodes.first!).application.state
    }

    /// The height committed by the first live honest node.
    public var height: UInt64 { liveHonestNodes.first?.application.tip.height ?? 0 }

    /// The next nonce `member` should use, counting transactions waiting in the mempool.
    public func nextNonce(for member: PublicKey) -> UInt64 {
        liveHonestNodes.map { $0.nextNonce(for: member) }.max() ?? 0
    }

    /// Runs the network until every transaction in `hashes` is in a block committed by a live
    /// honest node, then until the other live honest nodes reach that height (or 10 s of
    /// virtual time pass). Returns the blocks committed meanwhile, in height order.
    @discardableResult
    public func runUntilCommitted(_ hashes: [Hash256], timeoutMs: UInt64 = 600_000) throws -> [CommitRecord] {
        start()
        guard let reference = liveHonestNodes.first else { throw ConsortiumError.noHonestNode }
        let before = reference.commits.count
        let wanted = Set(hashes)
        let deadline = network.now + timeoutMs
        let done = network.run(until: deadline) {
            var missing = wanted
            for record in reference.commits.dropFirst(before) {
                for tx in record.block.block.transactions { missing.remove(Hash256.sha256(tx)) }
                if missing.isEmpty { return true }
            }
            return missing.isEmpty
        }
        guard done else {
            throw ConsortiumError.timedOut("\(hashes.count) transactions not all committed after \(timeoutMs) ms of virtual time")
        }
        settle(height: reference.application.tip.height)
        return Array(reference.commits.dropFirst(before))
    }

    /// Runs until one more block is committed (empty if nothing is pending) and returns it.
    @discardableResult
    public func commitNextBlock(timeoutMs: UInt64 = 600_000) throws -> CommitRecord {
        start()
        guard let reference = liveHonestNodes.first else { throw ConsortiumError.noHonestNode }
        let before = reference.commits.count
        // Idle nodes (no empty blocks) start the height: a proposer's contributor may have work.
        for key in validators where network.isAttached(key) { nodes[key]?.wake() }
        guard network.run(until: network.now + timeoutMs, { reference.commits.count > before }) else {
            throw ConsortiumError.timedOut("no block committed after \(timeoutMs) ms of virtual time")
        }
        settle(height: reference.application.tip.height)
        return reference.commits[before]
    }

    /// Lets the other live honest nodes reach `height` (bounded by 10 s of virtual time).
    public func settle(height: UInt64, timeoutMs: UInt64 = 10_000) {
        _ = network.run(until: network.now + timeoutMs) {
            liveHonestNodes.allSatisfy { $0.application.tip.height >= height }
        }
    }

    // MARK: Faults

    /// Stops `key`'s node as a crash would: it loses its memory, keeps its files.
    public func crash(_ key: PublicKey) {
        network.detach(key)
        nodes[key] = nil
    }

    /// Reopens a crashed node from its home (ledger, write-ahead log) and starts it.
    public func restart(_ key: PublicKey) throws {
        guard nodes[key] == nil, let signing = keys.first(where: { $0.publicKey == key }) else { return }
        try open(signing)
        nodes[key]?.start()
    }
}

/// Why the consortium driver could not do what was asked.
public enum ConsortiumError: Error, CustomStringConvertible {
    case keysMismatch(String)
    case rejected(TransactionRejection)
    case timedOut(String)
    case noHonestNode

    public var description: String {
        switch self {
        case .keysMismatch(let why): why
        case .rejected(let rejection): "transaction rejected (\(rejection.code)): \(rejection)"
        case .timedOut(let what): "\(what); check that more than two thirds of the validators are live, honest and connected"
        case .noHonestNode: "no live honest node to talk to"
        }
    }
}
