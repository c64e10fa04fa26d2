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
    /// As master, commits the right aggregate but states half of what the round costs each
    /// dataset in ε (to stretch the datasets' budgets).
    case understateEpsilon = "understate-epsilon"

    /// Whether the behaviour is a master's: it shows only when the hospital proposes.
    public var isLyingMaster: Bool { self == .lyingMaster || self == .understateEpsilon }
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
    /// This node's ledger replica (owned by the consortium's ordering).
    public internal(set) var ledger: Ledger!
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

    init(index: Int, name: String, key: SigningKey, home: URL, genesis: Genesis, train: LabeledData,
         validation: LabeledData, spec: ModelSpec, seed: UInt64) throws {
        self.index = index
        self.name = name
        self.key = key
        self.home = home
        // A real node home (identity key, config, installed genesis), so `medchain chain …`
        // works on it after the demo; the ordering opens the ledger replica inside it.
        let nodeHome = try NodeHome.initialize(at: home.path, name: name, key: key)
        try nodeHome.install(genesis)
        store = try Blockstore(home: home)
        blobs = LocalFirstBlobSource(local: store)
        self.train = train
        self.validation = validation
        model = try Sequential(spec: spec, seed: seed)
        noise = SeededGenerator(seed: seed).derived(0xD1FF_E2E7)
    }

    /// The transaction carrying `payload` with nonce `nonce`, signed by this hospital.
    func sign(_ payload: TransactionPayload, nonce: UInt64, chainID: String) -> SignedTransaction {
        Transaction(chainID: chainID, sender: key.publicKey, nonce: nonce, payload: payload).signed(by: key)
    }
}
