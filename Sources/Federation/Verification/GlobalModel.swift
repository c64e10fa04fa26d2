import ContentStore
import Foundation
import Learning
import Tensor

/// The global model of a task after a round, with the server optimiser's state: everything
/// needed to compute the next round's model.
public struct GlobalModel: Sendable {
    /// Rounds aggregated so far (0 = the initial model).
    public var round: Int
    public var parameters: [Float]
    public var serverState: ServerOptimizer.State

    /// The initial model every node derives from the task: `Sequential(spec, seed)`.
    public static func initial(_ config: FederatedTaskConfig) throws -> GlobalModel {
        let model = try Sequential(spec: config.modelSpec, seed: config.seed, workerCount: 1)
        let parameters = model.flatParameters()
        return GlobalModel(round: 0, parameters: parameters, serverState: .init(count: parameters.count))
    }

    /// The next global model: aggregate the updates with the task's rule and apply the server
    /// optimiser. A pure function of its inputs, so master and validators agree bit for bit.
    public func next(updates: [WeightedUpdate], config: FederatedTaskConfig,
                     workers: Int = Parallel.coreCount) throws -> (GlobalModel, AggregateResult) {
        let result = try Aggregator.aggregate(updates, rule: config.aggregation, workers: workers)
        return (applying(delta: result.delta, config: config), result)
    }

    /// The next global model from an already averaged delta (the homomorphic path decrypts the
    /// integer sums and averages them with `Aggregator.mean`).
    public func applying(delta: [Float], config: FederatedTaskConfig) -> GlobalModel {
        let (parameters, state) = config.serverOptimizer.applied(delta: delta, to: parameters, state: serverState)
        return GlobalModel(round: round + 1, parameters: parameters, serverState: state)
    }

    /// The model as a safetensors blob (PyTorch `state_dict` names, spec in the metadata): the
    /// bytes whose CID a `CommitAggregate` carries.
    ///
    /// - Parameter metadata: extra entries (the homomorphic path records the CIDs of the
    ///   encrypted and decrypted sums the model was computed from).
    public func blob(spec: ModelSpec, metadata: [String: String] = [:]) throws -> [UInt8] {
        try ModelFile.bytes(spec: spec, parameters: parameters, metadata: metadata.merging(["medchain.round": String(round)]) { $1 })
    }

    /// The CID `ipfs add` would print for `blob(spec:metadata:)`, computed without writing the
    /// blob: every validator hashes a model each round and has no use for its bytes.
    ///
    /// The file is the safetensors header followed by the parameters as little-endian
    /// `Float32`s, so past its first chunk (the header and the first parameters, copied into
    /// one chunk-sized buffer) it is the parameters' own memory, hashed where it lies.
    /// - Parameter workers: threads hashing the chunks (1: the calling thread only).
    public func cid(spec: ModelSpec, metadata: [String: String] = [:], workers: Int = UnixFSImporter.defaultWorkerCount) throws -> String {
        let header = try ModelFile.header(spec: spec, parameterCount: parameters.count,
                                          metadata: metadata.merging(["medchain.round": String(round)]) { $1 })
        let importer = UnixFSImporter(workerCount: workers)
        let chunk = importer.options.chunkSize
        let total = header.count + 4 * parameters.count
        guard Int(1).littleEndian == 1, total > chunk, header.count < chunk else {
            return try Self.cid(ofBlob: blob(spec: spec, metadata: metadata))
        }
        let first = [UInt8](unsafeUninitializedCapacity: chunk) { out, initialized in
            _ = out.initialize(from: header)
            parameters.withUnsafeBytes { raw in
                UnsafeMutableRawBufferPointer(start: out.baseAddress! + header.count, count: chunk - header.count)
                    .copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[..<(chunk - header.count)]))
            }
            initialized = chunk
        }
        return try first.withUnsafeBytes { head in
            try parameters.withUnsafeBytes { raw in
                try importer.cid(ofPieces: [head, UnsafeRawBufferPointer(rebasing: raw[(chunk - header.count)...])])
            }
        }.description
    }

    /// The CID `ipfs add` (and `Blockstore.put`) gives `blob`, computed without storing it.
    public static func cid(ofBlob blob: [UInt8]) throws -> String {
        try blob.withUnsafeBytes { try UnixFSImporter().cid(ofBytes: $0) }.description
    }

    /// Metadata keys of a homomorphically aggregated model.
    public static let encryptedSumKey = "medchain.he_encrypted_sum"
    public static let decryptedSumsKey = "medchain.he_decrypted_sums"
}
