import ArgumentParser
import Federation
import Foundation
import NodeDaemon

/// `medchain testnet --task`: run issue 6's federated task across the testnet's processes.
struct TestnetTaskOptions: ParsableArguments {
    @Flag(help: "Give each node a Dirichlet share of --data, start the nodes, publish a federated task, print each round as it commits, then stop.")
    var task = false

    @Option(help: "Rounds of the task (with --task).")
    var rounds = 3

    @Option(help: "MedMNIST .npz to share between the nodes (with --task).")
    var data = "Data/pneumoniamnist-balanced.npz"

    @Option(help: "Dirichlet α of the label skew (with --task).")
    var alpha = 0.5

    @Option(help: "Seed of the partition and the task (with --task).")
    var seed: UInt64 = 1

    @Option(help: "Differential privacy of the task: none, sample (DP-SGD at each node) or client (DP-FedAvg) (with --task).")
    var dp = "none"

    @Option(help: "Target total ε for --dp (with --task).")
    var epsilon: Double?

    func validate() throws {
        guard let mode = FederatedPrivacy.Mode(rawValue: dp) else { throw ValidationError("--dp must be none, sample or client") }
        if mode != .none && epsilon == nil { throw ValidationError("--dp \(dp) needs --epsilon") }
        if mode == .none && epsilon != nil { throw ValidationError("--epsilon needs --dp sample or --dp client") }
        if let epsilon, !(epsilon > 0 && epsilon.isFinite) { throw ValidationError("--epsilon must be a positive number") }
    }

    func run(layout: TestnetLayout, directory: URL) async throws {
        var demo = DemoConfiguration()
        demo.dataPath = data
        demo.rounds = rounds
        demo.alpha = alpha
        demo.seed = seed
        demo.serverOptimizer = .fedAvg(learningRate: 1)
        demo.privacy.mode = FederatedPrivacy.Mode(rawValue: dp) ?? .none
        demo.privacy.targetEpsilon = epsilon
        let started = Date()
        do {
            let (config, shares) = try TestnetTask.prepare(layout: layout, demo: demo)
            for share in shares {
                print("\(share.node): \(share.train) training images (labels \(share.labelCounts)), \(share.validation) validation")
            }
            let client = try TestnetLayout.clientKey(at: directory)
            let supervisor = TestnetSupervisor(layout: layout, executable: TestnetSupervisor.currentExecutable())
            supervisor.onExit = { line in FileHandle.standardError.write(Data("testnet: \(line)\n".utf8)) }
            print("starting \(layout.nodes.count) nodes (logs in node-i/node.log)")
            fflush(nil)
            let (task, height) = try await supervisor.run {
                try await TestnetTask.publishAndFollow(layout: layout, client: client, config: config, progress: { line in
                    print(line)
                    fflush(nil)
                }, round: { a in
                    let elapsed = String(format: "%.1f", Date().timeIntervalSince(started))
                    let privacy = a.epsilon > 0 ? "  ε +\(String(format: "%.3f", a.epsilon))" : ""
                    print("round \(a.round)  master \(a.master)  accepted \(a.accepted.count)/\(a.submitted) [\(a.accepted.joined(separator: " "))]\(privacy)  model \(a.modelCID)  t=\(elapsed) s")
                    fflush(nil)
                })
            }
            print("task \(task.id.prefix(16))… finished: \(task.aggregates.count) rounds; every node holds the same models; chain height \(height); \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
        } catch { throw LedgerCLIError(error) }
        print("testnet stopped")
    }
}
