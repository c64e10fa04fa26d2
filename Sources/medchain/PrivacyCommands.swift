import ArgumentParser
import Foundation
import Privacy

/// `medchain privacy …`: the RDP accountant from the command line.
struct PrivacyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "privacy",
        abstract: "Differential-privacy accounting for the sampled Gaussian mechanism (DP-SGD, DP-FedAvg).",
        subcommands: [PrivacyEpsilon.self, PrivacyNoise.self]
    )
}

/// Runs an accountant call, turning its typed errors into one clear CLI line.
func privacyStep<T>(_ body: () throws(PrivacyError) -> T) throws -> T {
    do {
        return try body()
    } catch {
        throw CommandFailure(error.message)
    }
}

/// Formats a Double as JSON (shortest round-trip digits; non-finite values as strings).
func jsonNumber(_ value: Double) -> String {
    value.isFinite ? "\(value)" : "\"\(value)\""
}

struct PrivacyEpsilon: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "epsilon",
        abstract: "Print the epsilon spent by T steps of the sampled Gaussian mechanism.",
        discussion: "RDP accounting (Mironov, Talwar & Zhang 2019) over dp-accounting's order grid, converted to (epsilon, delta) with the bound dp-accounting and Opacus use. Example: medchain privacy epsilon --sampling-rate 0.004267 --noise-multiplier 1.1 --steps 14062 --delta 1e-5"
    )

    @Option(help: "Probability q that each example (or client) is in a step, in [0, 1].")
    var samplingRate: Double

    @Option(help: "Noise standard deviation divided by the clipping norm (sigma).")
    var noiseMultiplier: Double

    @Option(help: "Number of steps (DP-SGD iterations or federated rounds).")
    var steps: Int

    @Option(help: "Target delta, in (0, 1).")
    var delta: Double

    @Flag(help: "Use Opacus's order grid (1.1…10.9, 12…63) instead of dp-accounting's.")
    var opacusOrders = false

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let orders = opacusOrders ? RDPAccountant.opacusOrders : RDPAccountant.defaultOrders
        let (epsilon, order) = try privacyStep { () throws(PrivacyError) in
            try RDPAccountant.epsilon(samplingRate: samplingRate, noiseMultiplier: noiseMultiplier, steps: steps, delta: delta, orders: orders)
        }
        if json {
            print("{\"epsilon\": \(jsonNumber(epsilon)), \"optimal_order\": \(jsonNumber(order)), \"sampling_rate\": \(samplingRate), \"noise_multiplier\": \(noiseMultiplier), \"steps\": \(steps), \"delta\": \(delta)}")
        } else {
            print(String(format: "epsilon = %.6g at delta = %g (optimal RDP order %g)", epsilon, delta, order))
        }
    }
}

struct PrivacyNoise: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "noise",
        abstract: "Solve for the smallest noise multiplier that keeps epsilon at or below a target.",
        discussion: "Example: medchain privacy noise --target-epsilon 3 --sampling-rate 0.004267 --steps 14062 --delta 1e-5"
    )

    @Option(help: "The epsilon not to exceed.")
    var targetEpsilon: Double

    @Option(help: "Probability q that each example (or client) is in a step, in [0, 1].")
    var samplingRate: Double

    @Option(help: "Number of steps (DP-SGD iterations or federated rounds).")
    var steps: Int

    @Option(help: "Target delta, in (0, 1).")
    var delta: Double

    @Flag(help: "Print one JSON object.")
    var json = false

    func run() throws {
        let sigma = try privacyStep { () throws(PrivacyError) in
            try NoiseCalibration.noiseMultiplier(targetEpsilon: targetEpsilon, samplingRate: samplingRate, steps: steps, delta: delta)
        }
        let reached = try privacyStep { () throws(PrivacyError) in
            try RDPAccountant.epsilon(samplingRate: samplingRate, noiseMultiplier: sigma, steps: steps, delta: delta).epsilon
        }
        if json {
            print("{\"noise_multiplier\": \(jsonNumber(sigma)), \"epsilon\": \(jsonNumber(reached)), \"target_epsilon\": \(targetEpsilon), \"sampling_rate\": \(samplingRate), \"steps\": \(steps), \"delta\": \(delta)}")
        } else {
            print(String(format: "noise multiplier = %.6g (epsilon = %.6g <= %g at delta = %g)", sigma, reached, targetEpsilon, delta))
        }
    }
}
