import Checkup
import Diagnosis
import Evidence
import HTTPAuth
import Imports
import Probe
import Report

extension UseCase {
    /// Call as early as possible in a process that is about to run a check: the HTTP client's one-time
    /// set-up (event-loop threads, the runtime's first type lookups) then runs on another core while
    /// the caller reads its arguments (`Prober.warmUp`). It sends nothing.
    public static func prepareCheck() { Prober.warmUp() }

    /// `why401 URL`: runs the client plan against the live server (as given → without credentials →
    /// an answer to each challenge → repeats → addresses → cookies → URL variants → preflight →
    /// discovery), then the client rules over its evidence. A request that got no HTTP answer at all
    /// is not an error: it comes back with `incomplete` set, and its report still shows what was tried.
    /// Throws `AuditFailure.usage` only for plan settings outside `CheckRequest.validateLimits()`.
    /// `command` names the report (`check`, or `curl` for a pasted command).
    public static func check(_ request: CheckRequest, command: String = "check") async throws -> CheckResult {
        try request.validateLimits()
        return await runCheck(request, command: command, notes: [], followedRedirectNote: nil)
    }

    /// The one path from a check request to a result, shared by `check`, `diagnoseCurl` and the demo.
    /// `notes` (what a pasted command was read as) go right after the credential count;
    /// `followedRedirectNote` is added only when the plan did follow a redirect.
    static func runCheck(
        _ request: CheckRequest, command: String, notes: [String], followedRedirectNote: String?,
        preface: [DiagnosticReport.Section] = []
    ) async -> CheckResult {
        var outcome = await Checkup.run(request)
        outcome.notes.insert(contentsOf: notes, at: min(1, outcome.notes.count))
        let followed = outcome.evidence.steps.contains { $0.kind == .redirect }
        if let followedRedirectNote, followed { outcome.notes.append(followedRedirectNote) }
        let evidence = outcome.evidence
        return CheckResult(
            command: command, subject: evidence.url.isEmpty ? "" : SecretMasking.maskURL(evidence.url),
            evidence: evidence,
            findings: ClientRules.run(evidence), notes: outcome.notes, incomplete: outcome.incomplete, preface: preface)
    }
}

extension CheckRequest {
    /// The bounds every front end gets, because the plan sends real requests on the user's behalf
    /// (servers lock accounts) and must end: 1–20 identical requests, 1–50 credentialed ones, a
    /// per-request timeout up to 600 s and a whole run up to 3600 s. The messages name the CLI flags,
    /// which the web API and MCP fields mirror. Throws `AuditFailure.usage`.
    public func validateLimits() throws {
        if !(1...20).contains(repeatCount) { throw AuditFailure.usage("--repeat must be between 1 and 20") }
        if !(1...50).contains(credentialBudget) {
            throw AuditFailure.usage("--max-credentialed must be between 1 and 50")
        }
        if !(probe.readTimeout > 0 && probe.readTimeout <= 600) {
            throw AuditFailure.usage("--timeout must be between 0 and 600 seconds")
        }
        if !(maxTime > 0 && maxTime <= 3600) {
            throw AuditFailure.usage("--max-time must be between 0 and 3600 seconds")
        }
    }

    /// A header as curl's `-H 'Name: value'` gives it (whitespace around the value trimmed).
    /// Throws `AuditFailure.usage` for a line without a name and a colon.
    public mutating func addHeader(line: String) throws {
        guard let colon = line.firstIndex(of: ":"), colon != line.startIndex else {
            throw AuditFailure.usage("-H needs 'Name: value'")
        }
        headers.append(
            HeaderField(String(line[..<colon]).trimmingOWS, String(line[line.index(after: colon)...]).trimmingOWS))
    }

    /// Cookies as curl's `-b 'name=value[; name2=value2]'` gives them. Throws `AuditFailure.usage`
    /// for a piece that is not `name=value`.
    public mutating func addCookies(line: String) throws {
        for pair in line.split(separator: ";") {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw AuditFailure.usage("-b needs 'name=value'") }
            cookies.append((String(parts[0]).trimmingOWS, String(parts[1]).trimmingOWS))
        }
    }

    /// A body as curl's `-d` sends it: POST unless a method was chosen, and a form Content-Type unless
    /// a header already names one (what the server sees must match what curl would have sent).
    public mutating func setFormBody(_ data: String, method explicitMethod: String?) {
        method = explicitMethod ?? "POST"
        body = Array(data.utf8)
        if !headers.contains(where: { $0.name.lowercased() == "content-type" }) {
            headers.append(HeaderField("Content-Type", "application/x-www-form-urlencoded"))
        }
    }

    /// `--resolve HOST:PORT:ADDR[,ADDR]`, as curl takes it: connect to these addresses for that host
    /// and port. Throws `AuditFailure.usage` for anything else.
    public mutating func addResolve(_ item: String) throws {
        let parts = item.split(separator: ":", maxSplits: 2).map(String.init)
        guard parts.count == 3, let port = Int(parts[1]), (1...65535).contains(port) else {
            throw AuditFailure.usage("--resolve needs HOST:PORT:ADDR[,ADDR]")
        }
        // IPv6 addresses may come bracketed, as in a URL.
        let brackets: Set<Character> = ["[", "]"]
        let addresses = parts[2].split(separator: ",").map { address in
            String(address.drop { brackets.contains($0) }.reversed().drop { brackets.contains($0) }.reversed())
        }
        probe.resolve["\(parts[0].lowercased()):\(port)", default: []] += addresses
    }

    /// A Netscape/curl cookie jar's text: the cookies a browser would send to this URL are added, and
    /// the ones it would not (expired, another path, secure over http) are recorded for the rules
    /// (`session.cookie-expired`…). Expiry is judged at `now`, or the wall clock.
    public mutating func addCookieJar(text: String) {
        guard case .success(let parts) = URLParts.parse(url) else { return }
        let selection = CookieJar(text: text).select(
            scheme: parts.scheme, host: parts.host, path: parts.pathAndQuery, now: now ?? WallClock.now())
        cookies += selection.send.map { ($0.name, $0.value) }
        unsentCookies += selection.excluded.map { cookie, reason in
            if case .expired(let at) = reason {
                return .init(name: cookie.name, reason: reason.description, expired: true, expiredAt: at)
            }
            return .init(name: cookie.name, reason: reason.description, expired: false)
        }
    }
}
