/// A FHIR `dateTime` or `instant` as seconds since 1970-01-01T00:00:00Z, so that observations
/// can be ordered in time.
///
/// Accepted forms: `YYYY`, `YYYY-MM`, `YYYY-MM-DD` and `YYYY-MM-DDThh:mm:ss[.fff…]` followed by
/// `Z` or `±hh:mm`. Partial dates stand for their first instant (`2023-05` is 2023-05-01T00:00Z).
/// FHIR requires a zone with a time; a time without one is read as UTC rather than rejected.
struct FHIRDateTime: Sendable, Equatable, Comparable {
    var seconds: Double

    init?(_ text: String) {
        let bytes = Array(text.utf8)
        var position = 0
        func digits(_ count: Int) -> Int? {
            guard position + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[position..<(position + count)] {
                guard byte >= 48, byte <= 57 else { return nil }
                value = value * 10 + Int(byte - 48)
            }
            position += count
            return value
        }
        func expect(_ character: Character) -> Bool {
            guard position < bytes.count, bytes[position] == character.asciiValue else { return false }
            position += 1
            return true
        }
        guard let year = digits(4) else { return nil }
        var (month, day, hour, minute, second, fraction, offset) = (1, 1, 0, 0, 0, 0.0, 0)
        if position < bytes.count {
            guard expect("-"), let m = digits(2), (1...12).contains(m) else { return nil }
            month = m
        }
        if position < bytes.count {
            guard expect("-"), let d = digits(2), d >= 1, d <= Self.daysIn(month: month, year: year) else { return nil }
            day = d
        }
        if position < bytes.count {
            guard expect("T"), let h = digits(2), h < 24, expect(":"), let mi = digits(2), mi < 60,
                  expect(":"), let s = digits(2), s < 61 else { return nil }
            (hour, minute, second) = (h, mi, min(s, 59))
            if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
                position += 1
                let start = position
                var scale = 0.1
                while position < bytes.count, bytes[position] >= 48, bytes[position] <= 57 {
                    fraction += Double(bytes[position] - 48) * scale
                    scale /= 10
                    position += 1
                }
                guard position > start else { return nil }
            }
            if position < bytes.count {
                if expect("Z") {
                    offset = 0
                } else {
                    let sign = bytes[position] == UInt8(ascii: "-") ? -1 : 1
                    guard expect("+") || expect("-"), let oh = digits(2), oh <= 14, expect(":"), let om = digits(2), om < 60 else {
                        return nil
                    }
                    offset = sign * (oh * 3600 + om * 60)
                }
            }
        }
        guard position == bytes.count else { return nil }
        let days = Self.daysFromCivil(year: year, month: month, day: day)
        seconds = Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset) + fraction
    }

    static func < (a: FHIRDateTime, b: FHIRDateTime) -> Bool { a.seconds < b.seconds }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days since 1970-01-01 in the proleptic Gregorian calendar (Howard Hinnant's
    /// `days_from_civil`).
    static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
