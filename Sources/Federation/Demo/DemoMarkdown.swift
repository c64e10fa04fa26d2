import Foundation

/// Writes the demo's Markdown report with SVG line plots.
public enum DemoMarkdown {
    public static func write(_ r: DemoReport, to directory: URL) throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let rounds = r.rounds.map { Double($0.round) }
        let auc = svg(title: "Test AUC per round", xs: rounds, series: [
            ("federated", r.rounds.map(\.auc), "#1f77b4"),
            ("local-only (mean)", r.rounds.map { _ in r.mean.local.auc }, "#d62728"),
            ("pooled", r.rounds.map { _ in r.centralized.auc }, "#2ca02c"),
        ], yRange: 0.4...1.0)
        try auc.write(to: directory.appendingPathComponent("auc.svg"), atomically: true, encoding: .utf8)
        let names = r.hospitals.map(\.name)
        let palette = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f"]
        let reputation = svg(title: "Reputation per hospital (points)", xs: rounds, series: names.enumerated().map { i, n in
            (n, r.rounds.map { Double($0.reputation[n] ?? 0) }, palette[i % palette.count])
        }, yRange: 0...1000)
        try reputation.write(to: directory.appendingPathComponent("reputation.svg"), atomically: true, encoding: .utf8)
        func f(_ x: Double) -> String { String(format: "%.3f", x) }
        var md = "# MedChain demo report\n\n"
        md += "Configuration: " + r.configuration.keys.sorted().map { "\($0) = \(r.configuration[$0]!)" }.joined(separator: ", ") + "\n\n"
        md += "| hospital | train | labels | local ACC | local AUC | federated ACC | federated AUC | personalised ACC | personalised AUC |\n|---|---|---|---|---|---|---|---|---|\n"
        for h in r.hospitals {
            md += "| \(h.name) | \(h.trainSize) | \(h.labelCounts) | \(f(h.local.accuracy)) | \(f(h.local.auc)) | \(f(h.federated.accuracy)) | \(f(h.federated.auc)) | \(f(h.personalized.accuracy)) | \(f(h.personalized.auc)) |\n"
        }
        md += "| **mean** | | | \(f(r.mean.local.accuracy)) | \(f(r.mean.local.auc)) | \(f(r.mean.federated.accuracy)) | \(f(r.mean.federated.auc)) | \(f(r.mean.personalized.accuracy)) | \(f(r.mean.personalized.auc)) |\n"
        md += "| pooled | | | | | \(f(r.centralized.accuracy)) | \(f(r.centralized.auc)) | | |\n\n"
        if let own = r.meanOwnHeldOut {
            func g(_ s: DemoReport.HeldOutScore) -> (String, String) { (f(s.accuracy), s.auc.map(f) ?? "—") }
            md += "On each hospital's own held-out data (its part of the test split, with its label skew; AUC means over the \(own.aucHospitals) hospitals whose data hold both classes):\n\n"
            md += "| hospital | labels | local ACC | local AUC | federated ACC | federated AUC | personalised ACC | personalised AUC |\n|---|---|---|---|---|---|---|---|\n"
            func row(_ name: String, _ labels: String, _ l: DemoReport.HeldOutScore, _ fe: DemoReport.HeldOutScore, _ p: DemoReport.HeldOutScore) -> String {
                "| \(name) | \(labels) | \(g(l).0) | \(g(l).1) | \(g(fe).0) | \(g(fe).1) | \(g(p).0) | \(g(p).1) |\n"
            }
            for h in r.hospitals { if let o = h.ownHeldOut { md += row(h.name, "\(o.labelCounts)", o.local, o.federated, o.personalized) } }
            md += row("**mean**", "", own.local, own.federated, own.personalized) + "\n"
        }
        md += "![AUC per round](auc.svg)\n\n![Reputation](reputation.svg)\n\n"
        md += "## Rounds\n\n| round | master | accepted | rejected | ACC | AUC | ε | seconds |\n|---|---|---|---|---|---|---|---|\n"
        for x in r.rounds {
            md += "| \(x.round) | \(x.master) | \(x.accepted.joined(separator: ", ")) | \(x.rejected.joined(separator: ", ")) | \(f(x.accuracy)) | \(f(x.auc)) | \(f(x.epsilon)) | \(f(x.seconds)) |\n"
        }
        md += "\nChain: height \(r.chain.height), \(r.chain.transactions) transactions, verified: \(r.chain.verified).\n"
        if let stop = r.stopped {
            md += "\nThe task was closed on the chain before round \(stop.round) (\(stop.reason)): \(stop.detail).\n\n"
        }
        md += "Privacy: \(r.privacy.mode), ε = \(f(r.privacy.epsilon)), δ = \(r.privacy.delta).\n"
        md += "Time: total \(f(r.timing.totalSeconds)) s; training \(f(r.timing.trainingSeconds)) s; ledger \(f(r.timing.ledgerSeconds)) s; store \(f(r.timing.storeSeconds)) s; crypto \(f(r.timing.cryptoSeconds)) s.\n"
        try md.write(to: directory.appendingPathComponent("report.md"), atomically: true, encoding: .utf8)
    }

    static func svg(title: String, xs: [Double], series: [(String, [Double], String)], yRange: ClosedRange<Double>) -> String {
        let width = 640.0, height = 360.0, left = 50.0, right = 160.0, top = 30.0, bottom = 40.0
        let x0 = xs.first ?? 0, x1 = max(xs.last ?? 1, x0 + 1)
        func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * (width - left - right) }
        func py(_ y: Double) -> Double {
            top + (1 - (min(max(y, yRange.lowerBound), yRange.upperBound) - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound)) * (height - top - bottom)
        }
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" font-family=\"sans-serif\" font-size=\"12\">\n"
        s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n<text x=\"\(left)\" y=\"18\" font-size=\"14\">\(title)</text>\n"
        for k in 0...4 {
            let y = yRange.lowerBound + Double(k) / 4 * (yRange.upperBound - yRange.lowerBound)
            s += "<line x1=\"\(left)\" y1=\"\(py(y))\" x2=\"\(width - right)\" y2=\"\(py(y))\" stroke=\"#ddd\"/>"
            s += "<text x=\"\(left - 6)\" y=\"\(py(y) + 4)\" text-anchor=\"end\">\(String(format: "%.2f", y))</text>\n"
        }
        s += "<text x=\"\((left + width - right) / 2)\" y=\"\(height - 8)\" text-anchor=\"middle\">round</text>\n"
        for (i, (name, ys, colour)) in series.enumerated() {
            let points = zip(xs, ys).map { "\(px($0)),\(py($1))" }.joined(separator: " ")
            s += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" points=\"\(points)\"/>\n"
            s += "<rect x=\"\(width - right + 10)\" y=\"\(top + Double(i) * 18)\" width=\"12\" height=\"3\" fill=\"\(colour)\"/>"
            s += "<text x=\"\(width - right + 28)\" y=\"\(top + Double(i) * 18 + 5)\">\(name)</text>\n"
        }
        return s + "</svg>\n"
    }
}
