/// Small number forms several modules print and must print alike: a file mode as `chmod` takes it,
/// and a time span for a sentence.
public enum Figures {
    /// `0644`, `0750`, `4755`: at least four octal digits of the permission bits, as `chmod` and
    /// `stat -c %a` accept them.
    public static func octalMode(_ mode: UInt32) -> String {
        let digits = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }

    /// `45 s`, `12 min`, `3 h 5 min`, `2 d 4 h` (the sign is the caller's: "ago", "ahead").
    public static func span(seconds: Int64) -> String {
        let s = seconds == .min ? Int64.max : abs(seconds)
        if s < 120 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min" }
        if s < 86_400 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86_400) d \(s % 86_400 / 3600) h"
    }

    /// `span` for a fractional number of seconds (token times), rounded; beyond any real clock
    /// difference it says so instead of overflowing.
    public static func span(seconds: Double) -> String {
        guard seconds.isFinite, abs(seconds) < 1e15 else { return "more than 30 million years" }
        return span(seconds: Int64(abs(seconds).rounded()))
    }
}
