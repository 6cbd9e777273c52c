import ArgumentParser
import Checkup
import Diagnosis
import Evidence
import HTTPAuth
import Imports
import Probe
import Report

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `why401 URL [curl-like options]` (also `why401 check URL`): the whole client-side checklist
/// against a live server, most likely cause first.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Diagnose a live URL that answers 401 (the default command: 'why401 URL').",
        discussion: """
            Sends the request as given, then a short adaptive plan — without credentials, a correct answer to \
            each offered challenge (Basic, Digest, fresh nonce after stale=true), identical repeats, each \
            resolved address, without cookies, nearby URLs (trailing slash, https, www.), a CORS preflight \
            with --origin — and ranks the causes. At most --max-credentialed requests carry your \
            credentials (default 4, printed); credentials never go to another origin or from https to http. \
            With --bearer, the token's signature is verified with --secret, --key or --jwks, or else with the \
            jwks_uri that OAuth discovery (RFC 9728 resource metadata → RFC 8414 server metadata) finds; \
            discovery requests never carry credentials.

            Examples:
              why401 https://api.example.com/me -u alice          (prompts for the password, no echo)
              why401 https://api.example.com/me --bearer @token.txt
              why401 https://api.example.com/me --bearer @token.txt --jwks https://idp.example.com/jwks.json
              WHY401_PASSWORD=… why401 https://intranet/ -u alice --digest --json
              why401 --from-curl 'curl https://api.example.com/me -H "Authorization: Bearer …"'
            """
    )

    @Argument(help: "The URL that answers 401.")
    var url: String?

    @Option(name: .long, help: "A pasted curl command (\"Copy as cURL\", PowerShell or fetch) instead of the URL and request options: see 'why401 curl'.")
    var fromCurl: String?

    @Option(name: [.customShort("u"), .long], help: "USER[:PASS]. Without PASS: WHY401_PASSWORD, --password-stdin, or a no-echo prompt.")
    var user: String?

    @Flag(name: .long, help: "Read the password from the first line of stdin.")
    var passwordStdin = false

    @Option(name: .long, help: "A Bearer token: TOKEN, @FILE, or - for stdin.")
    var bearer: String?

    @Option(name: [.customShort("H"), .long], help: "Extra header 'Name: value' (repeatable).")
    var header: [String] = []

    @Option(name: [.customShort("b"), .long], help: "Cookie 'name=value[; name2=value2]' (repeatable).")
    var cookie: [String] = []

    @Option(name: .long, help: "A Netscape/curl cookie jar: cookies for this URL are sent; expired or unsent ones are reported.")
    var cookieJar: String?

    @Option(name: [.customShort("X"), .long], help: "Request method (default GET).")
    var request: String?

    @Option(name: [.customShort("d"), .long], help: "Request body (implies POST unless -X).")
    var data: String?

    @Flag(name: .customLong("basic"), help: "Send Basic preemptively (the default with -u).")
    var basicMode = false
    @Flag(name: .customLong("digest"), help: "Answer a Digest challenge (asks first, like curl --digest).")
    var digestMode = false
    @Flag(name: .customLong("anyauth"), help: "Ask first, then answer whatever the server offers.")
    var anyMode = false

    @OptionGroup(title: "Token signature (with --bearer)") var keys: TokenKeyOptions

    @Option(name: .long, help: "The audience (aud) this API expects in the token.")
    var audience: String?

    @Option(name: .long, help: "The issuer (iss) this API expects in the token.")
    var issuer: String?

    @Option(name: .long, help: "Origin for a CORS preflight check, e.g. https://app.example.com.")
    var origin: String?

    @Option(name: .long, help: "HOST:PORT:ADDR[,ADDR] — connect to these addresses (repeatable), like curl.")
    var resolve: [String] = []

    @Flag(name: [.customShort("k"), .long], help: "Accept any TLS certificate.")
    var insecure = false

    @Option(name: .long, help: "Identical requests in all, the first included (default 3).")
    var `repeat` = 3

    @Flag(name: .long, help: "Also try the trimmed and the Caps-Lock-inverted password (each counted).")
    var tryVariants = false

    @Flag(
        name: .long,
        help: "Let the plan send an unsafe method (POST, PUT, PATCH, DELETE…) and its body more than once (never after a 2xx). Default: once, as given; the other steps use GET.")
    var replayUnsafe = false

    @Option(name: .long, help: "At most this many requests carry your credentials (default 4).")
    var maxCredentialed = 4

    @Option(name: .long, help: "Seconds for each request (a timeout ends the plan early). Default 10.")
    var timeout: Double = 10

    @Option(name: .long, help: "Seconds for the whole run. Default 60.")
    var maxTime: Double = 60

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if fromCurl != nil {
            guard url == nil else { throw ValidationError("give the URL or --from-curl, not both") }
            let requestOptions = user != nil || bearer != nil || !header.isEmpty || !cookie.isEmpty || cookieJar != nil || request != nil
                || data != nil || basicMode || digestMode || anyMode || passwordStdin
            if requestOptions { throw ValidationError("with --from-curl the request comes from the curl command: drop -u, --bearer, -H, -b, --cookie-jar, -X, -d and the auth mode") }
        }
        guard let url = url ?? (fromCurl != nil ? "https://" : nil) else { throw ValidationError("give the URL that answers 401 (or --from-curl 'curl …')") }
        // `why401 exlain` is a mistyped command, not a URL: say so (exit 2) rather than "bad URL" (exit 3).
        if !url.contains("://") {
            // Not echoed: a mistyped URL can hold a password or a token.
            let hint = url.contains(".") ? " (a URL needs its scheme: https://…)" : ""
            throw ValidationError("the first argument is neither a command nor an absolute http(s) URL\(hint)")
        }
        if [basicMode, digestMode, anyMode].filter({ $0 }).count > 1 { throw ValidationError("choose one of --basic, --digest, --anyauth") }
        if `repeat` < 1 || `repeat` > 20 { throw ValidationError("--repeat must be between 1 and 20") }
        if maxCredentialed < 1 || maxCredentialed > 50 { throw ValidationError("--max-credentialed must be between 1 and 50") }
        if !(timeout > 0 && timeout <= 600) { throw ValidationError("--timeout must be between 0 and 600 seconds") }
        if !(maxTime > 0 && maxTime <= 3600) { throw ValidationError("--max-time must be between 0 and 3600 seconds") }
        if passwordStdin && bearer == "-" { throw ValidationError("stdin can hold the password or the token, not both") }
    }

    func run() async throws {
        if let fromCurl {
            let pasted = try CurlImport.parse(text: fromCurl)
            var base = CheckRequest(url: "")
            try applyPlanSettings(to: &base)
            let (checkRequest, notes) = try CurlImport.checkRequest(pasted, settings: base)
            return try await Self.diagnose(checkRequest, output: output, command: "check", notes: notes, followedRedirectNote: CurlImport.redirectNote(pasted))
        }
        try await Self.diagnose(try makeRequest(), output: output, command: "check")
    }

    /// The one path from a request to a printed report, shared by `why401 URL`, `--from-curl` and
    /// `why401 curl`: the plan, then rules → findings → renderer. `notes` go into the Plan section;
    /// `followedRedirectNote` is added when the plan followed a redirect.
    static func diagnose(_ checkRequest: CheckRequest, output: OutputOptions, command: String, notes: [String] = [], followedRedirectNote: String? = nil) async throws {
        var outcome = await Checkup.run(checkRequest)
        // What the pasted command was read as comes right after the credential count.
        outcome.notes.insert(contentsOf: notes, at: min(1, outcome.notes.count))
        if let followedRedirectNote, outcome.evidence.steps.contains(where: { $0.kind == .redirect }) { outcome.notes.append(followedRedirectNote) }
        let report = CheckReport.build(outcome, command: command)
        if let reason = outcome.incomplete {
            if output.effectiveFormat != .text || !report.findings.isEmpty {
                print(report.rendered(as: output.effectiveFormat, color: output.effectiveFormat == .text && Terminal.wantsColor), terminator: "")
            }
            throw CLIFailure.incomplete(reason)
        }
        try output.emit(report)
    }

    /// The plan's own settings (not the request): repeats, budget, key, timeouts, --resolve, -k.
    func applyPlanSettings(to r: inout CheckRequest) throws {
        if let (key, source) = try keys.localKey() {
            r.tokenKey = key
            r.tokenKeySource = source
        }
        r.origin = origin
        r.expectedAudience = audience
        r.expectedIssuer = issuer
        r.repeatCount = `repeat`
        r.tryVariants = tryVariants
        r.replayUnsafe = replayUnsafe
        r.credentialBudget = maxCredentialed
        r.maxTime = maxTime
        r.probe.insecure = insecure
        r.probe.connectTimeout = min(timeout, 10)
        r.probe.readTimeout = timeout
        r.probe.deadline = timeout
        r.jwksURL = keys.jwksURL
        for item in resolve { try Self.addResolve(item, to: &r) }
    }

    /// `--resolve HOST:PORT:ADDR[,ADDR]`, as curl takes it.
    static func addResolve(_ item: String, to r: inout CheckRequest) throws {
        let parts = item.split(separator: ":", maxSplits: 2).map(String.init)
        guard parts.count == 3, let port = Int(parts[1]), (1...65535).contains(port) else {
            throw CLIFailure.usage("--resolve needs HOST:PORT:ADDR[,ADDR]")
        }
        let addresses = parts[2].split(separator: ",").map { $0.trimmingCharacters(in: "[]") }
        r.probe.resolve["\(parts[0].lowercased()):\(port)", default: []] += addresses
    }

    func makeRequest() throws -> CheckRequest {
        guard let url else { throw CLIFailure.usage("give the URL that answers 401") }
        var r = CheckRequest(url: url)
        r.method = request ?? (data != nil ? "POST" : "GET")
        r.body = data.map { Array($0.utf8) } ?? []
        for line in header {
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
                throw CLIFailure.usage("-H needs 'Name: value'")
            }
            let name = String(line[..<colon]).trimmingOWS
            let value = String(line[line.index(after: colon)...]).trimmingOWS
            r.headers.append(HeaderField(name, value))
        }
        if data != nil, !r.headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            r.headers.append(HeaderField("Content-Type", "application/x-www-form-urlencoded"))
        }
        for item in cookie {
            for pair in item.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2 else { throw CLIFailure.usage("-b needs 'name=value'") }
                r.cookies.append((String(parts[0]).trimmingOWS, String(parts[1]).trimmingOWS))
            }
        }
        if let cookieJar { try loadJar(cookieJar, into: &r) }
        if let user {
            if let colon = user.firstIndex(of: ":") {
                r.user = String(user[..<colon])
                r.password = String(user[user.index(after: colon)...])
            } else {
                r.user = user
                r.password = try SecretInput.password(fromStdin: passwordStdin, prompt: "Password for \(user): ")
            }
        }
        if let bearer { r.bearer = try SecretInput.token(bearer) }
        r.passwordMode = digestMode ? .digest : anyMode ? .any : .basic
        try applyPlanSettings(to: &r)
        return r
    }
}

