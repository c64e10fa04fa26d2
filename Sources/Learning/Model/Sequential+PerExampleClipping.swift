import Tensor

/// What one per-example-clipped gradient computation saw.
public struct ClippedGradientSum: Sendable {
    /// Σ of the examples' losses.
    public var lossSum: Double
    /// Examples whose argmax prediction was right.
    public var correct: Int
    /// ‖gᵢ‖, the L2 norm of each example's full gradient before clipping, in input order.
    public var norms: [Double]
    /// Examples whose gradient was scaled down (‖gᵢ‖ + 10⁻⁶ > C).
    public var clippedCount: Int

    public var count: Int { norms.count }
    /// The share of examples that were clipped (0 for an empty batch).
    public var clippedFraction: Double { norms.isEmpty ? 0 : Double(clippedCount) / Double(norms.count) }
}

extension Sequential {
    /// The clipping factor of DP-SGD (Abadi et al. 2016, as Opacus computes it):
    /// min(1, C / (‖g‖ + 10⁻⁶)).
    @inline(__always)
    public static func clippingFactor(norm: Double, clipNorm: Double) -> Double {
        min(1, clipNorm / (norm + 1e-6))
    }

    /// Writes Σᵢ cᵢ gᵢ into every `Parameter.gradient`, where gᵢ is the gradient of example i's
    /// own loss and cᵢ = min(1, C / (‖gᵢ‖ + 10⁻⁶)) clips it to L2 norm C: the sum that DP-SGD
    /// adds noise to.
    ///
    /// Per worker slice ("ghost norm" clipping, after Goodfellow 2015 and Li et al. 2022):
    /// 1. one forward pass in training mode (dropout masks stay in the scratch);
    /// 2. the loss gradient of each example with scale 1;
    /// 3. a first backward pass that only propagates and adds up each example's squared
    ///    parameter-gradient norm layer by layer (`Layer.backwardPerExampleNorms`);
    /// 4. cᵢ from the norms;
    /// 5. for each layer with parameters, row i of its output gradient (kept from pass 1)
    ///    multiplied by cᵢ and only the parameter part of `backward` run (`dx` nil): the
    ///    parameter gradient is linear in each example's output gradient, so the batch gradient
    ///    is then Σᵢ cᵢ gᵢ. Nothing is propagated a second time.
    /// No per-example gradient of the whole model is ever stored. The cost is one forward pass,
    /// one backward pass and a second computation of the parameter gradients. An empty batch
    /// (`count == 0`) zeroes the gradients.
    ///
    /// - Parameters:
    ///   - inputs: `count` examples, `inputCount` floats each.
    ///   - labels: `count` class indices.
    ///   - clipNorm: C > 0.
    ///   - rngSeed: seeds dropout, as in `computeGradients`.
    public func computeClippedGradientSum(inputs: UnsafePointer<Float>, labels: UnsafePointer<Int>, count: Int,
                                          clipNorm: Double, rngSeed: UInt64 = 0) -> ClippedGradientSum {
        precondition(clipNorm > 0 && clipNorm.isFinite, "clip norm must be positive and finite")
        precondition(count >= 0)
        guard count > 0 else {
            for p in parameters { p.gradient.withUnsafeMutableBufferPointer { $0.update(repeating: 0) } }
            return ClippedGradientSum(lossSum: 0, correct: 0, norms: [], clippedCount: 0)
        }
        let slices = Parallel.ranges(count, parts: min(workerCount, count))
        prepare(capacity: slices.map(\.count).max()!, workers: slices.count)
        var norms = [Double](repeating: 0, count: count)
        var results = [(loss: Double, correct: Int, clipped: Int)](repeating: (0, 0, 0), count: slices.count)
        let lowest = layers.firstIndex { !$0.parameters.isEmpty } ?? layers.count
        norms.withUnsafeMutableBufferPointer { normOut in
            results.withUnsafeMutableBufferPointer { out in
                Parallel.forEach(slices.count) { w in
                    let r = slices[w]
                    out[w] = workers[w].clippedStep(
                        layers: layers, lowest: lowest, inputs: inputs + r.lowerBound * inputCount,
                        labels: labels + r.lowerBound, count: r.count, clipNorm: clipNorm, classes: classCount,
                        seed: rngSeed &+ UInt64(w), norms: normOut.baseAddress! + r.lowerBound)
                }
            }
        }
        reduceGradients(workers: slices.count)
        let total = results.reduce((loss: 0.0, correct: 0, clipped: 0)) {
            ($0.loss + $1.loss, $0.correct + $1.correct, $0.clipped + $1.clipped)
        }
        return ClippedGradientSum(lossSum: total.loss, correct: total.correct, norms: norms, clippedCount: total.clipped)
    }
}

