import Checkup
import Evidence
import HTTPAuth
import Imports
import Report

/// `why401 curl …` / `why401 URL --from-curl …`: a pasted "Copy as cURL" (bash or cmd), "Copy as
/// PowerShell" or "Copy as fetch" command, diagnosed like `why401 URL` with exactly its method,
/// headers, cookies and body.
public struct CurlRequest: Sendable {
    public enum Input: Sendable {
        /// The whole pasted line (or lines, with continuations).
        case text(String)
        /// The command's words as a shell split them (what follows `why401 curl`); one word holding
        /// whitespace is read as a pasted line.
        case words([String])
    }

    public var input: Input
    /// The plan's own settings (repeats, budget, token key, timeouts, `--resolve`, `-k`); the
    /// pasted command sets everything that is sent, and may tighten timeouts or add `-k`.
    public var settings: CheckRequest
    /// The report's `command`: `curl`, or `check` for `why401 URL --from-curl`.
    public var command: String
    /// Whether `-d @FILE` and `-b FILE` may read files on this machine. The CLI says yes (the user's
    /// own files); a front end taking commands from a browser must say no.
    public var readsFiles: Bool
    /// Asked for the password when the command has `-u USER` without one (the CLI prompts); nil: a
    /// usage error.
    public var password: (@Sendable (_ user: String) throws -> String)?

    public init(
        input: Input, settings: CheckRequest = CheckRequest(url: ""), command: String = "curl", readsFiles: Bool = true,
        password: (@Sendable (_ user: String) throws -> String)? = nil
    ) {
        self.input = input
        self.settings = settings
        self.command = command
        self.readsFiles = readsFiles
        self.password = password
    }
}

extension UseCase {
    /// Parses the pasted command, turns it into the check request it stands for (with Plan notes
    /// saying what was read, ignored, unknown or changed — never a value), and runs `check`.
    /// Throws `AuditFailure.usage` for a command why401 cannot reproduce (the option is named) and
    /// `.incomplete` for a file it names that cannot be read; `.usage` for plan settings outside
    /// `CheckRequest.validateLimits()`.
    public static func diagnoseCurl(_ request: CurlRequest) async throws -> CheckResult {
        try request.settings.validateLimits()
        let pasted = try parseCurl(request.input)
        let (checkRequest, notes) = try curlCheckRequest(
            pasted, settings: request.settings, readsFiles: request.readsFiles, password: request.password)
        return await runCheck(
            checkRequest, command: request.command, notes: notes, followedRedirectNote: curlRedirectNote(pasted))
    }

    static func parseCurl(_ input: CurlRequest.Input) throws -> CurlCommandLine {
        do {
            switch input {
            case .text(let text):
                return try CurlCommandLine.parse(text)
            case .words(let words):
                guard !words.isEmpty else {
                    throw AuditFailure.usage("paste the curl command after 'why401 curl' (or use --from FILE|-)")
                }
                if words.count == 1, words[0].contains(where: { $0.isWhitespace }) {
                    return try CurlCommandLine.parse(words[0])
                }
                return try CurlCommandLine.parseWords(words)
            }
        } catch let error as CurlParseError {
            throw AuditFailure.usage(error.description)
        }
    }

