/// The subset of Python literal syntax that `.npy` headers use: a dict of strings, booleans,
/// integers, tuples and lists.
///
/// NumPy writes the header with `repr()` and reads it with `ast.literal_eval`, so any spacing,
/// key order, quote style and trailing comma that Python accepts can appear in a file written
/// by another tool. This parser accepts the same.
indirect enum PythonLiteral: Equatable, Sendable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case none
    /// A tuple or a list.
    case sequence([PythonLiteral])
    /// Keys in file order.
    case dictionary([(key: PythonLiteral, value: PythonLiteral)])

    static func == (lhs: PythonLiteral, rhs: PythonLiteral) -> Bool {
        switch (lhs, rhs) {
        case let (.string(a), .string(b)): a == b
        case let (.integer(a), .integer(b)): a == b
        case let (.boolean(a), .boolean(b)): a == b
        case (.none, .none): true
        case let (.sequence(a), .sequence(b)): a == b
        case let (.dictionary(a), .dictionary(b)):
            a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        default: false
        }
    }

    /// Parses one literal that makes up the whole of `text` (surrounding whitespace allowed).
    static func parse(_ text: String) throws(Failure) -> PythonLiteral {
        var parser = Parser(scalars: Array(text.unicodeScalars))
        let value = try parser.value()
        parser.skipWhitespace()
        guard parser.atEnd else { throw parser.failure("unexpected text after the literal") }
        return value
    }

    struct Failure: Error, Equatable {
        var reason: String
    }

    private struct Parser {
        let scalars: [Unicode.Scalar]
        var position = 0

        var atEnd: Bool { position >= scalars.count }

        func failure(_ reason: String, at offset: Int? = nil) -> Failure {
            Failure(reason: "\(reason) at character \(offset ?? position)")
        }

        mutating func skipWhitespace() {
            while !atEnd, scalars[position].properties.isWhitespace { position += 1 }
        }

        mutating func value() throws(Failure) -> PythonLiteral {
            skipWhitespace()
            guard !atEnd else { throw failure("the literal ends early") }
            switch scalars[position] {
            case "{": return try dictionary()
            case "(": return try sequence(closing: ")")
            case "[": return try sequence(closing: "]")
            case "'", "\"": return .string(try string())
            case "-", "+", "0"..."9": return .integer(try integer())
            default:
                let start = position
                let word = identifier()
                switch word {
                case "True": return .boolean(true)
                case "False": return .boolean(false)
                case "None": return .none
                case "": throw failure("unexpected character '\(scalars[position])'")
                default: throw failure("unknown name '\(word)'", at: start)
                }
            }
        }

        mutating func identifier() -> String {
            var word = ""
            while !atEnd, scalars[position].properties.isAlphabetic || scalars[position] == "_" {
                word.unicodeScalars.append(scalars[position])
                position += 1
            }
            return word
        }

        mutating func integer() throws(Failure) -> Int {
            var digits = ""
            if scalars[position] == "-" || scalars[position] == "+" {
                digits.unicodeScalars.append(scalars[position])
                position += 1
            }
            while !atEnd, ("0"..."9").contains(scalars[position]) || scalars[position] == "_" {
                if scalars[position] != "_" { digits.unicodeScalars.append(scalars[position]) }
                position += 1
            }
            // Python 2 wrote long integers with an `L` suffix, e.g. `(3L, 4L)`.
            if !atEnd, scalars[position] == "L" { position += 1 }
            guard let value = Int(digits) else { throw failure("'\(digits)' is not an integer") }
            return value
        }

        mutating func string() throws(Failure) -> String {
            let quote = scalars[position]
            position += 1
            var text = ""
            while !atEnd {
                let scalar = scalars[position]
                position += 1
                if scalar == quote { return text }
                if scalar == "\\" {
                    guard !atEnd else { break }
                    let escaped = scalars[position]
                    position += 1
                    switch escaped {
                    case "n": text += "\n"
                    case "t": text += "\t"
                    case "r": text += "\r"
                    case "0": text += "\0"
                    default: text.unicodeScalars.append(escaped)
                    }
                } else {
                    text.unicodeScalars.append(scalar)
                }
            }
            throw failure("unterminated string")
        }

        mutating func sequence(closing: Unicode.Scalar) throws(Failure) -> PythonLiteral {
            position += 1
            var items: [PythonLiteral] = []
            while true {
                skipWhitespace()
                guard !atEnd else { throw failure("missing '\(closing)'") }
                if scalars[position] == closing { position += 1; return .sequence(items) }
                items.append(try value())
                skipWhitespace()
                guard !atEnd else { throw failure("missing '\(closing)'") }
                if scalars[position] == "," { position += 1; continue }
                guard scalars[position] == closing else { throw failure("expected ',' or '\(closing)'") }
            }
        }

        mutating func dictionary() throws(Failure) -> PythonLiteral {
            position += 1
            var pairs: [(key: PythonLiteral, value: PythonLiteral)] = []
            while true {
                skipWhitespace()
                guard !atEnd else { throw failure("missing '}'") }
                if scalars[position] == "}" { position += 1; return .dictionary(pairs) }
                let key = try value()
                skipWhitespace()
                guard !atEnd, scalars[position] == ":" else { throw failure("expected ':' after a dictionary key") }
                position += 1
                pairs.append((key, try value()))
                skipWhitespace()
                guard !atEnd else { throw failure("missing '}'") }
                if scalars[position] == "," { position += 1; continue }
                guard scalars[position] == "}" else { throw failure("expected ',' or '}'") }
            }
        }
    }
}
