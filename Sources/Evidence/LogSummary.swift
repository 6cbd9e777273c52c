import HTTPAuth

/// What `why401 logs` learned from access and error logs: the evidence the log rules judge.
///
/// Produced by `LogScan` (which reads files, possibly in parallel chunks, and merges partial
/// aggregates) and consumed by pure rules in `Diagnosis`. Every figure is a count over the whole
/// input, so an independent count of a generated log must give the same numbers. Times are UTC
/// seconds since the epoch (the log's own offset applied); no `Date` so the value stays cheap and exact.
/// Every string in it (paths, addresses, users, user agents, error-log fields) is already masked by
/// `LogSecretMasking` where `LogScan` built it: a summary never carries a credential from a log.
public struct LogSummary: Sendable, Equatable {
    /// One entry per input (file, rotated `.gz`, or `-`), in the order given.
    public var inputs: [LogInput]

    // MARK: access logs

    /// Lines read from access logs (including malformed and blank-free lines).
    public var lines: Int
    /// Lines that parsed as requests.
    public var requests: Int
    /// Responses with status 401 (every one, handshakes included).
    public var unauthorized: Int
    /// 401s recognised as a normal challenge-then-success pair: the same client and path got a 2xx
    /// within `handshakeWindow` seconds after the 401. They are counted in `unauthorized` but not in
    /// `failures` nor in any top list, client, user or timeline failure figure.
    public var handshakes: Int
    /// Requests answered 2xx or 3xx.
    public var successes: Int
    /// Lines that did not parse in any detected format.
    public var malformed: Int
    /// The first few malformed lines (at most `LogSummary.sampleLimit`), for `logs.malformed-lines`.
    public var malformedSamples: [LineReference]
    /// Earliest and latest request time among parsed access-log lines.
    public var first: Int64?
    /// Latest request time among parsed access-log lines (nil when none parsed).
    public var last: Int64?
    /// Seconds within which a 2xx from the same client and path turns a 401 into a handshake.
    public var handshakeWindow: Int

    /// Requests and failed 401s per bucket, oldest first, without gaps (empty buckets are present).
    public var timeline: [TimeBucket]
    /// Bucket width in seconds (60 for minutes, 3600 for hours): chosen from the span of the data.
    public var bucketSeconds: Int

    /// Top values among failed 401s (handshakes excluded), most frequent first, at most `topLimit` each.
    public var topPaths: [Tally]
    /// Client addresses with the most failed 401s.
    public var topClients: [Tally]
    /// User names with the most failed 401s.
    public var topUsers: [Tally]
    /// User agents with the most failed 401s (masked: some carry credentials).
    public var topUserAgents: [Tally]

    /// Every client address that received at least one failed 401, with its whole record.
    public var clients: [ClientRecord]
    /// Every user name (`%u`, not `-`) that received at least one failed 401.
    public var users: [UserRecord]

    // MARK: error logs

    /// Error-log lines read.
    public var errorLines: Int
    /// Error-log lines that mapped to an authentication cause, grouped by (cause, user, path, file).
    public var errorEvents: [ErrorEvent]

    /// How many values each top list and `ClientRecord.usersTried` keep.
    public static let topLimit = 10
    /// How many malformed lines are kept as samples.
    public static let sampleLimit = 5

    /// Failed 401s: every 401 that was not part of a normal challenge-then-success handshake.
    public var failures: Int { unauthorized - handshakes }

    /// Assembles a summary; `LogScan` builds it from files, tests and other producers may build one by hand (then mask
    /// it with `LogSecretMasking.masked(_:)`).
    public init(
        inputs: [LogInput] = [], lines: Int = 0, requests: Int = 0, unauthorized: Int = 0, handshakes: Int = 0,
        successes: Int = 0, malformed: Int = 0, malformedSamples: [LineReference] = [], first: Int64? = nil,
        last: Int64? = nil, handshakeWindow: Int = 10, timeline: [TimeBucket] = [], bucketSeconds: Int = 60,
        topPaths: [Tally] = [], topClients: [Tally] = [], topUsers: [Tally] = [], topUserAgents: [Tally] = [],
        clients: [ClientRecord] = [], users: [UserRecord] = [], errorLines: Int = 0, errorEvents: [ErrorEvent] = []
    ) {
        self.inputs = inputs
        self.lines = lines
        self.requests = requests
        self.unauthorized = unauthorized
        self.handshakes = handshakes
        self.successes = successes
        self.malformed = malformed
        self.malformedSamples = malformedSamples
        self.first = first
        self.last = last
        self.handshakeWindow = handshakeWindow
        self.timeline = timeline
        self.bucketSeconds = bucketSeconds
        self.topPaths = topPaths
        self.topClients = topClients
        self.topUsers = topUsers
        self.topUserAgents = topUserAgents
        self.clients = clients
        self.users = users
        self.errorLines = errorLines
        self.errorEvents = errorEvents
    }
}

