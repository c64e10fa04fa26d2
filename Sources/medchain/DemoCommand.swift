import ArgumentParser
import Federation
import Foundation
import Learning

/// `medchain demo`: a consortium of hospitals trains on real chest X-rays through the ledger.
struct DemoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Simulate a hospital consortium: local-only vs federated (on the ledger) vs personalised vs pooled.")

    @Option(help: "Dataset: a MedMNIST .npz or a CSV (with --label).") var data = "Data/pneumoniamnist-balanced.npz"
    @Option(help: "CSV label column.") var label: String?
    @Option(help: "Number of hospitals.") var hospitals = 4
    @Option(help: "Federated rounds.") var rounds = 20
    @Option(help: "Dirichlet α of the label skew across hospitals.") var alpha = 0.5
    @Option(help: "Fraction of each hospital's share it keeps (data scarcity).") var fraction = 0.25
    @Option(name: .customLong("local-epochs"), help: "Local epochs per round.") var localEpochs = 1
    @Option(name: .customLong("clients-per-round"), help: "Hospitals training each round (0 = all), drawn with the seed.")
    var clientsPerRound = 0
    @Option(help: "Personalisation: finetune (all layers) or fedper (federated layers kept, last layer local).")
    var personalization = "finetune"
    @Option(help: "Aggregator: fedavg, fedprox, median, trimmed-mean[:T], multi-krum[:F[:M]].") var aggregator = "fedavg"
    @Option(help: "Server optimiser: fedavg, fedavgm, fedadam.") var server = "fedavgm"
    @Option(help: "Differential privacy: none, sample (DP-SGD) or client (DP-FedAvg).") var dp = "none"
    @Option(help: "Target total ε for --dp.") var epsilon: Double?
    @Option(name: .customLong("epsilon-budget"), help: "ε budget registered per dataset.") var epsilonBudget = 100.0
    @Flag(help: "Encrypt updates with packed Paillier; only the sum is decrypted.") var he = false
    @Option(help: "Share only this fraction of the parameters each round (top-k).") var partial = 1.0
    @Option(help: "Number of malicious hospitals (default: 1 with --attack, else 0).") var malicious: Int?
    @Option(help: "Attack: sign-flip, scale, noise, lying-master, understate-epsilon (with --dp) (default with --malicious: sign-flip).")
    var attack: String?
    @Option(help: "Seed.") var seed: UInt64 = 1
    @Option(help: "Consensus: bft (every hospital a validator) or single (hospital 1 the only validator).")
    var consensus = "bft"
    @Option(help: "Write the JSON report here.") var json: String?
    @Option(help: "Write a Markdown report with SVG plots into this folder.") var report: String?
    @Option(help: "Keep the node homes (chains, stores) here for `chain verify` afterwards.") var home: String?

    /// Naming an attack without a count makes one hospital the attacker (`--attack
    /// lying-master` alone used to run an honest demo without saying so).
    var maliciousCount: Int { malicious ?? (attack == nil ? 0 : 1) }
    var attackName: String { attack ?? "sign-flip" }

    func validate() throws {
        guard hospitals >= 2 else { throw ValidationError("--hospitals must be at least 2") }
        guard rounds >= 1 else { throw ValidationError("--rounds must be at least 1") }
        guard alpha > 0 else { throw ValidationError("--alpha must be positive") }
        guard fraction > 0 && fraction <= 1 else { throw ValidationError("--fraction must be in (0, 1]") }
        guard AggregationRule(aggregator) != nil else { throw ValidationError("unknown --aggregator \(aggregator)") }
        guard ServerOptimizer(server) != nil else { throw ValidationError("unknown --server \(server)") }
        guard FederatedPrivacy.Mode(rawValue: dp) != nil else { throw ValidationError("--dp must be none, sample or client") }
        if dp != "none" && epsilon == nil { throw ValidationError("--dp \(dp) needs --epsilon") }
        if dp == "none" && epsilon != nil { throw ValidationError("--epsilon needs --dp sample or --dp client") }
        guard localEpochs >= 1 else { throw ValidationError("--local-epochs must be at least 1") }
        guard partial > 0 && partial <= 1 else { throw ValidationError("--partial must be in (0, 1]") }
        guard HospitalBehaviour(rawValue: attackName) != nil, attackName != "honest" else {
            throw ValidationError("--attack must be sign-flip, scale, noise, lying-master or understate-epsilon")
        }
        if attackName == "understate-epsilon" && dp == "none" {
            throw ValidationError("--attack understate-epsilon needs --dp sample or --dp client: without DP there is no ε to understate")
        }
        guard maliciousCount >= 0 && maliciousCount < hospitals else { throw ValidationError("--malicious must be in 0..<hospitals") }
        guard FederatedConsortium.Ordering(rawValue: consensus) != nil else { throw ValidationError("--consensus must be bft or single") }
        guard DemoConfiguration.Personalization(rawValue: personalization) != nil else {
            throw ValidationError("--personalization must be finetune or fedper")
        }
        guard clientsPerRound >= 0 && clientsPerRound <= hospitals else { throw ValidationError("--clients-per-round must be in 0...hospitals") }
        if he && partial < 1 { throw ValidationError("--he sums dense updates; it cannot be combined with --partial") }
    }

    func run() throws {
        var c = DemoConfiguration()
        c.dataPath = data
        c.labelColumn = label
        c.hospitals = hospitals
        c.rounds = rounds
        c.alpha = alpha
        c.keepFraction = fraction
        c.localEpochs = localEpochs
        c.aggregation = AggregationRule(aggregator)!
        c.serverOptimizer = ServerOptimizer(server)!
        c.privacy.mode = FederatedPrivacy.Mode(rawValue: dp)!
        c.privacy.targetEpsilon = epsilon
        c.privacy.homomorphic = he
        c.privacy.partialFraction = partial
        c.epsilonBudget = epsilonBudget
        c.malicious = maliciousCount
        c.attack = HospitalBehaviour(rawValue: attackName)!
        c.seed = seed
        c.ordering = FederatedConsortium.Ordering(rawValue: consensus)!
        c.personalization = DemoConfiguration.Personalization(rawValue: personalization)!
        c.clientsPerRound = clientsPerRound
        c.home = home.map { URL(fileURLWithPath: $0) }
        let result = try CLIError.reporting {
            try ConsortiumDemo(configuration: c).run { event in
                switch event {
                case let .partitioned(shares):
                    print("MedChain demo: \(shares.count) hospitals, \(data), Dirichlet(α = \(alpha)) label skew, seed \(seed)")
                    for s in shares { print("  \(s.name): \(s.train) training images, labels \(s.labels)") }
                case let .baseline(text):
                    print(text)
                case let .round(r):
                    let rejected = r.rejected.isEmpty ? "" : "  rejected \(r.rejected.joined(separator: ","))"
                    let evidence = r.evidence.isEmpty ? "" : "  EVIDENCE \(r.evidence.joined(separator: "; "))"
                    let barred = r.blacklist.isEmpty ? "" : "  blacklist \(r.blacklist.joined(separator: ","))"
                    print("round \(r.round)/\(rounds)  master \(r.master)  accepted \(r.accepted.count)\(rejected)\(evidence)\(barred)  val AUC \(format(r.validationAUC ?? 0, 3))  test AUC \(format(r.auc, 3))  ε \(format(r.epsilon, 2))  \(format(r.seconds, 2)) s")
                case let .verified(chain):
                    print("chain verify: \(chain.verified ? "OK" : "FAILED: \(chain.problem ?? "")") (height \(chain.height), \(chain.transactions) transactions)")
                }
                fflush(nil)
            }
        }
        if let stop = result.stopped {
            print("task closed on the chain before round \(stop.round) (\(stop.reason)): \(stop.detail)")
        }
        printTable(result)
        if let json { try CLIError.reporting { try writeJSON(result, to: json) } }
        if let report { try CLIError.reporting { try DemoMarkdown.write(result, to: URL(fileURLWithPath: report)) } }
    }

    func printTable(_ r: DemoReport) {
        func cell(_ s: DemoReport.Score) -> String { "\(format(s.accuracy, 3)) / \(format(s.auc, 3))" }
        func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
        print("")
        print(pad("hospital", 14) + pad("train", 7) + pad("labels", 12) + pad("local ACC/AUC", 17) + pad("federated", 17) + "personalised")
        for h in r.hospitals {
            print(pad(h.name, 14) + pad("\(h.trainSize)", 7) + pad("\(h.labelCounts)", 12) + pad(cell(h.local), 17)
                  + pad(cell(h.federated), 17) + cell(h.personalized))
        }
        print(pad("mean", 33) + pad(cell(r.mean.local), 17) + pad(cell(r.mean.federated), 17) + cell(r.mean.personalized))
        print(pad("pooled (centralised)", 33) + cell(r.centralized))
        let gainACC = (r.mean.federated.accuracy - r.mean.local.accuracy) * 100
        let gainAUC = (r.mean.federated.auc - r.mean.local.auc) * 100
        print("federated vs local-only: ACC \(gainACC >= 0 ? "+" : "")\(format(gainACC, 1)) points, AUC \(gainAUC >= 0 ? "+" : "")\(format(gainAUC, 1)) points; vs pooled AUC \(format((r.mean.federated.auc - r.centralized.auc) * 100, 1)) points")
        if let own = r.meanOwnHeldOut {
            func heldOut(_ s: DemoReport.HeldOutScore) -> String { "\(format(s.accuracy, 3)) / \(s.auc.map { format($0, 3) } ?? "—")" }
            print("")
            print("on each hospital's own held-out data (its part of the test split, with its label skew):")
            print(pad("hospital", 14) + pad("labels", 19) + pad("local ACC/AUC", 17) + pad("federated", 17) + "personalised")
            for h in r.hospitals {
                guard let o = h.ownHeldOut else { continue }
                print(pad(h.name, 14) + pad("\(o.labelCounts)", 19) + pad(heldOut(o.local), 17) + pad(heldOut(o.federated), 17) + heldOut(o.personalized))
            }
            print(pad("mean", 33) + pad(heldOut(own.local), 17) + pad(heldOut(own.federated), 17) + heldOut(own.personalized)
                  + "   (AUC over the \(own.aucHospitals) hospitals whose data hold both classes)")
            let gain = (own.personalized.accuracy - own.federated.accuracy) * 100
            print("personalised vs federated on own data: ACC \(gain >= 0 ? "+" : "")\(format(gain, 1)) points"
                  + (own.personalized.auc.flatMap { p in own.federated.auc.map { f in ", AUC \((p - f) * 100 >= 0 ? "+" : "")\(format((p - f) * 100, 1)) points" } } ?? ""))
            print("")
        }
        print("chain: height \(r.chain.height), \(r.chain.transactions) transactions, \(r.chain.bytes) bytes, verify \(r.chain.verified ? "OK" : "FAILED")")
        print("privacy: \(r.privacy.mode), ε = \(format(r.privacy.epsilon, 3)), δ = \(r.privacy.delta)"
              + (he ? "; Paillier decryption on \(r.configuration["paillier_decryption"] ?? "?")" : ""))
        let t = r.timing
        print("time: \(format(t.totalSeconds, 1)) s total; training \(format(t.trainingSeconds, 1)) s, ledger \(format(t.ledgerSeconds, 2)) s, store \(format(t.storeSeconds, 2)) s, crypto \(format(t.cryptoSeconds, 2)) s")
    }
}
