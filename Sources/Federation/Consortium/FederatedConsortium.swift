import ContentStore
import DataCatalog
import DataSets
import Foundation
import Ledger
import Learning
import Paillier
import Tensor

/// A consortium of hospitals in one process, each with its own keys, encrypted store and ledger
/// replica, connected through a `TransactionOrdering` (the consensus seam) and in-process blob
/// fetching (the network seam). The demo and the tests run the real code paths through it.
public final class FederatedConsortium {
    /// One hospital's private data.
    public struct Share {
        public var name: String
        public var train: LabeledData
        public var validation: LabeledData

        public init(name: String, train: LabeledData, validation: LabeledData) {
            self.name = name
            self.train = train
            self.validation = validation
        }
    }

    /// How blocks are ordered.
    public enum Ordering: String, Sendable, CaseIterable {
        /// Hospital 1 is the only validator (a quorum of one); the others replicate and verify.
        case single
        /// Every hospital is a validator; Tendermint-style BFT with reputation-weighted masters.
        case bft
    }

    public let chainID: String
    public let hospitals: [HospitalNode]
    /// The member that publishes tasks and, with homomorphic encryption, holds the Paillier
    /// private key. It never aggregates and sees only the decrypted sum of a round; a later
    /// issue splits the key between several holders (threshold Paillier).
    public let publisher: SigningKey
    /// The publisher's own store (its public key, decrypted sums).
    public let officeStore: Blockstore
    public private(set) var homomorphicKey: PaillierPrivateKey?
    public let ordering: any TransactionOrdering
    public let clock: ManualClock
    public let timing = PhaseTiming()
    /// Each hospital's aggregate recomputation, installed in its ledger.
    let verifiers: [PublicKey: AggregateVerifier]
    /// Initial reputation points of every member.
    public static let initialReputation: Int64 = 500

