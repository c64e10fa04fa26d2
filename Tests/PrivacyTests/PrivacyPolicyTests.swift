import Foundation
import Testing
@testable import Privacy

struct PrivacyPolicyTests {
    func decode(_ json: String) throws -> PrivacyPolicy {
        try JSONDecoder().decode(PrivacyPolicy.self, from: Data(json.utf8))
    }

    func decodingError(_ json: String) -> String? {
        do {
            _ = try decode(json)
            return nil
        } catch let error as PrivacyError {
            return error.message
        } catch {
            return "\(error)"
        }
    }

    @Test func policiesRoundTripThroughSnakeCaseJSON() throws {
        let policy = try PrivacyPolicy(mode: .sampleLevel, clippingNorm: 1.0, noiseMultiplier: 1.1, delta: 1e-5, epsilonBudget: 8)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let json = String(decoding: try encoder.encode(policy), as: UTF8.self)
        #expect(json.hasPrefix("{\"clipping_norm\":1,\"delta\":"))
        #expect(json.hasSuffix(",\"epsilon_budget\":8,\"mode\":\"sample-level\",\"noise_multiplier\":1.1}"))
        #expect(try decode(json) == policy)
        let client = try decode("{\"mode\": \"client-level\", \"clipping_norm\": 0.5, \"target_epsilon\": 4, \"delta\": 1e-3, \"epsilon_budget\": 10}")
        #expect(client.mode == .clientLevel && client.targetEpsilon == 4)
        #expect(try decode("{\"mode\": \"none\"}") == .none)
    }

    @Test(arguments: [
        ("{\"mode\": \"sample-level\", \"noise_multiplier\": 1, \"delta\": 1e-5, \"epsilon_budget\": 8}", "needs clipping_norm"),
        ("{\"mode\": \"sample-level\", \"clipping_norm\": 0, \"noise_multiplier\": 1, \"delta\": 1e-5, \"epsilon_budget\": 8}", "clipping_norm must be positive"),
        ("{\"mode\": \"sample-level\", \"clipping_norm\": 1, \"delta\": 1e-5, \"epsilon_budget\": 8}", "either noise_multiplier or target_epsilon"),
        ("{\"mode\": \"sample-level\", \"clipping_norm\": 1, \"noise_multiplier\": 1, \"target_epsilon\": 2, \"delta\": 1e-5, \"epsilon_budget\": 8}", "both noise_multiplier and target_epsilon"),
        ("{\"mode\": \"client-level\", \"clipping_norm\": 1, \"noise_multiplier\": 1, \"epsilon_budget\": 8}", "needs delta"),
        ("{\"mode\": \"client-level\", \"clipping_norm\": 1, \"noise_multiplier\": 1, \"delta\": 1.5, \"epsilon_budget\": 8}", "delta must be in (0, 1)"),
        ("{\"mode\": \"client-level\", \"clipping_norm\": 1, \"noise_multiplier\": 1, \"delta\": 1e-5}", "needs epsilon_budget"),
        ("{\"mode\": \"client-level\", \"clipping_norm\": 1, \"target_epsilon\": 9, \"delta\": 1e-5, \"epsilon_budget\": 8}", "exceeds epsilon_budget"),
        ("{\"mode\": \"none\", \"noise_multiplier\": 1}", "must not set"),
        ("{\"mode\": \"user-level\"}", "user-level"),
    ])
    func inconsistentPoliciesAreRejectedNamingTheField(json: String, message: String) {
        let error = decodingError(json)
        #expect(error?.contains(message) == true, "\(error ?? "accepted")")
    }

    @Test func targetEpsilonPoliciesSolveSigmaForThePlan() throws {
        let policy = try PrivacyPolicy(mode: .clientLevel, clippingNorm: 0.5, targetEpsilon: 2, delta: 1e-3, epsilonBudget: 10)
        let sigma = try #require(try policy.resolvedNoiseMultiplier(samplingRate: 0.1, steps: 50))
        // dp-accounting's calibrate_dp_mechanism gives 1.46731 for these parameters (rdp_vectors.json).
        #expect(abs(sigma - 1.4673084389366404) / 1.4673 < 1e-4)
        #expect(try policy.epsilon(samplingRate: 0.1, steps: 50) <= 2)
        #expect(policy.allows(totalEpsilon: 9.9) && !policy.allows(totalEpsilon: 10.1))
        #expect(try PrivacyPolicy.none.resolvedNoiseMultiplier(samplingRate: 0.1, steps: 50) == nil)
        #expect(try PrivacyPolicy.none.epsilon(samplingRate: 0.1, steps: 50) == 0)
    }
}
