import Testing
@testable import Learning

struct MetricsTests {
    // Hand-computed: positives {0.35, 0.8}, negatives {0.1, 0.4}; pairs won 1+0+1+1 = 3 of 4.
    @Test func aucCountsPositiveNegativePairs() {
        #expect(rocAUC(scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1]) == 0.75)
    }

    // Positives {0.5, 0.9}, negatives {0.2, 0.5}: the tie 0.5/0.5 counts one half → 3.5/4.
    @Test func aucCountsTiesAsOneHalf() {
        #expect(rocAUC(scores: [0.2, 0.5, 0.5, 0.9], labels: [0, 1, 0, 1]) == 0.875)
        #expect(rocAUC(scores: [0.5, 0.5, 0.5, 0.5], labels: [0, 1, 0, 1]) == 0.5)
        // Three-way tie across classes: positives {0.3, 0.3}, negatives {0.3, 0.1, 0.7}.
        // Pairs: (0.3,0.3)=½ ×2, (0.3,0.1)=1 ×2, (0.3,0.7)=0 ×2 → 3/6.
        #expect(rocAUC(scores: [0.3, 0.3, 0.3, 0.1, 0.7], labels: [1, 1, 0, 0, 0]) == 0.5)
    }

    @Test func aucIsUndefinedWithOneClass() {
        #expect(rocAUC(scores: [0.1, 0.2], labels: [1, 1]) == nil)
    }

    @Test func perfectAndReversedRankingsGiveOneAndZero() {
        #expect(rocAUC(scores: [0.1, 0.2, 0.8, 0.9], labels: [0, 0, 1, 1]) == 1)
        #expect(rocAUC(scores: [0.9, 0.8, 0.2, 0.1], labels: [0, 0, 1, 1]) == 0)
    }

    @Test func evaluationComputesAccuracyConfusionAndLoss() {
        // p(1) = 0.9, 0.2, 0.6, 0.4 for labels 1, 0, 0, 1 → predictions 1, 0, 1, 0.
        let probs: [Float] = [0.1, 0.9, 0.8, 0.2, 0.4, 0.6, 0.6, 0.4]
        let e = Evaluation(probabilities: probs, labels: [1, 0, 0, 1], classCount: 2)
        #expect(e.accuracy == 0.5)
        #expect(e.confusion.counts == [[1, 1], [1, 1]])
        let expectedLoss = -(log(0.9) + log(0.8) + log(0.4) + log(0.4)) / 4
        #expect(abs(e.loss - expectedLoss) < 1e-6)
        #expect(e.auc == 0.75)
    }

    @Test func thresholdIsTheMiddleOfTheWidestOptimalInterval() {
        // Positives score 0.3 and 0.4, negatives 0.1 and 0.2: any cut in (0.2, 0.3) is perfect.
        let t = accuracyMaximisingThreshold(scores: [0.1, 0.2, 0.3, 0.4], labels: [0, 0, 1, 1])
        #expect(abs(t - 0.25) < 1e-6)
        // Sorted: 0.1 N, 0.5 P, 0.6 N, 0.65 N, 0.9 P. Correct counts for cuts below 0.1, then in
        // (0.1,0.5), (0.5,0.6), (0.6,0.65), (0.65,0.9), above 0.9: 2, 3, 2, 3, 4, 3. The only
        // optimum is (0.65, 0.9), whose middle is 0.775.
        let u = accuracyMaximisingThreshold(scores: [0.1, 0.6, 0.65, 0.5, 0.9], labels: [0, 0, 0, 1, 1])
        #expect(abs(u - 0.775) < 1e-6)
    }

    @Test func softmaxCrossEntropyIsStableForHugeLogits() {
        let logits: [Float] = [1000, -1000, 0]
        var grad = [Float](repeating: 0, count: 3)
        let loss = logits.withUnsafeBufferPointer { z in
            [0].withUnsafeBufferPointer { y in
                grad.withUnsafeMutableBufferPointer { g in
                    SoftmaxCrossEntropy.lossAndGradient(logits: z.baseAddress!, labels: y.baseAddress!, count: 1,
                                                        classes: 3, scale: 1, gradient: g.baseAddress!)
                }
            }
        }
        #expect(loss.isFinite && loss < 1e-6)
        #expect(grad.allSatisfy { $0.isFinite })
    }
}

#if canImport(Glibc)
import Glibc
#endif