/// One input and what became of it.
public struct LogInput: Sendable, Equatable {
    /// Whether the input is an access log (requests and statuses) or an error log (the server's reasons).
    public enum Kind: String, Sendable, Equatable {
        /// An access log: one request per line.
        case access
        /// An error log: the server's messages, including why it refused credentials.
        case error
    }

    /// As the user named it (`-` for stdin).
    public var path: String
    /// Access or error log, detected or given.
    public var kind: Kind
    /// Detected or given format: `combined`, `common`, `vhost_combined`, `json`, `custom`,
    /// `apache-error`, `nginx-error`, or `unknown` (no line of it was recognised).
    public var format: String
    /// Whether the input was gzip-compressed (a rotated `.gz`).
    public var gzip: Bool
    /// Lines read from this input.
    public var lines: Int
    /// Lines of this input that did not parse in its format.
    public var malformed: Int
    /// Why the input could not be read completely (unreadable, truncated gzip, binary), or nil.
    /// An input with a problem is still counted as far as it was read.
    public var problem: String?
    /// How the input was read where that is not obvious from `format`, one sentence each: the client
    /// taken from an X-Forwarded-For list, a virtual host without port first, error-log lines joined
    /// to the record before them.
    public var notes: [String]

    /// Records one input and how it was read.
    public init(
        path: String, kind: Kind, format: String, gzip: Bool = false, lines: Int = 0, malformed: Int = 0,
        problem: String? = nil,
        notes: [String] = []
    ) {
        self.path = path
        self.kind = kind
        self.format = format
        self.gzip = gzip
        self.lines = lines
        self.malformed = malformed
        self.problem = problem
        self.notes = notes
    }

    /// Lines were read but none of them in a known format: the input says nothing, which is not the
    /// same as saying nothing is wrong.
    public var unrecognized: Bool { format == "unknown" && lines > 0 }
}

/// A line in an input: 1-based line number within that input.
public struct LineReference: Sendable, Equatable {
    /// The input as the user named it.
    public var path: String
    /// The 1-based line number within that input.
    public var line: Int

    /// Points at one line of one input.
    public init(path: String, line: Int) {
        self.path = path
        self.line = line
    }
}

/// One step of the timeline: requests and failed 401s within `LogSummary.bucketSeconds`.
public struct TimeBucket: Sendable, Equatable {
    /// Bucket start, UTC epoch seconds (a multiple of the bucket width).
    public var start: Int64
    /// Requests in this bucket.
    public var requests: Int
    /// Failed 401s (handshakes excluded).
    public var failures: Int

    /// Records one bucket.
    public init(start: Int64, requests: Int, failures: Int) {
        self.start = start
        self.requests = requests
        self.failures = failures
    }
}

/// A value and how often it occurred.
public struct Tally: Sendable, Equatable {
    /// The value counted (a path, an address, a user name, a user agent).
    public var value: String
    /// How many failed 401s carried it.
    public var count: Int

    /// Pairs a value with its count.
    public init(_ value: String, _ count: Int) {
        self.value = value
        self.count = count
    }
}

/// One client address across the whole input.
public struct ClientRecord: Sendable, Equatable {
    /// The client address as logged (or taken from `X-Forwarded-For`, see `LogInput.notes`).
    public var address: String
    /// Failed 401s (handshakes excluded).
    public var failures: Int
    /// 2xx/3xx answers to this client.
    public var successes: Int
    /// Time of the first and last failed 401.
    public var firstFailure: Int64
    /// Time of the last failed 401.
    public var lastFailure: Int64
    /// The most failed 401s within any `burstWindow`-second window (brute-force evidence).
    public var peakFailures: Int
    /// The width in seconds of the window `peakFailures` was counted in.
    public var burstWindow: Int
    /// Distinct user names tried in failed 401s (at most `LogSummary.topLimit` kept) and their count.
    public var usersTried: [String]
    /// How many distinct user names this client tried, even beyond those kept in `usersTried`.
    public var distinctUsers: Int

    /// Records one client; `LogScan` builds these, tests may too.
    public init(
        address: String, failures: Int, successes: Int, firstFailure: Int64, lastFailure: Int64, peakFailures: Int,
        burstWindow: Int, usersTried: [String], distinctUsers: Int
    ) {
        self.address = address
        self.failures = failures
        self.successes = successes
        self.firstFailure = firstFailure
        self.lastFailure = lastFailure
        self.peakFailures = peakFailures
        self.burstWindow = burstWindow
        self.usersTried = usersTried
        self.distinctUsers = distinctUsers
    }
}

