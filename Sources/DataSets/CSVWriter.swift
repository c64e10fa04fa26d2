import Foundation

/// Writes RFC 4180 CSV: comma-separated, CRLF line ends, fields quoted only when they hold a
/// comma, a quote or a line break (quotes doubled inside), as Python's `csv` module does.
public enum CSVWriter {
    /// The file bytes for a header and rows of text fields.
    public static func csv(header: [String], rows: [[String]]) -> [UInt8] {
        var out = ""
        for record in [header] + rows {
            out += record.map(field).joined(separator: ",")
            out += "\r\n"
        }
        return Array(out.utf8)
    }

    /// A table of labelled examples: the feature columns then the label column, one row per
    /// example, label values written as class names.
    ///
    /// Feature values are written in Swift's shortest form that reads back as the same
    /// `Float`, so `CSVDataset` (with `standardizes: false`) reloads them bit for bit.
    public static func csv(_ data: LabeledData, featureNames: [String], labelName: String, classNames: [String]) -> [UInt8] {
        precondition(data.exampleShape == [featureNames.count], "features must be [N, \(featureNames.count)]")
        precondition(classNames.count >= data.classCount, "one class name per class")
        let width = featureNames.count
        var rows: [[String]] = []
        rows.reserveCapacity(data.count)
        for n in 0..<data.count {
            var row = (0..<width).map { "\(data.features.storage[n * width + $0])" }
            row.append(classNames[data.labels[n]])
            rows.append(row)
        }
        return csv(header: featureNames + [labelName], rows: rows)
    }

    /// One field, quoted if it must be.
    static func field(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
