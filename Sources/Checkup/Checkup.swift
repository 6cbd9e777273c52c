import Credentials
import Evidence
import HTTPAuth
import Probe

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What a check produced: the evidence for the rules, the plan's own notes, and — when the check
/// could not complete (bad URL, refused connection, TLS failure) — the one-line reason.
public struct CheckOutcome: Sendable {
    public var evidence: CheckEvidence
    /// `credentialed requests: 3 of 4`, `skipped per-address probes: budget spent`…
    public var notes: [String]
    /// Set when the request as given got no HTTP answer at all: exit 3.
    public var incomplete: String?
}

/// Runs the client-side plan against a live server: as given → without credentials → an answer to
/// each offered challenge → repeats → each address → without cookies → nearby URLs → CORS
/// preflight → resource metadata. Each step is one request recorded as evidence; the rules decide.
///
/// Credential policy (docs/check.md, "Credential policy"): credentials go only to the URL's own origin — never across a
/// redirect to another origin, never from https down to http, never to a variant of another
/// origin — and at most `credentialBudget` requests carry them.
public enum Checkup {
    public static func run(_ request: CheckRequest) async -> CheckOutcome {
        var runner = PlanRunner(request: request)
        let outcome = await runner.run()
        await runner.prober.shutdown()
        return outcome
    }
}

struct PlanRunner {
    let request: CheckRequest
    let prober: Prober
    let clock = ContinuousClock()
    let started: ContinuousClock.Instant
    var evidence: CheckEvidence
    var notes: [String] = []
    var user: String?
    var password: String?
    var parts = URLParts(scheme: "http", host: "invalid")
    /// The URL without userinfo: what goes on the wire.
    var target = ""
    /// The method every step after the request as given sends. An unsafe method (anything but
    /// GET, HEAD, OPTIONS, TRACE: RFC 9110 §9.2.1) is sent once, as given; the other steps learn
    /// with GET on the same URL, without the body — unless `--replay-unsafe`, and never after a 2xx.
    var learningMethod = "GET"
    /// Cookies the server set on a 401 of this origin (a Digest nonce kept in a session, a CSRF
    /// token): returned on the next requests of the run to the same origin, as a browser or
    /// `curl -b '' --digest` would. Held in memory only, never written anywhere.
    var serverCookies: [(name: String, value: String)] = []

    init(request: CheckRequest) {
        self.request = request
        self.prober = Prober(options: request.probe)
        self.started = clock.now
        self.evidence = CheckEvidence(url: SecretMasking.maskURL(request.url), credentialBudget: request.credentialBudget)
        self.user = request.user
        self.password = request.password
    }

