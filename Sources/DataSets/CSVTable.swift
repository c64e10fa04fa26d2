/// The cells of a CSV file with a header row, parsed as RFC 4180 describes.
///
/// Fields are separated by commas and records by CRLF or LF. A field in double quotes may hold
/// commas, line breaks and doubled quotes (`""` for `"`). As Python's `csv` module does, a quote
/// inside an unquoted field is kept literally. Blank lines are skipped, a UTF-8 byte-order mark
/// is ignored, and every record must have as many fields as the header.
public struct CSVTable: Sendable, Equatable {
    /// The header row.
    public var columns: [String]
    /// The data records, each with `columns.count` fields.
    public var rows: [[String]]
    /// The 1-based line of the file on which each record starts (the header is line 1 unless
    /// blank lines precede it), for error messages.
    public var lines: [Int]

    /// Parses `bytes`; `file` labels errors.
    public init(bytes: [UInt8], file: String) throws(DataSetError) {
        var records = try Self.records(bytes, file: file)
        guard !records.isEmpty else {
            throw DataSetError(.malformedCSV, file: file, "the file is empty; it needs a header row and data rows")
        }
        let header = records.removeFirst()
        columns = header.fields
        var seen = Set<String>()
        for name in columns where !seen.insert(name).inserted {
            throw DataSetError(.malformedCSV, file: file, "the header names column '\(name)' twice")
        }
        for record in records where record.fields.count != columns.count {
            throw DataSetError(
                .malformedCSV, file: file,
                "line \(record.line) has \(record.fields.count) fields but the header has \(columns.count)")
        }
        rows = records.map(\.fields)
        lines = records.map(\.line)
    }

    /// The index of the column called `name`, if any.
    public func index(of name: String) -> Int? {
        columns.firstIndex(of: name)
    }

    private struct Record {
        var fields: [String]
        var line: Int
    }

    private static func records(_ bytes: [UInt8], file: String) throws(DataSetError) -> [Record] {
        let quote = UInt8(ascii: "\""), comma = UInt8(ascii: ","), cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n")
        var records: [Record] = []
        var fields: [String] = []
        var field: [UInt8] = []
        var line = 1, recordLine = 1
        var position = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
        // Whether the current record has any content; a record that is one empty field on its
        // own line is a blank line.
        var recordStarted = false

        func endField() {
            fields.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
        }
        func endRecord() {
            endField()
            if recordStarted { records.append(Record(fields: fields, line: recordLine)) }
            fields.removeAll(keepingCapacity: true)
            recordStarted = false
        }
        /// Consumes a line break at `position` (CRLF, LF or a lone CR), if one is there.
        func lineBreak() -> Bool {
            guard position < bytes.count else { return false }
            if bytes[position] == lf { position += 1; line += 1; return true }
            if bytes[position] == cr {
                position += 1
                if position < bytes.count, bytes[position] == lf { position += 1 }
                line += 1
                return true
            }
            return false
        }

        while position < bytes.count {
            if field.isEmpty, bytes[position] == quote {
                // A quoted field: runs to the next quote that is not doubled.
                let openedOn = line
                recordStarted = true
                position += 1
                while true {
                    guard position < bytes.count else {
                        throw DataSetError(.malformedCSV, file: file, "line \(openedOn): a quoted field is never closed")
                    }
                    let byte = bytes[position]
                    if byte == quote {
                        if position + 1 < bytes.count, bytes[position + 1] == quote {
                            field.append(quote)
                            position += 2
                            continue
                        }
                        position += 1
                        break
                    }
                    if byte == lf || (byte == cr && !(position + 1 < bytes.count && bytes[position + 1] == lf)) {
                        line += 1
                    }
                    field.append(byte)
                    position += 1
                }
                // After the closing quote only a separator or the end of the record may follow.
                if position < bytes.count, bytes[position] != comma, bytes[position] != cr, bytes[position] != lf {
                    throw DataSetError(
                        .malformedCSV, file: file,
                        "line \(line): unexpected '\(Character(Unicode.Scalar(bytes[position])))' after a closing quote (double a quote inside a quoted field: \"\")")
                }
                continue
            }
            let byte = bytes[position]
            if byte == comma {
                recordStarted = true
                endField()
                position += 1
            } else if lineBreak() {
                endRecord()
                recordLine = line
            } else {
                recordStarted = true
                field.append(byte)
                position += 1
            }
        }
        if recordStarted { endRecord() }
        return records
    }
}