    /// The check request the command sends, on top of the plan `settings`; and the Plan notes.
    static func curlCheckRequest(
        _ pasted: CurlCommandLine, settings: CheckRequest, readsFiles: Bool,
        password: (@Sendable (_ user: String) throws -> String)?
    ) throws -> (CheckRequest, [String]) {
        func readFile(_ path: String, what: String) throws -> [UInt8] {
            guard readsFiles else { throw AuditFailure.usage("\(what): files cannot be read here; paste the content") }
            return try InputFile.contents(path, what: what)
        }
        let sent = try pasted.request { path in
            guard path != "-" else {
                throw AuditFailure.usage(
                    "curl data @- (stdin) is not supported: save the body to a file and use @FILE")
            }
            return try readFile(path, what: "curl data @FILE")
        }
        var r = settings
        r.url = sent.url
        r.method = sent.method
        r.body = sent.body
        var notes: [String] = []
        var droppedEncoding = false
        for header in sent.headers {
            let lower = header.name.lowercased()
            if lower == "accept-encoding" {
                droppedEncoding = true
            } else if lower == "cookie", let pairs = cookiePairs(header.value) {
                r.cookies += pairs
            } else {
                r.headers.append(HeaderField(header.name, header.value))
            }
        }
        for string in pasted.cookies {
            if let pairs = cookiePairs(string) {
                r.cookies += pairs
            } else {
                r.headers.append(HeaderField("Cookie", string))
            }
        }
        for file in pasted.cookieFiles {
            r.addCookieJar(text: String(decoding: try readFile(file, what: "curl -b FILE"), as: UTF8.self))
        }
        if let user = pasted.user {
            if let colon = user.firstIndex(of: ":") {
                r.user = String(user[..<colon])
                r.password = String(user[user.index(after: colon)...])
            } else {
                guard let password else {
                    throw AuditFailure.usage("-u \(user) has no password: give -u USER:PASS")
                }
                r.user = user
                r.password = try password(user)
            }
        }
        r.bearer = pasted.bearer
        r.passwordMode = pasted.authMode == .digest ? .digest : pasted.authMode == .any ? .any : .basic
        r.probe.insecure = settings.probe.insecure || pasted.insecure
        if let max = pasted.maxRedirects { r.maxRedirects = max }
        if pasted.http1Only { r.probe.preferHTTP2 = false }
        if let seconds = pasted.maxTime {
            r.probe.deadline = seconds
            r.probe.readTimeout = min(r.probe.readTimeout, seconds)
        }
        if let seconds = pasted.connectTimeout { r.probe.connectTimeout = seconds }
        for item in pasted.resolve { try r.addResolve(item) }
        if pasted.removedHeaders.contains("user-agent") { r.probe.userAgent = "" }

        let cookieCount = r.cookies.count
        let headerCount = r.headers.count
        var summary =
            "read as \(pasted.flavour.rawValue): \(sent.method), \(headerCount) header\(headerCount == 1 ? "" : "s")"
        if cookieCount > 0 { summary += ", \(cookieCount) cookie\(cookieCount == 1 ? "" : "s")" }
        if !sent.body.isEmpty { summary += ", a \(sent.body.count)-byte body" }
        if pasted.user != nil { summary += ", a password (\(r.passwordMode.rawValue))" }
        if pasted.bearer != nil { summary += ", a Bearer token" }
        notes.append(summary)
        if !r.headers.contains(where: { $0.name.lowercased() == "user-agent" }) && r.probe.userAgent != "" {
            notes.append("User-Agent: the command sets none, so why401 sends its own (\(r.probe.userAgent))")
        }
        if pasted.compressed || droppedEncoding {
            notes.append(
                "\(pasted.compressed ? "--compressed" : "Accept-Encoding") not sent: why401 asks for an uncompressed "
                    + "answer to read the server's message (the encoding takes no part in authentication)")
        }
        if pasted.locationTrusted {
            notes.append(
                "--location-trusted: why401 still never sends credentials to another origin after a redirect; "
                    + "the report names where they would have gone")
        }
        if !pasted.ignoredOptions.isEmpty {
            notes.append(
                "options that change nothing sent, ignored: \(pasted.ignoredOptions.prefix(12).joined(separator: ", "))"
            )
        }
        if !pasted.unknownOptions.isEmpty {
            notes.append("unknown options, not applied: \(pasted.unknownOptions.prefix(12).joined(separator: ", "))")
        }
        notes += pasted.notes
        return (r, notes)
    }

    /// A curl command without -L stops at a redirect; the plan follows it. Said when it happened.
    static func curlRedirectNote(_ pasted: CurlCommandLine) -> String? {
        let stopsAtRedirect = !pasted.followRedirects && pasted.maxRedirects == nil
        guard stopsAtRedirect, pasted.flavour != .fetch, pasted.flavour != .powershell else { return nil }
        return
            "the command has no -L, so curl stops at the redirect; why401 followed it to find where the 401 comes from"
    }

    /// `a=b; c=d` as pairs; nil when a piece is not `name=value` (then the string goes as written).
    static func cookiePairs(_ text: String) -> [(name: String, value: String)]? {
        var pairs: [(name: String, value: String)] = []
        for piece in text.split(separator: ";") {
            let trimmed = piece.trimmingOWS
            if trimmed.isEmpty { continue }
            guard let eq = trimmed.firstIndex(of: "="), eq != trimmed.startIndex else { return nil }
            pairs.append((String(trimmed[..<eq]), String(trimmed[trimmed.index(after: eq)...])))
        }
        return pairs
    }
}