extension Worker {
    /// One worker's slice of `computeClippedGradientSum`; writes ‖gᵢ‖ to `norms` and returns
    /// the loss sum, the correct count and how many examples were clipped.
    ///
    /// Layers below `lowest` (the first layer with parameters) are skipped: nothing below them
    /// needs a gradient.
    func clippedStep(layers: [any Layer], lowest: Int, inputs: UnsafePointer<Float>, labels: UnsafePointer<Int>,
                     count: Int, clipNorm: Double, classes: Int, seed: UInt64,
                     norms: UnsafeMutablePointer<Double>) -> (loss: Double, correct: Int, clipped: Int) {
        for (l, s) in scratches.enumerated() { s.rng = SeededGenerator(seed: seed).derived(UInt64(l)) }
        forward(layers: layers, inputs: inputs, count: count, training: true)
        let last = layers.count - 1
        let z = activations[last]
        let dz = gradients[last]
        // Scale 1: row i is the gradient of example i's own loss.
        let loss = SoftmaxCrossEntropy.lossAndGradient(
            logits: z, labels: labels, count: count, classes: classes, scale: 1, gradient: dz)
        var correct = 0
        for i in 0..<count {
            var best = 0
            for j in 1..<classes where z[i * classes + j] > z[i * classes + best] { best = j }
            if best == labels[i] { correct += 1 }
        }
        func input(_ l: Int) -> UnsafePointer<Float> { l == 0 ? inputs : UnsafePointer(activations[l - 1]) }
        // Pass 1: squared per-example norms; leaves each layer's output gradient in gradients[l].
        norms.update(repeating: 0, count: count)
        for l in stride(from: last, through: lowest, by: -1) {
            layers[l].backwardPerExampleNorms(input(l), activations[l], gradients[l], l == lowest ? nil : gradients[l - 1],
                                              batch: count, scratch: scratches[l], squaredNorms: norms)
        }
        var clipped = 0
        var factors = [Float](repeating: 1, count: count)
        for i in 0..<count {
            let norm = norms[i].squareRoot()
            norms[i] = norm
            let factor = Sequential.clippingFactor(norm: norm, clipNorm: clipNorm)
            if factor < 1 {
                clipped += 1
                factors[i] = Float(factor)
            }
        }
        // Pass 2: every layer's output gradient from pass 1 is still in `gradients[l]`, and a
        // layer's parameter gradient is linear in each example's row of it, so scaling row i
        // by cᵢ and running the parameter part of backward (no input gradient) gives Σᵢ cᵢ gᵢ
        // without propagating through the network again.
        for l in lowest...last where !layers[l].parameters.isEmpty {
            if clipped > 0 {
                let width = layers[l].outputCount
                for i in 0..<count where factors[i] < 1 {
                    let row = gradients[l] + i * width
                    for j in 0..<width { row[j] *= factors[i] }
                }
            }
            layers[l].backward(input(l), activations[l], gradients[l], nil, batch: count, scratch: scratches[l])
        }
        return (loss, correct, clipped)
    }
}