/// One user name (as logged by `%u` / `$remote_user`) across the whole input.
public struct UserRecord: Sendable, Equatable {
    /// The user name as logged.
    public var name: String
    /// Failed 401s for this user (handshakes excluded).
    public var failures: Int
    /// 2xx/3xx answers logged for this user.
    public var successes: Int
    /// Time of the first failed 401.
    public var firstFailure: Int64
    /// Time of the last failed 401.
    public var lastFailure: Int64

    /// Records one user; `LogScan` builds these, tests may too.
    public init(name: String, failures: Int, successes: Int, firstFailure: Int64, lastFailure: Int64) {
        self.name = name
        self.failures = failures
        self.successes = successes
        self.firstFailure = firstFailure
        self.lastFailure = lastFailure
    }
}

/// Error-log lines of one cause for one user, path and file, grouped.
public struct ErrorEvent: Sendable, Equatable {
    /// The authentication cause an error-log line maps to; each is judged by its own log rule.
    public enum Cause: String, Sendable, Equatable, CaseIterable {
        /// Apache AH01617 (Basic), AH01794 (Digest); nginx `password mismatch`.
        case passwordMismatch = "password-mismatch"
        /// Apache AH01618 (Basic), AH01790 (Digest); nginx `was not found in`.
        case userNotFound = "user-not-found"
        /// Apache AH01620 `Could not open password file`; nginx `open() "…" failed`.
        case authfileUnreadable = "authfile-unreadable"
        /// Apache AH01614 / AH01781: the client used another scheme than the area's.
        case wrongScheme = "wrong-scheme"
        /// Apache AH01631: authenticated, but `Require` does not admit the user (still a 401).
        case authorizationFailure = "authorization-failure"
        /// Apache AH00027: `Require` without authentication configured (500).
        case authNotConfigured = "auth-not-configured"
        /// Apache `.htaccess: AuthType not allowed here` (AllowOverride lacks AuthConfig → 500).
        case htaccessNotAllowed = "htaccess-not-allowed"
        /// nginx (info level) `no user/password was provided for basic authentication`.
        case noCredentials = "no-credentials"
    }

    /// What the server says went wrong.
    public var cause: Cause
    /// `apache` or `nginx`.
    public var server: String
    /// The message code where there is one (`AH01617`), else nil.
    public var code: String?
    /// The user name the line names, if any.
    public var user: String?
    /// Request path (Apache) or request line target (nginx), where the line names one.
    public var path: String?
    /// The password file or `.htaccess` the line names, where it names one.
    public var file: String?
    /// OS error text for unreadable files (`Permission denied`, `No such file or directory`).
    public var reason: String?
    /// How many lines of this group were seen.
    public var count: Int
    /// Time of the first line of the group, when the line carried a time.
    public var first: Int64?
    /// Time of the last line of the group, when the line carried a time.
    public var last: Int64?
    /// Where the first such line is.
    public var firstLine: LineReference

    /// Records one group of error-log lines.
    public init(
        cause: Cause, server: String, code: String?, user: String?, path: String?, file: String?, reason: String?,
        count: Int, first: Int64?, last: Int64?, firstLine: LineReference
    ) {
        self.cause = cause
        self.server = server
        self.code = code
        self.user = user
        self.path = path
        self.file = file
        self.reason = reason
        self.count = count
        self.first = first
        self.last = last
        self.firstLine = firstLine
    }
}

/// Logs are not supposed to hold credentials, but some do: a custom `LogFormat` with
/// `%{Authorization}i`, a JSON log with an `authorization` field, tokens in query strings
/// (`?access_token=…`), or a Basic header that ended up in a user-agent field. `LogScan` passes every
/// string it puts into a `LogSummary` through here as it builds the summary, so no unmasked secret
/// ever sits in the evidence that rules, renderers and front ends receive; the masking is the live
/// probe's (`SecretMasking`). User names are not secrets and stay as they are, except names that
/// look like API keys (masked as in `Basic` credentials).
///
/// It lives beside `LogSummary` (not in `LogScan`) because the guarantee is the summary's: any other
/// producer of a summary (a test, a future importer) masks with the same functions.
public enum LogSecretMasking {
    /// Words that start an `Authorization` value; what follows them is masked.
    static let schemes: Set<String> = [
        "basic", "bearer", "digest", "negotiate", "ntlm", "token", "hoba", "mutual", "aws4-hmac-sha256", "dpop", "mac",
    ]
    /// Scheme names that are also everyday words in user agents and text ("Intel Mac OS X",
    /// "token expired"): they start a credential only when a credential-shaped word follows
    /// (at least 8 characters, or a `name="value"` parameter list).
    static let ambiguousSchemes: Set<String> = ["mac", "token"]

