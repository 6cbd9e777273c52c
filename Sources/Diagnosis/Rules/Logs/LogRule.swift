import Evidence
import HTTPAuth
import TextEscaping

/// The knobs of the log rules, each a `why401 logs` flag. Defaults are chosen so a person mistyping a
/// password a few times, or a monitor polling once a minute, is not called an attack.
public struct LogThresholds: Sendable, Equatable {
    /// `logs.brute-force`: at least this many failed 401s from one client in the whole input …
    public var bruteForceMinFailures: Int
    /// … and at least this many within one burst window (`LogScanOptions.burstWindow`, 60 s by default).
    public var bruteForceMinPeak: Int
    /// `logs.spike`: a bucket's failed 401s must be at least this many times the baseline per bucket …
    public var spikeFactor: Double
    /// … and at least this many in absolute terms (two failures after zero are not a spike).
    public var spikeMinFailures: Int
    /// `logs.never-succeeds`: a client or user needs at least this many failures to be reported.
    public var neverSucceedsMinFailures: Int
    /// How many offenders the brute-force fix names in its `deny` / `Require not ip` lines.
    public var blockListLimit: Int

    /// Thresholds with the `why401 logs` defaults; pass a value to change one knob.
    public init(
        bruteForceMinFailures: Int = 20, bruteForceMinPeak: Int = 10, spikeFactor: Double = 3,
        spikeMinFailures: Int = 10,
        neverSucceedsMinFailures: Int = 5, blockListLimit: Int = 10
    ) {
        self.bruteForceMinFailures = bruteForceMinFailures
        self.bruteForceMinPeak = bruteForceMinPeak
        self.spikeFactor = spikeFactor
        self.spikeMinFailures = spikeMinFailures
        self.neverSucceedsMinFailures = neverSucceedsMinFailures
        self.blockListLimit = blockListLimit
    }
}

/// What a log rule judges: the scanned summary and the thresholds in force.
public struct LogEvidence: Sendable {
    /// The scanned logs, masked: every count, top list and error event.
    public var summary: LogSummary
    /// The knobs in force, so rules and the report agree on what counts.
    public var thresholds: LogThresholds

    /// Pairs a summary with the thresholds to judge it by (the defaults unless given).
    public init(_ summary: LogSummary, thresholds: LogThresholds = LogThresholds()) {
        self.summary = summary
        self.thresholds = thresholds
    }
}

/// The log rules, most specific first: error-log causes name the reason for the 401s, access-log
/// patterns say who and when.
public enum LogRules {
    /// The log family as one `RuleSet`: what `why401 logs` runs over its `LogEvidence`.
    public static let set = RuleSet<LogEvidence>(
        "logs",
        [
            AuthfileUnreadableLogRule.self,
            AuthNotConfiguredLogRule.self,
            HtaccessNotAllowedLogRule.self,
            PasswordMismatchLogRule.self,
            UserNotFoundLogRule.self,
            AuthorizationFailureLogRule.self,
            WrongSchemeLogRule.self,
            BruteForceLogRule.self,
            SpikeLogRule.self,
            NeverSucceedsLogRule.self,
            NoCredentialsLogRule.self,
            UnrecognizedFormatLogRule.self,
            MalformedLinesLogRule.self,
            InputIncompleteLogRule.self,
        ])

    /// The rules, in rank order.
    public static var all: [any Rule<LogEvidence>.Type] { Self.set.rules }

    /// Every finding, ranked (errors first, then rule order).
    public static func run(_ summary: LogSummary, thresholds: LogThresholds = LogThresholds()) -> [Finding] {
        let evidence = LogEvidence(summary, thresholds: thresholds)
        return set.run(evidence)
    }
}

/// Times and spans as the log findings print them: ISO-8601 UTC, to the second.
public enum LogTime {
    /// `2026-11-29T08:51:16Z`: epoch seconds as ISO-8601 UTC.
    public static func iso(_ seconds: Int64) -> String { HTTPDate.iso8601(Double(seconds)) }
    /// As `iso(_:)` for a time that may be unknown, `-` then.
    public static func iso(_ seconds: Int64?) -> String { seconds.map { iso($0) } ?? "-" }

    /// `2026-11-29 08:51` (UTC), the form `journalctl --since` takes.
    public static func journal(_ seconds: Int64) -> String {
        String(iso(seconds).prefix(16).map { $0 == "T" ? " " : $0 })
    }

    /// `45 s`, `12 min`, `3 h 5 min` (negative spans count as none).
    public static func span(_ seconds: Int64) -> String { Figures.span(seconds: max(0, seconds)) }

    /// `minute` / `hour` / `N s` for a bucket width.
    public static func unit(_ bucketSeconds: Int) -> String {
        switch bucketSeconds {
        case 60: "minute"
        case 3600: "hour"
        case 86_400: "day"
        default: "\(bucketSeconds) s"
        }
    }
}

/// Small number formatting shared by the log rules and the log report.
public enum LogFigures {
    /// `12.5%` (one decimal), `0%` for an empty denominator.
    public static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "0%" }
        return percent(Double(part) / Double(whole))
    }

    /// A share (0…1) as a percentage with at most one decimal: `12.5%`, `8%`.
    public static func percent(_ share: Double) -> String {
        let tenths = Int((share * 1000).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)%" : "\(tenths / 10).\(tenths % 10)%"
    }

    /// One decimal, without a trailing `.0`.
    public static func decimal(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(abs(tenths % 10))"
    }

    /// `"alice"`, or `(empty)` for the empty name Apache logs for malformed Basic credentials.
    /// A user name for a sentence. Apache logs an empty user name as `""`, and LogScan reports it as
    /// those two characters; quoting them again would print `""""`.
    public static func user(_ name: String) -> String {
        name.isEmpty || name == "\"\"" ? "\"\" (empty user name)" : "\"\(name)\""
    }

    /// A value from a log made safe to paste into a shell command: kept when it is plainly a word
    /// (`alice`, `/etc/apache2/.htpasswd`), else single-quoted. Log content is hostile: a "user name"
    /// can be `$(rm -rf ~)`.
    public static func shell(_ value: String) -> String { ShellWord.quoted(value) }

    /// Whether a client "address" from a log is an IPv4/IPv6 address (or CIDR) that may go into a
    /// `deny` / `Require not ip` line unchanged; anything else is never pasted into a server config.
    public static func isAddress(_ value: String) -> Bool {
        !value.isEmpty && value.count <= 64
            && value.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isASCIIHexDigit || ".:/".unicodeScalars.contains($0))
            }
            && value.unicodeScalars.contains { ".:".unicodeScalars.contains($0) }
    }

    /// The first `limit` items and, when cut, a line saying how many more there are.
    static func capped(_ items: [String], total: Int, limit: Int = 20) -> [String] {
        let shown = Array(items.prefix(limit))
        return total > shown.count ? shown + ["… and \(total - shown.count) more"] : shown
    }
}

extension String {
    /// Every occurrence of `target` replaced (no Foundation).
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for ch in self { if ch == target { out += replacement } else { out.append(ch) } }
        return out
    }
}