extension CheckCommand {
    /// Sends the jar's cookies for this URL and records the ones a browser would not send.
    func loadJar(_ path: String, into r: inout CheckRequest) throws {
        try Self.loadJar(path, what: "--cookie-jar", into: &r)
    }

    static func loadJar(_ path: String, what: String, into r: inout CheckRequest) throws {
        let text = try SecretInput.readSmallFile(path, what: what)
        guard case .success(let parts) = URLParts.parse(r.url) else { return }
        let jar = CookieJar(text: text)
        let selection = jar.select(scheme: parts.scheme, host: parts.host, path: parts.pathAndQuery, now: r.now ?? Self.currentTime())
        r.cookies += selection.send.map { ($0.name, $0.value) }
        r.unsentCookies = selection.excluded.map { cookie, reason in
            if case .expired(let at) = reason { return .init(name: cookie.name, reason: reason.description, expired: true, expiredAt: at) }
            return .init(name: cookie.name, reason: reason.description, expired: false)
        }
    }

    static func currentTime() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec)
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String { String(drop(while: { set.contains($0) }).reversed().drop(while: { set.contains($0) }).reversed()) }
}

/// Turns a check outcome into a report: rules → findings → verdict.
enum CheckReport {
    static func build(_ outcome: CheckOutcome, command: String) -> DiagnosticReport {
        let evidence = outcome.evidence
        let findings = ClientRules.run(evidence)
        let status = evidence.finalStatus
        let outcomeKind: DiagnosticReport.Outcome
        if outcome.incomplete != nil {
            outcomeKind = .error
        } else if status == 401 || status == 407 {
            outcomeKind = .unauthorized
        } else if findings.contains(where: { $0.severity == .error }) {
            outcomeKind = .problems
        } else {
            outcomeKind = .ok
        }
        var planLines = outcome.notes
        if let reason = outcome.incomplete { planLines.append("could not complete: \(reason)") }
        return DiagnosticReport(
            command: command, subject: evidence.url.isEmpty ? "" : SecretMasking.maskURL(evidence.url), outcome: outcomeKind, status: status,
            findings: findings, exchanges: evidence.steps.map(\.exchange),
            extra: [("plan", .array(planLines.map(JSONValue.string)))],
            sections: [DiagnosticReport.Section(title: "Plan", lines: planLines)])
    }
}