    /// The summary with every string passed through the masking, for producers other than `LogScan` that build a
    /// summary from unmasked text.
    public static func masked(_ s: LogSummary) -> LogSummary {
        var s = s
        // A big log repeats the same few user names across tens of thousands of client records:
        // each distinct name is judged once.
        var users: [String: String] = [:]
        func user(_ value: String) -> String {
            if let done = users[value] { return done }
            let result = LogSecretMasking.user(value)
            users[value] = result
            return result
        }
        s.topPaths = s.topPaths.map { Tally(path($0.value), $0.count) }
        s.topClients = s.topClients.map { Tally(text($0.value), $0.count) }
        s.topUsers = s.topUsers.map { Tally(user($0.value), $0.count) }
        s.topUserAgents = s.topUserAgents.map { Tally(text($0.value), $0.count) }
        for i in s.clients.indices {
            let address = s.clients[i].address
            if mayHoldSecret(address) { s.clients[i].address = text(address) }
            if !s.clients[i].usersTried.isEmpty { s.clients[i].usersTried = s.clients[i].usersTried.map(user) }
        }
        for i in s.users.indices { s.users[i].name = user(s.users[i].name) }
        s.errorEvents = s.errorEvents.map(masked)
        return s
    }

    /// An error-log event with its user, path, file and reason masked (the figures unchanged).
    public static func masked(_ event: ErrorEvent) -> ErrorEvent {
        var e = event
        e.user = e.user.map(user)
        e.path = e.path.map(path)
        e.file = e.file.map(text)
        e.reason = e.reason.map(text)
        return e
    }

    /// A client address as logged: usually a bare IP (returned as it is without a copy of the
    /// work), but a forged `X-Forwarded-For` or a custom format can put anything there.
    public static func address(_ value: String) -> String { mayHoldSecret(value) ? text(value) : value }

    /// A request path: secret query parameters masked, then any credential in it.
    public static func path(_ value: String) -> String { text(SecretMasking.maskURL(value)) }

    /// A user name: kept, unless it is itself a credential or looks like an API key.
    public static func user(_ value: String) -> String {
        let t = text(value)
        return t != value ? t : SecretMasking.displayUser(value, passwordIsEmpty: false)
    }

    /// Free text (user agents, addresses): `Basic …`/`Bearer …` values and JWT-shaped tokens masked.
    public static func text(_ value: String) -> String {
        guard mayHoldSecret(value) else { return value }
        // One word (addresses, most paths): only a JWT can be masked; skip the split.
        if !value.utf8.contains(0x20) {
            guard value.contains("eyJ") else { return value }
            let bare = value.trimmingQuotes()
            return looksLikeJWT(bare) ? SecretMasking.maskOpaque(bare) : value
        }
        var words = value.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        var changed = false
        var i = 0
        while i < words.count {
            let bare = words[i].trimmingQuotes()
            let scheme = bare.lowercased()
            if schemes.contains(scheme), i + 1 < words.count, !words[i + 1].isEmpty,
                !ambiguousSchemes.contains(scheme) || words[i + 1].trimmingQuotes().count >= 8
                    || words[i + 1].contains("=")
            {
                // The scheme's credential runs to the end for Digest-like parameter lists, else one word.
                let parameterList = words[(i + 1)...].joined(separator: " ").contains("=\"")
                let end = parameterList ? words.count : i + 2
                let credential = words[(i + 1)..<end].joined(separator: " ")
                let value = parameterList ? credential : credential.trimmingQuotes()
                words.replaceSubrange(i..<end, with: [SecretMasking.maskCredentials("\(bare) \(value)")])
                changed = true
            } else if looksLikeJWT(bare) {
                words[i] = SecretMasking.maskOpaque(bare)
                changed = true
            }
            i += 1
        }
        return changed ? words.joined(separator: " ") : value
    }

    /// Whether `text` could change the value: it has a space (a scheme and its credential) or `eyJ` (a JWT).
    /// One pass over the bytes — the common case for the thousands of addresses of a big log.
    static func mayHoldSecret(_ value: String) -> Bool {
        var previous2: UInt8 = 0
        var previous: UInt8 = 0
        for byte in value.utf8 {
            if byte == 0x20 || (previous2 == 0x65 && previous == 0x79 && byte == 0x4A) { return true }
            previous2 = previous
            previous = byte
        }
        return false
    }

    /// Three base64url parts starting with `eyJ` (`{"` encoded).
    static func looksLikeJWT(_ word: String) -> Bool {
        guard word.hasPrefix("eyJ"), word.count > 20 else { return false }
        return word.split(separator: ".", omittingEmptySubsequences: false).count == 3
    }
}

extension String {
    fileprivate func trimmingQuotes() -> String {
        var s = Substring(self)
        while let f = s.first, f == "\"" || f == "'" { s = s.dropFirst() }
        while let l = s.last, l == "\"" || l == "'" || l == "," { s = s.dropLast() }
        return String(s)
    }
}
