import ContentStore
import DataSets
import Foundation
import Ledger
import Learning
import Tensor

/// How a hospital behaves in a simulation. Everything but `.honest` is an attack the checks,
/// reputation and verification must catch.
public enum HospitalBehaviour: String, Sendable, CaseIterable {
    case honest
    /// Sends the negated update, scaled up (a model-poisoning classic).
    case signFlip = "sign-flip"
    /// Sends its update multiplied by 10 and skips clipping.
    case scale
    /// Sends Gaussian noise with the norm of an honest update.
    case noise
    /// As master, commits an aggregate that does not match the updates.
    case lyingMaster = "lying-master"
}

/// One hospital: its identity, encrypted blockstore, ledger replica and private data.
///
/// Raw data (`train`, `validation`) never leaves this object: only updates (quantised deltas)
/// and manifests go into the store, and only CIDs and counts into transactions.
public final class HospitalNode {
    public let index: Int
    public let name: String
    public let key: SigningKey
    public let home: URL
    public let store: Blockstore
    public let ledger: Ledger
    /// Where this node reads blobs from: its own store first, then its peers'.
    public internal(set) var blobs: LocalFirstBlobSource
    public let train: LabeledData
    public let validation: LabeledData
    public internal(set) var datasetCID = ""
    public var behaviour: HospitalBehaviour = .honest
    /// The working model for local training (its parameters are overwritten each round).
    let model: Sequential
    /// Private randomness (DP noise, random subsets, attack noise); never shared.
    var noise: SeededGenerator
    var pendingTransactions: UInt64 = 0

    init(index: Int, name: String, key: SigningKey, home: URL, genesis: Genesis, train: LabeledData,
         validation: LabeledData, spec: ModelSpec, seed: UInt64) throws {
        self.index = index
        self.name = name
        self.key = key
        self.home = home
        // A real node home (identity key, config, installed genesis), so `medchain chain …`
        // works on it after the demo.
        let nodeHome = try NodeHome.initialize(at: home.path, name: name, key: key)
        try nodeHome.install(genesis)
        store = try Blockstore(home: home)
        ledger = try nodeHome.openLedger(chainID: genesis.chainID)
        blobs = LocalFirstBlobSource(local: store)
        self.train = train
        self.validation = validation
        model = try Sequential(spec: spec, seed: seed)
        noise = SeededGenerator(seed: seed).derived(0xD1FF_E2E7)
    }

    /// Signs `payload` with the next nonce (committed nonce plus transactions still queued).
    func sign(_ payload: TransactionPayload) -> SignedTransaction {
        let state = ledger.application.state
        let nonce = (state.member(key.publicKey)?.nonce ?? 0) + pendingTransactions
        pendingTransactions += 1
        return Transaction(chainID: ledger.chainID, sender: key.publicKey, nonce: nonce, payload: payload).signed(by: key)
    }

    /// Called after each committed block: queued transactions are now in the committed nonce.
    func blockCommitted() { pendingTransactions = 0 }
}
