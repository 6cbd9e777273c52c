/// UTC calendar arithmetic and the date formats HTTP uses, in one place: the `Date` header
/// (RFC 9110 §5.6.7: IMF-fixdate, plus the obsolete RFC 850 and asctime forms recipients must
/// accept) and ISO 8601 for evidence lines. No Foundation: clock checks must not depend on the
/// locale or time zone of the machine.
public enum HTTPDate {
    static let monthNames = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    static let dayNames = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]

    /// A UTC civil date and time.
    struct Civil {
        var year: Int, month: Int, day: Int, hour: Int, minute: Int, second: Int, weekday: Int
    }

    /// Days since 1970-01-01 (Howard Hinnant's days_from_civil); also the log scanner's calendar.
    public static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The inverse: seconds since the epoch → civil UTC (civil_from_days).
    static func civil(_ seconds: Double) -> Civil {
        let total = Int(seconds.rounded(.down))
        let days = total >= 0 ? total / 86_400 : (total - 86_399) / 86_400
        let secondsOfDay = total - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        let weekday = ((days % 7) + 7 + 4) % 7  // 1970-01-01 was a Thursday
        return Civil(
            year: year, month: month, day: day, hour: secondsOfDay / 3600, minute: secondsOfDay % 3600 / 60,
            second: secondsOfDay % 60,
            weekday: weekday)
    }

    private static func two(_ n: Int) -> String { n < 10 ? "0\(n)" : "\(n)" }
    private static func four(_ n: Int) -> String {
        String(repeating: "0", count: max(0, 4 - String(n).count)) + String(n)
    }

    /// Seconds within years 1…9999: hostile claims (`exp: 1e300`) and headers stay printable.
    static let representable = -62_135_596_800.0...253_402_300_799.0

    /// `2026-11-29T05:12:00Z`; out-of-range values print as `(out of range: …)`.
    public static func iso8601(_ seconds: Double) -> String {
        guard representable.contains(seconds) else { return "(out of range: \(seconds))" }
        let c = civil(seconds)
        return "\(four(c.year))-\(two(c.month))-\(two(c.day))T\(two(c.hour)):\(two(c.minute)):\(two(c.second))Z"
    }

    /// IMF-fixdate, the form servers must send: `Sun, 06 Nov 1994 08:49:37 GMT`.
    public static func imfFixdate(_ seconds: Double) -> String {
        let c = civil(min(max(seconds, representable.lowerBound), representable.upperBound))
        return
            """
            \(dayNames[c.weekday]), \(two(c.day)) \(monthNames[c.month - 1]) \(four(c.year)) \
            \(two(c.hour)):\(two(c.minute)):\(two(c.second)) GMT
            """
    }

    /// Any of the three HTTP-date forms → seconds since the epoch; nil when it is none of them.
    public static func parse(_ text: String) -> Double? {
        let months = monthNames.map { $0.lowercased() }
        let words = text.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)
        var day: Int?
        var month: Int?
        var year: Int?
        var time: [Int]?
        for word in words {
            if word.contains(":") {
                let parts = word.split(separator: ":").compactMap { Int($0) }
                if parts.count == 3 { time = parts }
            } else if word.contains("-") {
                // RFC 850: 06-Nov-94
                let parts = word.split(separator: "-").map(String.init)
                if parts.count == 3, let d = Int(parts[0]), let m = months.firstIndex(of: parts[1].lowercased()),
                    let y = Int(parts[2])
                {
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
        guard let d = day, let m = month, let y = year, let t = time, (1...31).contains(d), (1...9999).contains(y),
            (0..<24).contains(t[0]), (0..<60).contains(t[1]), (0..<61).contains(t[2])
        else { return nil }
        return Double(daysFromCivil(y, m, d) * 86_400 + t[0] * 3600 + t[1] * 60 + t[2])
    }
}
