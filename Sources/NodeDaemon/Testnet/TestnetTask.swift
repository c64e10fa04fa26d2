import DataCatalog
import DataSets
import Federation
import Foundation
import Ledger
import UnixSignals

/// `medchain testnet --task`: issue 6's federated task across a testnet's node processes.
///
/// `prepare` gives each node the demo's Dirichlet share of a MedMNIST `.npz` (written as
/// `node-i/share.npz` and named in its `node.json`'s `participant.data`, so the node process
/// loads it at start). Each node's `FederatedParticipant` registers its share; `publishAndFollow`
/// then publishes the task with the client key, and reports each round as its aggregate commits.
public enum TestnetTask {
    public static let shareFileName = "share.npz"

    /// One node's share, as `prepare` wrote it.
    public struct Share: Sendable {
        public var node: String
        public var train: Int
        public var validation: Int
        public var labelCounts: [Int]
    }

    /// Partitions `demo.dataPath` as `medchain demo` does (Dirichlet(α) label skew, each node
    /// keeping a fraction) over the testnet's nodes, writes the shares and points every
    /// `node.json` at its own. Returns the task to publish (the demo's recipe, model from the
    /// data) and the shares.
    public static func prepare(layout: TestnetLayout, demo: DemoConfiguration) throws -> (FederatedTaskConfig, [Share]) {
        var demo = demo
        demo.hospitals = layout.nodes.count
        let splits = try loadDataset(path: demo.dataPath, labelColumn: demo.labelColumn, seed: demo.seed)
        guard let validation = splits.validation else { throw TestnetError("\(demo.dataPath) has no validation split; the nodes need one to check updates") }
        let consortium = ConsortiumDemo(configuration: demo)
        let parts = try consortium.partition(splits.train, validation: validation)
        var shares: [Share] = []
        for (node, part) in zip(layout.nodes, parts) {
            let home = URL(fileURLWithPath: node.home)
            try Data(try npz(train: part.train, validation: part.validation)).write(to: home.appendingPathComponent(shareFileName))
            var configuration = try NodeConfiguration.load(home: home)
            configuration.participant = NodeConfiguration.Participant(data: shareFileName, epsilonBudget: demo.epsilonBudget,
                                                                        classes: splits.train.classCount)
            try configuration.write(to: home.appendingPathComponent(NodeConfiguration.fileName))
            shares.append(Share(node: node.name, train: part.train.count, validation: part.validation.count,
                                labelCounts: part.train.labelCounts))
        }
        let config = try consortium.taskConfig(spec: consortium.modelSpec(for: splits.train))
            .resolvingClientNoise(hospitals: layout.nodes.count)
        try config.validate(hospitals: layout.nodes.count)
        return (config, shares)
    }

    /// A MedMNIST-layout archive (`train_images`/`train_labels`, `val_*`) of grey-scale images
    /// in [0, 1]: pixels are written back as round(x·255), which `MedMNIST.load` maps to the
    /// same Float values (x = p/255 correctly rounded).
    public static func npz(train: LabeledData, validation: LabeledData) throws -> [UInt8] {
        func arrays(_ data: LabeledData, _ prefix: String) throws -> [NPZWriter.Array] {
            let shape = data.exampleShape
            guard shape.count == 3, shape[0] == 1 else {
                throw TestnetError("shares are written as grey-scale MedMNIST images; this data has examples of shape \(shape)")
            }
            let pixels = data.features.storage.map { UInt8(clamping: Int(($0 * 255).rounded())) }
            return [.uint8("\(prefix)_images", shape: [data.count, shape[1], shape[2]], pixels),
                    .uint8("\(prefix)_labels", shape: [data.count, 1], data.labels.map { UInt8(clamping: $0) })]
        }
        return NPZWriter.archive(try arrays(train, "train") + arrays(validation, "val"))
    }

