/// Parses the HTTP `Date` header (RFC 9110 §5.6.7: IMF-fixdate, plus the obsolete RFC 850 and
/// asctime forms recipients must accept) into seconds since the epoch. No Foundation: the clock
/// check must not depend on the locale.
enum HTTPDate {
    static let months = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]

    static func parse(_ text: String) -> Double? {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        var day: Int?, month: Int?, year: Int?, time: [Int]?
        for word in words {
            if word.contains(":") {
                let parts = word.split(separator: ":").compactMap { Int($0) }
                if parts.count == 3 { time = parts }
            } else if word.contains("-") {
                // RFC 850: 06-Nov-94
                let parts = word.split(separator: "-").map(String.init)
                if parts.count == 3, let d = Int(parts[0]), let m = months.firstIndex(of: parts[1].lowercased()), let y = Int(parts[2]) {
                    day = d
                    month = m + 1
                    year = y < 100 ? (y < 70 ? 2000 + y : 1900 + y) : y
                }
            } else if let m = months.firstIndex(of: word.lowercased()) {
                month = m + 1
            } else if let n = Int(word) {
                if n > 31 { year = n } else { day = n }
            }
        }
        guard let d = day, let m = month, let y = year, let t = time, (1...31).contains(d), t[0] < 24, t[1] < 60, t[2] < 61 else { return nil }
        return Double(daysFromCivil(y, m, d) * 86_400 + t[0] * 3600 + t[1] * 60 + t[2])
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