    var elapsed: Double {
        let d = clock.now - started
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    var timeLeft: Bool { elapsed < request.maxTime }

    // MARK: the plan

    mutating func run() async -> CheckOutcome {
        switch URLParts.parse(request.url) {
        case .failure(let failure): return finish(incomplete: failure.description)
        case .success(let parsed): parts = parsed
        }
        target = "\(parts.scheme)://\(parts.hostHeader)\(parts.pathAndQuery)"
        evidence.localTime = request.now ?? Self.systemTime()
        evidence.origin = request.origin
        evidence.expectedAudience = request.expectedAudience
        evidence.expectedIssuer = request.expectedIssuer
        evidence.isLoopback = Self.isLoopback(parts.host)
        evidence.cookieNames = request.cookies.map(\.name)
        evidence.unsentCookies = request.unsentCookies
        if let info = parts.userinfo {
            evidence.credentialsInURL = true
            if user == nil {
                let split = info.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                user = Self.percentDecoded(String(split[0]))
                if split.count > 1 { password = Self.percentDecoded(String(split[1])) }
            }
        }
        evidence.sent = sentScheme()
        if let token = bearerToken { evidence.token = JWT.decode(token) }
        learningMethod = methodIsSafe || request.replayUnsafe ? request.method : "GET"

        // A line break inside a header value (a pasted token, a password file with CRLF) cannot go
        // on the wire at all: say so with the credential findings instead of sending anything.
        if let broken = (request.headers + authorizationHeaders()).first(where: { $0.value.contains(where: { $0 == "\r" || $0 == "\n" }) }) {
            inspectCredentials()
            return finish(incomplete: "the \(broken.name) value contains a line break; no HTTP client can send it")
        }

        guard await resolveNames() else {
            return finish(incomplete: "could not resolve \(parts.host): \(evidence.dnsFailure ?? "no address")")
        }
        // A name that resolves only to loopback addresses (`--resolve name:port:127.0.0.1`, a hosts
        // entry) never leaves the machine: plain http there exposes nothing on a network.
        if !evidence.addresses.isEmpty, evidence.addresses.allSatisfy(Self.isLoopbackAddress) { evidence.isLoopback = true }

        // 1. As given (curl's own sequence for --digest/--anyauth: ask, then answer), redirects hop by hop.
        await runAsGiven()
        guard let asGiven = evidence.first(.asGiven), asGiven.status != nil else {
            let reason = evidence.first(.asGiven)?.exchange.failure ?? evidence.first(.anonymous)?.exchange.failure ?? "no response"
            return finish(incomplete: reason)
        }
        if let date = asGiven.exchange.response?.headers.first("Date") { evidence.serverDate = HTTPDate.parse(date) }
        inspectCredentials()
        noteUnsafeMethodPolicy()

        // 2. Without credentials: what does the server ask for?
        if (evidence.sent != .none || !request.cookies.isEmpty) && evidence.first(.anonymous) == nil && timeLeft {
            await step(.anonymous, headers: baseHeaders(anonymous: true), credentialed: false)
        }
        // 3. A correct answer to each offered challenge the as-given request did not already answer.
        await answerChallenges()
        // 3b. Non-ASCII Basic credentials the server did not announce UTF-8 for: one request in
        //     ISO-8859-1 proves (or rules out) the charset instead of inferring it.
        await runLatin1Proof()
        // 4. Password variants the user asked for (--try-variants) before any speculative step:
        //    the budget goes first to what was requested.
        if request.tryVariants, evidence.final?.status == 401 { await runPasswordVariants() }
        // 5. Each address the name resolves to; with several, these are the repeats too.
        let addressesProbed = await runPerAddress()
        // 6. Identical repeats (stopped by an identical refusal: more of a known-bad password only
        //    counts toward a lockout).
        if !addressesProbed { await runRepeats() }
        // 6b. Without cookies.
        if !request.cookies.isEmpty, evidence.final?.status == 401, timeLeft {
            await step(.withoutCookies, headers: baseHeaders(includeCookies: false) + replayAuthorization(), credentialed: evidence.sent != .none, countsCredential: evidence.sent != .none)
        }
        // 7. Nearby URLs, only when the original fails.
        if evidence.final?.status == 401 { await runVariants() }
        // 8. CORS preflight.
        if let origin = request.origin, timeLeft { await runPreflight(origin: origin) }
        // 10. OAuth discovery: RFC 9728 resource metadata → RFC 8414 server metadata → jwks_uri (no credentials).
        let discovered = await discoverOAuth()
        // 11. The token's signature: the user's key, --jwks URL, the discovered JWKS, or weak secrets.
        await verifyToken(discovered: discovered)
        let discovery = evidence.steps.filter { [.resourceMetadata, .authorizationServerMetadata, .jwks].contains($0.kind) }.count
        if discovery > 0 { notes.append("OAuth discovery: \(discovery) request\(discovery == 1 ? "" : "s") for public metadata, none with credentials") }
        return finish(incomplete: nil)
    }

    mutating func finish(incomplete: String?) -> CheckOutcome {
        evidence.credentialedRequests = credentialedCount
        if !timeLeft { notes.append("the plan stopped early: --max-time \(Int(request.maxTime)) s reached") }
        notes.insert("credentialed requests: \(credentialedCount) of at most \(request.credentialBudget)", at: 0)
        return CheckOutcome(evidence: evidence, notes: notes, incomplete: incomplete)
    }

    /// RFC 9110 §9.2.1: these change nothing on the server, so the plan may send them again.
    var methodIsSafe: Bool { ["GET", "HEAD", "OPTIONS", "TRACE"].contains(request.method.uppercased()) }

    /// After the request as given: an unsafe method that succeeded is never sent again, even with
    /// `--replay-unsafe`; the plan says which method the other steps use.
    mutating func noteUnsafeMethodPolicy() {
        guard !methodIsSafe else { return }
        let decision = Self.unsafeMethodPolicy(method: request.method, replay: request.replayUnsafe, finalStatus: evidence.final?.status)
        learningMethod = decision.learningMethod
        notes.append(decision.note)
    }

    /// The pure decision behind `noteUnsafeMethodPolicy`: which method the learning steps send, and
    /// the plan's note saying so.
    static func unsafeMethodPolicy(method: String, replay: Bool, finalStatus: Int?) -> (learningMethod: String, note: String) {
        let name = method.uppercased()
        var succeeded = false
        if let status = finalStatus, status >= 200, status < 300 { succeeded = true }
        if replay && !succeeded {
            return (method, "\(name) is replayed by the other steps, with its body (--replay-unsafe)")
        }
        let why = succeeded ? "it succeeded, so it is not sent again" : "--replay-unsafe repeats it"
        return ("GET", "\(name) sent once, as given (\(why)); the other steps learn with GET on the same URL, without the body")
    }

    // MARK: credentials

    var credentialedCount = 0

    /// Spends one credentialed request from the budget; false (and a note) when it is spent.
    mutating func spend(_ what: String) -> Bool {
        guard credentialedCount < request.credentialBudget else {
            notes.append("skipped \(what): credential budget of \(request.credentialBudget) spent")
            return false
        }
        credentialedCount += 1
        return true
    }

    /// The Bearer token the user sends: `--bearer`, or the one in their own `-H 'Authorization: Bearer …'`.
    var bearerToken: String? {
        if let token = request.bearer { return token }
        guard let own = request.headers.first(where: { $0.name.lowercased() == "authorization" }) else { return nil }
        let words = own.value.split(whereSeparator: { $0 == " " || $0 == "\t" })
        guard words.count >= 2, words[0].lowercased() == "bearer" else { return nil }
        return String(words.last!)
    }

    func sentScheme() -> CheckEvidence.SentScheme {
        if let own = request.headers.first(where: { $0.name.lowercased() == "authorization" }) {
            let words = own.value.split(whereSeparator: { $0 == " " || $0 == "\t" })
            // A value without a scheme (`-H "Authorization: eyJ…"`) is a bare secret: never echo it.
            guard words.count >= 2, let scheme = words.first, scheme.count <= 40, AuthHeaderWriter.isToken(String(scheme)) else {
                return .other("(no scheme)")
            }
            switch scheme.lowercased() {
            case "basic":
                if case .success(let credentials) = BasicAuth.decode(authorization: own.value) {
                    return .basic(user: SecretMasking.displayUser(credentials.user, passwordIsEmpty: credentials.password.isEmpty))
                }
                return .basic(user: "?")
            case "bearer": return .bearer
            case "digest": return .digest(user: "?")
            default: return .other(String(scheme))
            }
        }
        if request.bearer != nil { return .bearer }
        if let user, let password {
            let shown = SecretMasking.displayUser(user, passwordIsEmpty: password.isEmpty)
            return request.passwordMode == .digest ? .digest(user: shown) : .basic(user: shown)
        }
        if let key = request.headers.first(where: Self.isAPIKeyHeader) { return .apiKey(header: key.name) }
        return .none
    }

    /// A `-H` header that carries a key or token outside Authorization and Cookie (`X-API-Key`,
    /// `PRIVATE-TOKEN`, `X-Auth-Token`…): credentials sent, masked and budgeted like Authorization.
    static func isAPIKeyHeader(_ header: HeaderField) -> Bool {
        let name = header.name.lowercased()
        return name != "authorization" && name != "cookie" && name != "proxy-authorization" && SecretMasking.isCredentialHeader(header.name)
    }

    /// Whether these headers carry the user's credentials (Authorization or an API-key header).
    static func carriesCredentials(_ headers: [HeaderField]) -> Bool {
        headers.contains { $0.name.lowercased() == "authorization" || isAPIKeyHeader($0) }
    }

    /// User `-H` headers, cookies, and nothing the plan adds for authentication.
    /// `anonymous: true` drops every credential (cookies, `-H` API keys, Proxy-Authorization): what
    /// goes to another origin or into the "without credentials" step.
    func baseHeaders(includeCookies: Bool = true, anonymous: Bool = false) -> [HeaderField] {
        var headers = request.headers.filter { $0.name.lowercased() != "authorization" && $0.name.lowercased() != "cookie" }
        if anonymous { return headers.filter { !SecretMasking.isCredentialHeader($0.name) } }
        if includeCookies {
            let cookie = (request.cookies + serverCookies).map { "\($0.name)=\($0.value)" }.joined(separator: "; ")
            let own = request.headers.filter { $0.name.lowercased() == "cookie" }
            headers += own
            if !cookie.isEmpty { headers.append(HeaderField("Cookie", cookie)) }
        }
        return headers
    }

    /// The Authorization header the user's own client would send preemptively.
    func authorizationHeaders(password override: String? = nil) -> [HeaderField] {
        if let own = request.headers.first(where: { $0.name.lowercased() == "authorization" }) { return [own] }
        if let token = request.bearer { return [HeaderField("Authorization", "Bearer \(token)")] }
        if let user, let password = override ?? password, request.passwordMode == .basic {
            let credentials = BasicCredentials(user: user, password: password)
            let charset = evidence.finalChallenges?.challenges.first(where: { $0.isScheme("Basic") }).flatMap(BasicAuth.announcedCharset) ?? .utf8
            if let value = try? credentials.authorizationValue(charset: charset) { return [HeaderField("Authorization", value)] }
        }
        return []
    }

    /// Maps what HTTPAuth's inspectors find in the credentials to finding ids.
    mutating func inspectCredentials() {
        var issues: [CheckEvidence.CredentialIssue] = []
        if let user, let password, evidence.sent != .bearer {
            let challenge = evidence.steps.compactMap { $0.exchange.response.map(ChallengeEvidence.init(response:)) }
                .flatMap(\.challenges).first { $0.isScheme("Basic") }
            for issue in BasicAuth.inspect(user: user, password: password, challenge: challenge) {
                let id: String
                switch issue.kind {
                case .colonInUserName: id = "credentials.colon-in-user"
                case .nonASCIIWithoutCharset: id = "credentials.non-ascii"
                case .leadingWhitespace, .trailingWhitespace, .lineBreak: id = "credentials.whitespace"
                case .controlCharacter, .emptyUserName: id = "credentials.malformed"
                }
                issues.append(.init(findingID: id, message: issue.message))
            }
        }
        let bearerValue = request.bearer.map { "Bearer \($0)" }
            ?? request.headers.first(where: { $0.name.lowercased() == "authorization" && $0.value.lowercased().hasPrefix("bearer") })?.value
        if let bearerValue {
            for issue in BearerAuth.inspect(authorization: bearerValue) {
                let id = [.surroundingWhitespace, .lineBreak].contains(issue.kind) ? "credentials.whitespace" : "credentials.malformed"
                issues.append(.init(findingID: id, message: issue.message))
            }
        }
        if let own = request.headers.first(where: { $0.name.lowercased() == "authorization" }), own.value.lowercased().hasPrefix("basic") {
            if case .failure(let error) = BasicAuth.decode(authorization: own.value) {
                issues.append(.init(findingID: "credentials.malformed", message: error.description))
            }
        }
        evidence.credentialIssues = issues
    }

    // MARK: steps

    /// Sends one request to the target (or `url`) and records it.
    @discardableResult
    mutating func step(
        _ kind: CheckEvidence.StepKind, method: String? = nil, url: String? = nil, headers: [HeaderField], credentialed: Bool,
        label: String? = nil, address: String? = nil, countsCredential: Bool? = nil
    ) async -> ProbeResult? {
        guard timeLeft else { return nil }
        if countsCredential ?? credentialed, !spend(kind.rawValue + (label.map { " (\($0))" } ?? "")) { return nil }
        // The user's body goes only where their request goes: never to another origin, a preflight
        // or a metadata URL the server chose.
        let destination = url ?? target
        let sameOrigin = (try? URLParts.parse(destination).get())?.origin == parts.origin
        let sending = method ?? learningMethod
        // The body goes only with the user's own method: a GET learning step carries none.
        let sendsBody = sameOrigin && sending == request.method && ![.preflight, .resourceMetadata, .authorizationServerMetadata, .jwks].contains(kind)
        let probeRequest = ProbeRequest(
            method: sending, url: destination, headers: headers, body: sendsBody ? request.body : [],
            purpose: kind.rawValue + (label.map { ", \($0)" } ?? ""))
        let result = await prober.send(probeRequest, address: address)
        evidence.steps.append(CheckEvidence.Step(kind: kind, exchange: withoutEchoedSecrets(result.exchange), credentialed: credentialed, label: label))
        if sameOrigin { learnCookies(result) }
        return result
    }

    /// The user's secrets as the server could echo them: password, token, cookie and API-key values,
    /// the Authorization value. Short values (under 4 bytes) are left alone: masking them would
    /// garble ordinary text.
    var secretValues: [String] {
        var values = [password, bearerToken].compactMap { $0 }
        values += request.cookies.map(\.value)
        values += request.headers.filter { Self.isAPIKeyHeader($0) || $0.name.lowercased() == "authorization" }.map(\.value)
        return values.filter { $0.utf8.count >= 4 }
    }

    /// Evidence is masked for display before any renderer sees it: a server that echoes a credential
    /// in its body or a header (an error message quoting the token) gets it replaced by `****`.
    func withoutEchoedSecrets(_ exchange: Exchange) -> Exchange {
        guard var response = exchange.response else { return exchange }
        let secrets = secretValues
        guard !secrets.isEmpty else { return exchange }
        var body = response.bodyPrefix
        for secret in secrets { body = Self.replacing(Array(secret.utf8), in: body) }
        response.bodyPrefix = body
        response.headers = response.headers.map { field in
            var value = Array(field.value.utf8)
            for secret in secrets { value = Self.replacing(Array(secret.utf8), in: value) }
            return HeaderField(field.name, String(decoding: value, as: UTF8.self))
        }
        var out = exchange
        out.response = response
        return out
    }

    static func replacing(_ needle: [UInt8], in bytes: [UInt8]) -> [UInt8] {
        guard !needle.isEmpty, bytes.count >= needle.count else { return bytes }
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == needle[0], i + needle.count <= bytes.count, bytes[i..<(i + needle.count)].elementsEqual(needle) {
                out += Array("****".utf8)
                i += needle.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return out
    }

    /// Keeps the cookies a 401 of the target's origin sets (name=value only; attributes ignored,
    /// a user's own cookie of the same name wins).
    mutating func learnCookies(_ result: ProbeResult) {
        guard result.exchange.response?.status == 401 else { return }
        for field in result.rawResponseHeaders where field.name.lowercased() == "set-cookie" {
            let pair = field.value.prefix(while: { $0 != ";" })
            guard let eq = pair.firstIndex(of: "=") else { continue }
            let name = String(pair[..<eq]).trimmingOWS, value = String(pair[pair.index(after: eq)...]).trimmingOWS
            guard !name.isEmpty, !request.cookies.contains(where: { $0.name == name }) else { continue }
            if serverCookies.isEmpty { notes.append("cookies the server set on its 401 are returned on the next requests to this origin (kept in memory only)") }
            serverCookies.removeAll { $0.name == name }
            serverCookies.append((name, value))
        }
    }

    mutating func runAsGiven() async {
        let auth = authorizationHeaders()
        let asksFirst = auth.isEmpty && user != nil && password != nil && request.passwordMode != .basic
        if asksFirst {
            // curl --digest / --anyauth: an anonymous request to learn the challenge, then the answer.
            guard let first = await step(.anonymous, headers: baseHeaders(anonymous: true), credentialed: false), first.exchange.response?.status == 401 else {
                // No challenge to answer. A safe method's ask was the request itself; an unsafe
                // one was asked with GET, so the user's request still goes, once, as given.
                if methodIsSafe || learningMethod == request.method {
                    if let anonymous = evidence.steps.popLast() {
                        evidence.steps.append(CheckEvidence.Step(kind: .asGiven, exchange: anonymous.exchange, credentialed: false))
                    }
                } else if evidence.first(.anonymous)?.status != nil {
                    await chain(headers: baseHeaders(), credentialed: !request.cookies.isEmpty, countsCredential: false)
                }
                return
            }
            let challenges = ChallengeEvidence(response: first.exchange.response!).challenges
            if let answer = passwordAnswer(challenges: challenges, preferDigest: true, method: request.method) {
                asGivenAnswer = answer
                if let user {
                    // What was actually sent (with --anyauth, whatever the server offered).
                    let shown = SecretMasking.displayUser(user, passwordIsEmpty: (password ?? "").isEmpty)
                    evidence.sent = answer.scheme == "Digest" ? .digest(user: shown) : .basic(user: shown)
                }
                await chain(headers: baseHeaders() + [answer.header], credentialed: true, label: answer.scheme)
            } else {
                evidence.steps[evidence.steps.count - 1].kind = .asGiven
            }
            return
        }
        let headers = baseHeaders() + auth
        await chain(
            headers: headers, credentialed: Self.carriesCredentials(headers) || !request.cookies.isEmpty,
            countsCredential: Self.carriesCredentials(headers))
    }

    /// The as-given request and its redirects, hop by hop, with our credential policy.
    mutating func chain(headers: [HeaderField], credentialed: Bool, label: String? = nil, countsCredential: Bool? = nil) async {
        guard var result = await step(.asGiven, method: request.method, headers: headers, credentialed: credentialed, label: label, countsCredential: countsCredential) else { return }
        var url = target
        var carry = credentialed
        var hops = 0
        while let status = result.exchange.response?.status, [301, 302, 303, 307, 308].contains(status),
            let location = result.rawResponseHeaders.first(where: { $0.name.lowercased() == "location" })?.value
        {
            guard hops < request.maxRedirects else {
                evidence.redirectLimitHit = true
                return
            }
            hops += 1
            guard let next = Self.resolve(location, against: url), case .success(let nextParts) = URLParts.parse(next) else {
                notes.append("redirect hop \(hops): unusable Location")
                return
            }
            let downgrade = url.lowercased().hasPrefix("https://") && nextParts.scheme == "http"
            let leavesOrigin = nextParts.origin != parts.origin || downgrade
            if carry && leavesOrigin {
                carry = false
                notes.append("redirect to \(nextParts.origin): credentials not sent there (another origin\(downgrade ? ", https → http" : ""))")
            }
            let method = status == 303 || ((status == 301 || status == 302) && request.method == "POST") ? "GET" : request.method
            let hopHeaders = carry ? headers : headers.filter { !SecretMasking.isCredentialHeader($0.name) }
            // A same-origin hop that carries Authorization is one more credentialed request.
            if carry && hopHeaders.contains(where: { $0.name.lowercased() == "authorization" }) && !spend("redirect hop \(hops)") { return }
            let body = method == "GET" || leavesOrigin ? [] : request.body
            let probeRequest = ProbeRequest(method: method, url: next, headers: hopHeaders, body: body, purpose: "redirect hop \(hops)")
            guard timeLeft else { return }
            result = await prober.send(probeRequest)
            evidence.steps.append(CheckEvidence.Step(kind: .redirect, exchange: withoutEchoedSecrets(result.exchange), credentialed: carry, label: "hop \(hops)"))
            url = next
        }
    }

    struct Answer {
        var scheme: String
        var header: HeaderField
    }

    /// The answer the plan gave in the as-given step (--digest / --anyauth), replayed by repeats,
    /// per-address and without-cookies steps so they carry what the as-given request carried.
    var asGivenAnswer: Answer?

    /// Authorization for a replay of the as-given request: the preemptive header, the same Basic
    /// answer, or a fresh Digest answer (a Digest answer cannot be replayed: nc must rise).
    mutating func replayAuthorization(uri: String? = nil) -> [HeaderField] {
        guard let answer = asGivenAnswer else { return authorizationHeaders() }
        guard answer.scheme == "Digest" else { return [answer.header] }
        let latest = evidence.steps.last(where: { $0.status == 401 }).flatMap { $0.exchange.response.map(ChallengeEvidence.init(response:)) }?.challenges ?? []
        let source = latest.isEmpty ? (evidence.first(.anonymous)?.exchange.response.map(ChallengeEvidence.init(response:))?.challenges ?? []) : latest
        return passwordAnswer(challenges: source, preferDigest: true, uri: uri).map { [$0.header] } ?? []
    }

    /// The Digest session of the user's password: nonce counts must rise on every answer to the
    /// same nonce (servers refuse a replayed nc), so repeats reuse it.
    var digestSession: DigestSession?

    /// A correct Basic or Digest answer to the offered challenges, with the user's password. A
    /// Digest answer covers the method and URI it is sent with: the learning method and the URL's
    /// own path unless told otherwise (the as-given request, a URL variant).
    mutating func passwordAnswer(
        challenges: [Challenge], preferDigest: Bool, password override: String? = nil, method: String? = nil, uri: String? = nil
    ) -> Answer? {
        guard let user, let password = override ?? password else { return nil }
        // --digest means "never send my password in clear": no Basic answers then.
        let allowBasic = request.passwordMode != .digest
        let digest = DigestAuth.preferredChallenge(challenges.filter { $0.isScheme("Digest") })
        if let digest, preferDigest || !challenges.contains(where: { $0.isScheme("Basic") }),
            let header = digestAnswer(
                user: user, password: password, challenge: digest, variant: override != nil, method: method ?? learningMethod,
                uri: uri ?? parts.pathAndQuery)
        {
            return Answer(scheme: "Digest", header: header)
        }
        if allowBasic, let basic = challenges.first(where: { $0.isScheme("Basic") }),
            let value = try? BasicCredentials(user: user, password: password).authorizationValue(for: basic)
        {
            return Answer(scheme: "Basic", header: HeaderField("Authorization", value))
        }
        return nil
    }

    mutating func digestAnswer(user: String, password: String, challenge: Challenge, variant: Bool, method: String, uri: String) -> HeaderField? {
        // auth-int hashes the entity body: the one that goes with this method.
        let body = method == request.method ? request.body : []
        if variant {
            // Password variants get their own throw-away session: the main one keeps its count.
            var session = try? DigestSession(username: user, password: password, challenge: challenge)
            return (try? session?.authorize(method: method, uri: uri, body: body)).flatMap { $0.map { HeaderField("Authorization", $0.headerValue) } }
        }
        var session = digestSession ?? (try? DigestSession(username: user, password: password, challenge: challenge))
        if digestSession != nil { try? session?.update(challenge: challenge) }
        let authorization = try? session?.authorize(method: method, uri: uri, body: body)
        digestSession = session
        return authorization.map { HeaderField("Authorization", $0.headerValue) }
    }

    mutating func answerChallenges() async {
        guard let final = evidence.final, final.status == 401, final.exchange.response != nil, user != nil, password != nil else { return }
        // The newest 401's challenge: its nonce is the one a session cookie set with it refers to.
        guard let response = evidence.steps.last(where: { $0.status == 401 })?.exchange.response else { return }
        let challenges = ChallengeEvidence(response: response).challenges
        // Stale nonce: answer again with the fresh nonce the server just sent.
        if challenges.contains(where: DigestAuth.isStaleRetry) {
            if let answer = passwordAnswer(challenges: challenges, preferDigest: true), timeLeft {
                await step(.freshNonce, headers: baseHeaders() + [answer.header], credentialed: true, label: answer.scheme)
            }
            return
        }
        // The user's scheme was not offered (e.g. Basic sent, Digest asked): try the offered one.
        let sentName = evidence.sent.schemeName?.lowercased()
        let offered = challenges.filter { ["basic", "digest"].contains($0.normalizedScheme) && $0.normalizedScheme != sentName }
        guard !offered.isEmpty, evidence.sent != .bearer, let answer = passwordAnswer(challenges: offered, preferDigest: true) else { return }
        await step(.answer, headers: baseHeaders() + [answer.header], credentialed: true, label: answer.scheme)
    }

    /// scheme + realm of each challenge in a step's answer: which layer asked.
    static func challengeKey(_ step: CheckEvidence.Step?) -> [String] {
        guard let response = step?.exchange.response else { return [] }
        return ChallengeEvidence(response: response).challenges.map { $0.normalizedScheme + " " + ($0.realm ?? "") }
    }

    /// The request as given was refused by the same layer that challenges anonymous requests: a
    /// 401 with the same challenge with and without the credentials. More requests with the same
    /// credentials there learn little and count toward a lockout.
    var plainRejection: Bool {
        guard let asGiven = evidence.first(.asGiven), asGiven.credentialed, asGiven.status == 401,
            let anonymous = evidence.first(.anonymous), anonymous.status == 401
        else { return false }
        return Self.challengeKey(asGiven) == Self.challengeKey(anonymous)
    }

    mutating func runRepeats() async {
        guard request.repeatCount > 1, let asGiven = evidence.first(.asGiven) else { return }
        // A scheme the server does not offer is refused every time: repeating it only spends budget.
        if asGiven.status == 401, let sentName = evidence.sent.schemeName, let challenges = evidence.finalChallenges?.challenges,
            !challenges.isEmpty, !challenges.contains(where: { $0.isScheme(sentName) })
        {
            notes.append("no repeats: the server does not offer \(sentName), so every repeat would be refused the same way")
            return
        }
        let isCredentialed = asGiven.credentialed
        for index in 2...request.repeatCount {
            guard timeLeft else { return }
            let authorization = replayAuthorization()
            if asGivenAnswer != nil && authorization.isEmpty { return }
            let headers = baseHeaders() + authorization
            guard await step(.repeated, headers: headers, credentialed: isCredentialed, label: "\(index) of \(request.repeatCount)",
                countsCredential: isCredentialed && Self.carriesCredentials(headers)) != nil
            else { return }
            // An identical refusal of a plain rejection: a further repeat could only spend budget.
            let latest = evidence.steps.last
            if index < request.repeatCount, isCredentialed, plainRejection, latest?.status == asGiven.status,
                Self.challengeKey(latest) == Self.challengeKey(asGiven)
            {
                notes.append("repeats stopped after an identical refusal: the same credentials again would only count toward a lockout")
                return
            }
        }
    }

    /// One request per resolved address. True when at least two were probed: they are the
    /// repeats then (an identical request, answered by each backend).
    mutating func runPerAddress() async -> Bool {
        let addresses = evidence.resolveOverride.isEmpty ? evidence.addresses : evidence.resolveOverride
        guard addresses.count > 1, let asGiven = evidence.first(.asGiven) else { return false }
        for address in addresses {
            guard timeLeft else { break }
            let headers = baseHeaders() + replayAuthorization()
            await step(.address, headers: headers, credentialed: asGiven.credentialed, label: address, address: address,
                countsCredential: Self.carriesCredentials(headers))
        }
        return evidence.steps(.address).count >= 2
    }

    /// Trailing slash toggled (same origin: credentials go), https for http and `www.` toggled
    /// (other origins: sent without credentials).
    mutating func runVariants() async {
        var path = parts.pathAndQuery
        var query = ""
        if let q = path.firstIndex(of: "?") {
            query = String(path[q...])
            path = String(path[..<q])
        }
        let toggled = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path + "/"
        let sameOrigin = "\(parts.scheme)://\(parts.hostHeader)\(toggled)\(query)"
        let auth = replayAuthorization(uri: toggled + query)
        // After a plain rejection, ask the toggled URL without credentials first: the same
        // challenge there means the same protected area, and the known-bad credentials would
        // only be refused again.
        if plainRejection, !auth.isEmpty, timeLeft {
            let probe = await step(.variant, url: sameOrigin, headers: baseHeaders(anonymous: true), credentialed: false,
                label: "trailing slash toggled, without credentials")
            let anonymous = evidence.first(.anonymous)
            let answer = evidence.steps.last
            if probe != nil, answer?.status == anonymous?.status, Self.challengeKey(answer) == Self.challengeKey(anonymous) {
                notes.append("trailing slash toggled: the same challenge without credentials, so the same credentials were not sent there")
                return await runOtherOriginVariants()
            }
            // A redirect (usually back to the original URL) has no verdict of its own to offer.
            if probe != nil, let status = answer?.status, (300..<400).contains(status) {
                notes.append("trailing slash toggled: redirected (\(status)) without credentials, so the credentials were not sent there")
                return await runOtherOriginVariants()
            }
        }
        if timeLeft {
            let headers = baseHeaders() + auth
            await step(.variant, url: sameOrigin, headers: headers, credentialed: Self.carriesCredentials(headers), label: "trailing slash toggled",
                countsCredential: Self.carriesCredentials(headers))
        }
        await runOtherOriginVariants()
    }

    /// https for http and `www.` toggled: other origins, sent without credentials.
    mutating func runOtherOriginVariants() async {
        var others: [(String, String)] = []
        if parts.scheme == "http" && !evidence.isLoopback {
            others.append(("https instead of http", "https://\(parts.bracketedHost)\(parts.hasExplicitPort && parts.port != 80 ? ":\(parts.port)" : "")\(parts.pathAndQuery)"))
        }
        if !Resolver.isIPLiteral(parts.host) && parts.host.contains(".") {
            let host = parts.host.hasPrefix("www.") ? String(parts.host.dropFirst(4)) : "www." + parts.host
            let port = parts.hasExplicitPort ? ":\(parts.port)" : ""
            others.append(("www. toggled", "\(parts.scheme)://\(host)\(port)\(parts.pathAndQuery)"))
        }
        for (label, url) in others where timeLeft {
            // Another origin: never the user's credentials or cookies.
            await step(.variant, url: url, headers: baseHeaders(anonymous: true), credentialed: false, label: label)
        }
    }

    mutating func runPreflight(origin: String) async {
        var headers = [
            HeaderField("Origin", origin), HeaderField("Access-Control-Request-Method", request.method),
            HeaderField("Access-Control-Request-Headers", "authorization"),
        ]
        headers += request.headers.filter { $0.name.lowercased() == "user-agent" }
        await step(.preflight, method: "OPTIONS", headers: headers, credentialed: false)
    }

    mutating func runLatin1Proof() async {
        guard case .basic = evidence.sent, request.passwordMode == .basic, evidence.final?.status == 401, timeLeft,
            let user, let password, (user + password).unicodeScalars.contains(where: { !$0.isASCII }),
            let response = evidence.final?.exchange.response,
            let basic = ChallengeEvidence(response: response).challenges.first(where: { $0.isScheme("Basic") }),
            BasicAuth.announcedCharset(basic) != .utf8,
            let value = try? BasicCredentials(user: user, password: password).authorizationValue(charset: .latin1)
        else { return }
        await step(.passwordVariant, headers: baseHeaders() + [HeaderField("Authorization", value)], credentialed: true, label: "ISO-8859-1")
    }

    mutating func runPasswordVariants() async {
        guard let password, user != nil, let final = evidence.final, let response = final.exchange.response else { return }
        let challenges = ChallengeEvidence(response: response).challenges
        var variants: [(String, String)] = []
        let trimmed = String(password.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
        if trimmed != password { variants.append(("trimmed", trimmed)) }
        let inverted = String(password.map { $0.isUppercase ? Character($0.lowercased()) : $0.isLowercase ? Character($0.uppercased()) : $0 })
        if inverted != password { variants.append(("caps-lock inverted", inverted)) }
        for (label, candidate) in variants where timeLeft {
            guard let answer = passwordAnswer(challenges: challenges, preferDigest: evidence.sent.schemeName == "Digest", password: candidate) else { continue }
            await step(.passwordVariant, headers: baseHeaders() + [answer.header], credentialed: true, label: label)
        }
    }

    // MARK: names

    mutating func resolveNames() async -> Bool {
        if Resolver.isIPLiteral(parts.host) {
            evidence.addresses = [parts.host]
            return true
        }
        let hosts = request.hostsFileText.map(HostsFile.init(text:)) ?? HostsFile.load()
        evidence.hostsFileAddresses = hosts?.addresses(for: parts.host) ?? []
        if let forced = request.probe.resolve[parts.resolveKey], !forced.isEmpty {
            evidence.resolveOverride = forced
            evidence.addresses = forced
            return true
        }
        switch await Resolver.resolve(host: parts.host, timeout: min(request.probe.connectTimeout, 10)) {
        case .success(let addresses):
            evidence.addresses = addresses
            return true
        case .failure(let failure):
            evidence.dnsFailure = failure.description
            return false
        }
    }

    // MARK: helpers

    static func systemTime() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host.hasSuffix(".localhost") || isLoopbackAddress(host)
    }

    /// 127.0.0.0/8 and ::1 (also written out, or as an IPv4-mapped 127.x address).
    static func isLoopbackAddress(_ address: String) -> Bool {
        let lower = address.lowercased()
        return lower.hasPrefix("127.") || lower == "::1" || lower == "0:0:0:0:0:0:0:1" || lower.hasPrefix("::ffff:127.")
    }

    static func percentDecoded(_ text: String) -> String {
        let input = Array(text.utf8)
        var bytes: [UInt8] = []
        var i = 0
        while i < input.count {
            if input[i] == UInt8(ascii: "%"), i + 2 < input.count,
                let value = UInt8(String(decoding: input[(i + 1)...(i + 2)], as: UTF8.self), radix: 16)
            {
                bytes.append(value)
                i += 3
            } else {
                bytes.append(input[i])  // an invalid escape stays as written
                i += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// RFC 3986 §5.2 reference resolution, enough for `Location`: absolute, scheme-relative,
    /// absolute-path and relative-path references.
    static func resolve(_ location: String, against base: String) -> String? {
        let location = location.trimmingOWS
        // Absolute only with a real scheme prefix (`/login?next=https://…` is a path).
        if let colon = location.firstRange(of: "://"), let first = location.first, first.isLetter,
            location[..<colon.lowerBound].allSatisfy({ $0.isLetter || $0.isNumber || "+-.".contains($0) })
        {
            return location
        }
        guard case .success(let baseParts) = URLParts.parse(base) else { return nil }
        if location.hasPrefix("//") { return "\(baseParts.scheme):\(location)" }
        let origin = baseParts.origin
        if location.hasPrefix("/") { return origin + location }
        var basePath = baseParts.pathAndQuery
        if let q = basePath.firstIndex(of: "?") { basePath = String(basePath[..<q]) }
        if location.hasPrefix("?") { return origin + basePath + location }
        let directory = basePath.lastIndex(of: "/").map { String(basePath[...$0]) } ?? "/"
        return origin + directory + location
    }
}