    /// Creates node homes under `directory`, the genesis, the replicas and the ordering.
    public init(directory: URL, shares: [Share], spec: ModelSpec, seed: UInt64, ordering kind: Ordering = .bft,
                chainID: String = "medchain-demo") throws {
        self.chainID = chainID
        clock = ManualClock(milliseconds: 1_767_225_600_000)  // virtual time: 2026-01-01
        var rng = SeededGenerator(seed: seed).derived(0x6E0DE)
        func key() throws -> SigningKey {
            try SigningKey(seed: (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next()) })
        }
        let keys = try shares.map { _ in try key() }
        publisher = try key()
        var members = shares.enumerated().map { i, share in
            Genesis.Member(name: share.name, publicKey: keys[i].publicKey,
                           roles: kind == .bft || i == 0 ? [.validator, .trainer, .auditor] : [.trainer, .auditor],
                           reputation: Self.initialReputation)
        }
        members.append(Genesis.Member(name: "consortium-office", publicKey: publisher.publicKey,
                                      roles: [.taskPublisher, .auditor], reputation: Self.initialReputation))
        let genesis = Genesis(chainID: chainID, genesisTime: clock.now(), members: members)
        let office = directory.appendingPathComponent("consortium-office")
        try NodeHome.initialize(at: office.path, name: "consortium-office", key: publisher).install(genesis)
        officeStore = try Blockstore(home: office)
        hospitals = try shares.enumerated().map { i, share in
            try HospitalNode(index: i, name: share.name, key: keys[i],
                             home: directory.appendingPathComponent(share.name), genesis: genesis,
                             train: share.train, validation: share.validation, spec: spec, seed: seed &+ UInt64(i) &* 7919)
        }
        // Each update stays durable in the store of the hospital that made it; the master and
        // the validators fetch (hash-checked) bytes to aggregate and re-check, without writing
        // copies. `chain verify` later fetches from the same peers.
        var verifiers: [PublicKey: AggregateVerifier] = [:]
        for node in hospitals {
            let peers = hospitals.filter { $0 !== node }.map(\.store) + [officeStore]
            node.blobs = LocalFirstBlobSource(local: node.store, peers: peers, keepsFetched: false)
            verifiers[node.key.publicKey] = AggregateVerifier(blobs: node.blobs)
        }
        self.verifiers = verifiers
        switch kind {
        case .single:
            let ledgers = try hospitals.map { node -> Ledger in
                let ledger = try NodeHome(node.home.path).openLedger(chainID: chainID)
                ledger.application.domainValidators = [verifiers[node.key.publicKey]!]
                return ledger
            }
            ordering = SingleValidatorOrdering(ledgers: ledgers, validatorKey: keys[0], validatorIndex: 0, clock: clock)
        case .bft:
            ordering = try BFTOrdering(genesis: genesis, keys: keys, home: directory, seed: seed) { key in
                verifiers[key.publicKey].map { [$0] } ?? []
            }
        }
        for (i, node) in hospitals.enumerated() { node.ledger = ordering.ledger(of: i) }
    }

    /// The reference replica (hospital 1's).
    public var state: WorldState { ordering.ledger(of: 0).application.state }

    /// Signs `payload` as `node` with its next nonce and queues it.
    ///
    /// - Parameter measured: charge the time to the ledger phase; false when the caller runs
    ///   it off the round's thread and accounts for the wait itself (`UploadPipeline`).
    @discardableResult
    func submit(_ payload: TransactionPayload, from node: HospitalNode, measured: Bool = true) throws -> SignedTransaction {
        let tx = node.sign(payload, nonce: ordering.nextNonce(for: node.key.publicKey), chainID: chainID)
        if measured { try timing.measure(\.ledger) { try ordering.submit(tx) } } else { try ordering.submit(tx) }
        return tx
    }

    /// Tells every node that `node` stored `update` as `cid`. The other nodes start fetching and
    /// decoding it for the aggregate check, as they would when the update's transaction reaches
    /// them by gossip while later hospitals still train (the in-process network only delivers
    /// once the round's consensus runs); `node` keeps the update it encoded.
    func announce(_ update: ModelUpdate, cid: String, from node: HospitalNode) {
        for peer in hospitals {
            guard let verifier = verifiers[peer.key.publicKey] else { continue }
            if peer === node { verifier.adopt(ownUpdate: update, cid: cid) } else { verifier.prefetch(cid) }
        }
    }

    /// Tells every node that a round's updates are all submitted: each computes, at idle
    /// priority, the aggregate of all of them (`AggregateVerifier.speculate`), which its check
    /// of the master's block uses if the block names exactly those updates.
    func speculate(task: Hash256, round: UInt32, previousModelCID: String?, updates: [(cid: String, sampleCount: UInt64)]) {
        guard let spec = state.task(task)?.spec else { return }
        for peer in hospitals {
            verifiers[peer.key.publicKey]?.speculate(task: task, round: round, spec: spec,
                                                     previousModelCID: previousModelCID, updates: updates)
        }
    }

    /// Commits everything queued; returns the committed blocks.
    @discardableResult
    func commit() throws -> [OrderedBlock] {
        try timing.measure(\.ledger) {
            clock.advance(by: 1000)
            return try ordering.commitPending()
        }
    }

    /// Every hospital stores its share (as a MedMNIST `.npz` or CSV plus a manifest) in its own
    /// store and registers the manifest's CID with an ε budget. Only the manifest CID and counts
    /// go on the ledger.
    public func registerDatasets(classNames: [String], epsilonBudget: Double) throws {
        guard let budget = Epsilon(epsilonBudget) else { throw FederationError("invalid ε budget \(epsilonBudget)") }
        for node in hospitals {
            let (manifest, cid) = try timing.measure(\.store) {
                try DatasetImporter.importSplits(["train": node.train, "validation": node.validation],
                                                 classNames: classNames, into: node.store)
            }
            node.datasetCID = cid
            try submit(.registerDataset(RegisterDataset(
                manifestCID: cid, schema: manifest.schema, recordCount: UInt64(manifest.recordCount),
                labelCounts: manifest.labelCounts.map(UInt64.init), epsilonBudget: budget)), from: node)
        }
        try commit()
    }

    /// The publisher makes a Paillier key pair and stores the public key (JWK) for the hospitals.
    ///
    /// By default it is a subgroup key (docs/paillier.md, "Subgroup keys"): the JWK carries the
    /// mask base the hospitals' encryptors must use, and the office decrypts the sums with
    /// 256-bit instead of 1,024-bit exponents. `subgroup: false` makes a standard key.
    /// - Returns: the public key's CID.
    public func makeHomomorphicKey(bits: Int = 2048, subgroup: Bool = true) throws -> String {
        let key = timing.measure(\.crypto) {
            subgroup ? PaillierPrivateKey.generate(bits: bits, subgroupBits: nil) : PaillierPrivateKey.generate(bits: bits)
        }
        homomorphicKey = key
        let jwk = PaillierJWK.encode(publicKey: key.publicKey, kid: "medchain-office")
        return try timing.measure(\.store) { try officeStore.put(bytes: Array(jwk.utf8)).root.description }
    }

    /// Publishes a task over every hospital's dataset; returns the task ID.
    public func publish(_ config: FederatedTaskConfig) throws -> Hash256 {
        let schema = DatasetManifest.schema(exampleShape: config.modelSpec.inputShape, classes: config.modelSpec.classCount)
        return try commitAsPublisher(.publishTask(config.publishTask(datasets: hospitals.map(\.datasetCID), datasetSchema: schema)))
    }

    /// The publisher closes a task early; the block also carries anything still pending (the
    /// updates of a round whose aggregate the ledger would refuse).
    public func close(_ closure: CloseTask) throws {
        _ = try commitAsPublisher(.closeTask(closure))
    }

    /// Signs `payload` with the publisher's key, submits it and commits; returns its hash.
    func commitAsPublisher(_ payload: TransactionPayload) throws -> Hash256 {
        let tx = Transaction(chainID: chainID, sender: publisher.publicKey, nonce: ordering.nextNonce(for: publisher.publicKey),
                             payload: payload).signed(by: publisher)
        try timing.measure(\.ledger) { try ordering.submit(tx) }
        try commit()
        return tx.hash
    }
}
