/// Formats a `Double` as Python's `repr(float)` does, so `medchain paillier decrypt` prints
/// what `pheutil decrypt` prints.
///
/// Both languages print the shortest digit string that round-trips; they differ only in layout.
/// Python uses positional notation when the decimal exponent is in −4 ..< 16 (always with a
/// fractional part, "5.0"), and otherwise `d.ddde±XX` with at least two exponent digits.
enum PythonFloat {
    static func repr(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value < 0 ? "-inf" : "inf" }
        let sign = value.sign == .minus ? "-" : ""
        if value == 0 { return sign + "0.0" }
        let (digits, pointPosition) = shortestDigits(abs(value))
        // Decimal exponent of the first significant digit.
        let exponent = pointPosition - 1
        if exponent >= -4 && exponent < 16 {
            if pointPosition <= 0 {
                return sign + "0." + String(repeating: "0", count: -pointPosition) + digits
            }
            if pointPosition >= digits.count {
                return sign + digits + String(repeating: "0", count: pointPosition - digits.count) + ".0"
            }
            let split = digits.index(digits.startIndex, offsetBy: pointPosition)
            return sign + digits[..<split] + "." + digits[split...]
        }
        let head = String(digits.prefix(1))
        let tail = digits.dropFirst()
        let mantissa = tail.isEmpty ? head : head + "." + tail
        let exponentText = String(abs(exponent))
        let padded = exponentText.count < 2 ? "0" + exponentText : exponentText
        return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + padded
    }

    /// The shortest round-trip significant digits of a positive finite value (no leading or
    /// trailing zeros) and where the decimal point goes: value = 0.d₁d₂… × 10^pointPosition.
    static func shortestDigits(_ value: Double) -> (String, Int) {
        // Swift's description is shortest round-trip too; take its digits apart.
        let text = value.description
        let parts = text.split(separator: "e", maxSplits: 1)
        let mantissa = parts[0]
        let exponent = parts.count > 1 ? Int(parts[1])! : 0
        let pieces = mantissa.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let integerPart = String(pieces[0])
        let fractionPart = pieces.count > 1 ? String(pieces[1]) : ""
        var digits = integerPart + fractionPart
        var point = integerPart.count + exponent
        while digits.first == "0" {
            digits.removeFirst()
            point -= 1
        }
        while digits.last == "0" { digits.removeLast() }
        return (digits, point)
    }
}
