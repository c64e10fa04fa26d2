#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Receives training progress.
public protocol TrainingProgress: AnyObject {
    func stepFinished(step: Int, of steps: Int, epoch: Int, runningLoss: Double)
    func epochFinished(_ record: EpochRecord, of epochs: Int)
}

/// Prints progress to standard output: a redrawn bar on a terminal, and one plain line per epoch
/// when output goes to a file or pipe (so logs stay readable).
public final class ConsoleProgress: TrainingProgress {
    public let isTerminal: Bool
    private var lastDrawn = -1

    public init(isTerminal: Bool = isatty(STDOUT_FILENO) == 1) {
        self.isTerminal = isTerminal
    }

    public func stepFinished(step: Int, of steps: Int, epoch: Int, runningLoss: Double) {
        guard isTerminal else { return }
        let width = 30
        let filled = step * width / max(steps, 1)
        guard filled != lastDrawn || step == steps else { return }
        lastDrawn = filled
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
        print("\repoch \(epoch) [\(bar)] \(step)/\(steps) loss \(format(runningLoss, 4))", terminator: "")
        fflush(nil)  // flushes every output stream; avoids touching the global `stdout`
    }

    public func epochFinished(_ r: EpochRecord, of epochs: Int) {
        if isTerminal { print("\r\u{1B}[2K", terminator: "") }
        lastDrawn = -1
        var line = "epoch \(r.epoch)/\(epochs)  loss \(format(r.trainLoss, 4))  acc \(format(r.trainAccuracy, 3))"
        if let v = r.validationAccuracy { line += "  val_acc \(format(v, 3))" }
        if let v = r.validationAUC { line += "  val_auc \(format(v, 3))" }
        line += "  \(Int(r.examplesPerSecond.rounded())) ex/s"
        print(line)
        fflush(nil)  // flushes every output stream; avoids touching the global `stdout`
    }
}

/// Fixed-point decimal formatting without Foundation.
public func format(_ value: Double, _ digits: Int) -> String {
    guard value.isFinite else { return "\(value)" }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let negative = value < 0
    let scaled = (abs(value) * scale).rounded()
    let whole = Int(scaled / scale)
    var fraction = String(Int(scaled - Double(whole) * scale))
    while fraction.count < digits { fraction = "0" + fraction }
    return (negative && scaled != 0 ? "-" : "") + "\(whole)" + (digits > 0 ? "." + fraction : "")
}