    /// Waits until every node's share is registered, publishes `config` over them with the
    /// client key (at node 0), and calls `progress` for each round as its aggregate commits.
    /// Returns the finished task as every node sees it, after checking that all nodes hold the
    /// same aggregates.
    public static func publishAndFollow(layout: TestnetLayout, client: SigningKey, config: FederatedTaskConfig,
                                        timeoutSeconds: Double = 1_800, progress: (String) -> Void,
                                        round: (FederationView.Aggregate) -> Void) async throws -> (FederationView.Task, UInt64) {
        let deadline = Date().addingTimeInterval(timeoutSeconds)
        let first = layout.nodes[0]
        func view(_ node: TestnetLayout.Node) async throws -> FederationView {
            try await StatusClient.withConnection(host: node.status.host, port: node.status.port) {
                try await $0.get("/federation", as: FederationView.self)
            }
        }
        func poll<T>(_ what: String, _ body: () async throws -> T?) async throws -> T {
            while true {
                if let value = try? await body() { return value }
                guard Date() < deadline else { throw TestnetError("timed out after \(Int(timeoutSeconds)) s waiting for \(what)") }
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        let datasets = try await poll("every node to register its share") { () -> [String]? in
            let owned = Dictionary(try await view(first).datasets.map { ($0.owner, $0.cid) }, uniquingKeysWith: { a, _ in a })
            let cids = layout.nodes.compactMap { owned[$0.name] }
            return cids.count == layout.nodes.count ? cids : nil
        }
        progress("datasets registered: \(zip(layout.nodes, datasets).map { "\($0.name) \($1.prefix(16))…" }.joined(separator: ", "))")
        let schema = DatasetManifest.schema(exampleShape: config.modelSpec.inputShape, classes: config.modelSpec.classCount)
        let hash = try await StatusClient.withConnection(host: first.status.host, port: first.status.port) { http -> String in
            struct Nonce: Decodable { var nonce: UInt64 }
            let nonce = try await http.get("/nonce/\(client.publicKey.hex)", as: Nonce.self).nonce
            let tx = Transaction(chainID: layout.chainID, sender: client.publicKey, nonce: nonce,
                                 payload: .publishTask(config.publishTask(datasets: datasets, datasetSchema: schema))).signed(by: client)
            let reply = try await http.request("POST", "/tx", body: tx.bytes)
            guard reply.status == 202 else { throw TestnetError("\(first.name) refused the task: HTTP \(reply.status) \(reply.text)") }
            return tx.hash.hex
        }
        progress("task \(hash.prefix(16))… published: \(config.rounds) rounds, \(config.aggregation), \(config.modelSpec.architecture)")
        var reported = 0
        let finished = try await poll("the task's \(config.rounds) rounds") { () -> FederationView.Task? in
            guard let task = try await view(first).tasks.first(where: { $0.id == hash }) else { return nil }
            for aggregate in task.aggregates.dropFirst(reported) { round(aggregate) }
            reported = max(reported, task.aggregates.count)
            return task.finished ? task : nil
        }
        // Every node holds the same aggregates (they commit the same blocks; a lagging one catches up).
        let height = try await poll("every node to hold the task's aggregates") { () -> UInt64? in
            var heights: [UInt64] = []
            for node in layout.nodes {
                let v = try await view(node)
                guard v.tasks.first(where: { $0.id == hash })?.aggregates.map(\.modelCID) == finished.aggregates.map(\.modelCID) else { return nil }
                heights.append(v.height)
            }
            return heights.min()
        }
        return (finished, height)
    }
}

extension TestnetSupervisor {
    /// Starts every node, runs `body`, and stops them all when it returns or throws. On
    /// SIGINT/SIGTERM meanwhile, stops them all and exits the process with status 130.
    public func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        do { try startAll() } catch {
            stopAll()
            throw error
        }
        let watcher = Task {
            for await _ in signals {
                self.stopAll()
                exit(130)
            }
        }
        defer {
            watcher.cancel()
            stopAll()
        }
        return try await body()
    }
}
