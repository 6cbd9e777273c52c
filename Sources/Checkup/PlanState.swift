import CredentialModel
import Credentials
import Evidence
import HTTPAuth
import HTTPDigest
import Probe

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the plan knows between requests: the user's request, the evidence so far, the credential
/// policy and the little session state a client keeps (a Digest nonce count, cookies a 401 set).
/// Steps read it to decide whether to run and what to send; no socket and no clock in here.
struct PlanState {
    let request: CheckRequest
    var policy: CredentialPolicy
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
    /// The answer the plan gave in the as-given step (--digest / --anyauth), replayed by repeats,
    /// per-address and without-cookies steps so they carry what the as-given request carried.
    var asGivenAnswer: Answer?
    /// The Digest session of the user's password: nonce counts must rise on every answer to the
    /// same nonce (servers refuse a replayed nc), so repeats reuse it.
    var digestSession: DigestSession?
    /// Learned by the per-address step: at least two addresses answered, so they were the repeats.
    var addressesProbed = false
    /// Learned by OAuth discovery: the JWKS that verifies the token when the user gave no key.
    var discoveredJWKS: DiscoveredJWKS?

    struct Answer {
        var scheme: String
        var header: HeaderField
    }

    /// A JWKS found by discovery, for token verification.
    struct DiscoveredJWKS {
        var text: String
        var url: String
    }

    init(request: CheckRequest) {
        self.request = request
        self.evidence = CheckEvidence(
            url: SecretMasking.maskURL(request.url), credentialBudget: request.credentialBudget)
        self.user = request.user
        self.password = request.password
        // The origin is set once the URL parses (`prepare`); until then nothing may carry credentials.
        self.policy = CredentialPolicy(
            origin: "", method: request.method, replayUnsafe: request.replayUnsafe, budget: request.credentialBudget)
    }

    var credentialedCount: Int { policy.spent }

    /// Spends one credentialed request from the budget; false (and a note) when it is spent.
    mutating func spend(_ what: String) -> Bool {
        guard policy.spend() else {
            notes.append("skipped \(what): credential budget of \(request.credentialBudget) spent")
            return false
        }
        return true
    }

    var methodIsSafe: Bool { policy.methodIsSafe }

    /// The request as given was refused the same way with and without credentials.
    var plainRejection: Bool { CredentialPolicy.isPlainRejection(evidence) }

    // MARK: the user's request

    /// Reads the URL and the user's credentials into evidence. nil on success, else why the URL
    /// is unusable (exit 3).
    mutating func prepare(now: Double) -> String? {
        switch URLParts.parse(request.url) {
        case .failure(let failure): return failure.description
        case .success(let parsed): parts = parsed
        }
        target = "\(parts.scheme)://\(parts.hostHeader)\(parts.pathAndQuery)"
        policy = CredentialPolicy(
            origin: parts.origin, method: request.method, replayUnsafe: request.replayUnsafe,
            budget: request.credentialBudget)
        evidence.localTime = now
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
        learningMethod = policy.initialLearningMethod
        return nil
    }

    /// A header value with a line break (a pasted token, a password file with CRLF) that no HTTP
    /// client can put on the wire.
    var brokenHeader: HeaderField? {
        (request.headers + authorizationHeaders()).first { $0.value.contains(where: { $0 == "\r" || $0 == "\n" }) }
    }

    /// After the request as given: an unsafe method that succeeded is never sent again, even with
    /// `--replay-unsafe`; the plan says which method the other steps use.
    mutating func noteUnsafeMethodPolicy() {
        guard !methodIsSafe else { return }
        let decision = policy.learningMethod(finalStatus: evidence.final?.status)
        learningMethod = decision.method
        notes.append(decision.note)
    }

    // MARK: credentials

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
            guard words.count >= 2, let scheme = words.first, scheme.count <= 40,
                AuthHeaderWriter.isToken(String(scheme))
            else {
                return .other("(no scheme)")
            }
            switch scheme.lowercased() {
            case "basic":
                if case .success(let credentials) = BasicAuth.decode(authorization: own.value) {
                    return .basic(
                        user: SecretMasking.displayUser(credentials.user, passwordIsEmpty: credentials.password.isEmpty)
                    )
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
        return name != "authorization" && name != "cookie" && name != "proxy-authorization"
            && SecretMasking.isCredentialHeader(header.name)
    }

    /// Whether these headers carry the user's credentials (Authorization or an API-key header).
    static func carriesCredentials(_ headers: [HeaderField]) -> Bool {
        headers.contains { $0.name.lowercased() == "authorization" || isAPIKeyHeader($0) }
    }

    /// User `-H` headers, cookies, and nothing the plan adds for authentication.
    /// `anonymous: true` drops every credential (cookies, `-H` API keys, Proxy-Authorization): what
    /// goes to another origin or into the "without credentials" step.
    func baseHeaders(includeCookies: Bool = true, anonymous: Bool = false) -> [HeaderField] {
        var headers = request.headers.filter {
            $0.name.lowercased() != "authorization" && $0.name.lowercased() != "cookie"
        }
        if anonymous { return CredentialPolicy.withoutCredentials(headers) }
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
            let basic = evidence.finalChallenges?.challenges.first(where: { $0.isScheme("Basic") })
            let charset = basic.flatMap(BasicAuth.announcedCharset) ?? .utf8
            if let value = try? credentials.authorizationValue(charset: charset) {
                return [HeaderField("Authorization", value)]
            }
        }
        return []
    }

    /// Sorts what HTTPAuth's inspectors find in the credentials into the evidence's issue kinds.
    mutating func inspectCredentials() {
        var issues: [CheckEvidence.CredentialIssue] = []
        if let user, let password, evidence.sent != .bearer {
            let challenge = evidence.steps.compactMap { $0.exchange.response.map(ChallengeEvidence.init(response:)) }
                .flatMap(\.challenges).first { $0.isScheme("Basic") }
            for issue in BasicAuth.inspect(user: user, password: password, challenge: challenge) {
                let kind: CheckEvidence.CredentialIssue.Kind
                switch issue.kind {
                case .colonInUserName: kind = .colonInUser
                case .nonASCIIWithoutCharset: kind = .nonASCII
                case .leadingWhitespace, .trailingWhitespace, .lineBreak: kind = .whitespace
                case .controlCharacter, .emptyUserName: kind = .malformed
                }
                issues.append(.init(kind, message: issue.message))
            }
        }
        let bearerValue =
            request.bearer.map { "Bearer \($0)" }
            ?? request.headers.first(where: {
                $0.name.lowercased() == "authorization" && $0.value.lowercased().hasPrefix("bearer")
            })?.value
        if let bearerValue {
            for issue in BearerAuth.inspect(authorization: bearerValue) {
                let kind: CheckEvidence.CredentialIssue.Kind =
                    [.surroundingWhitespace, .lineBreak].contains(issue.kind) ? .whitespace : .malformed
                issues.append(.init(kind, message: issue.message))
            }
        }
        if let own = request.headers.first(where: { $0.name.lowercased() == "authorization" }),
            own.value.lowercased().hasPrefix("basic")
        {
            if case .failure(let error) = BasicAuth.decode(authorization: own.value) {
                issues.append(.init(.malformed, message: error.description))
            }
        }
        evidence.credentialIssues = issues
    }

    /// Authorization for a replay of the as-given request: the preemptive header, the same Basic
    /// answer, or a fresh Digest answer (a Digest answer cannot be replayed: nc must rise).
    mutating func replayAuthorization(uri: String? = nil) -> [HeaderField] {
        guard let answer = asGivenAnswer else { return authorizationHeaders() }
        guard answer.scheme == "Digest" else { return [answer.header] }
        let latest =
            evidence.steps.last(where: { $0.status == 401 })
            .flatMap { $0.exchange.response.map(ChallengeEvidence.init(response:)) }?.challenges ?? []
        let anonymous =
            evidence.first(.anonymous)?.exchange.response.map(ChallengeEvidence.init(response:))?.challenges ?? []
        let source = latest.isEmpty ? anonymous : latest
        return passwordAnswer(challenges: source, preferDigest: true, uri: uri).map { [$0.header] } ?? []
    }

    /// A correct Basic or Digest answer to the offered challenges, with the user's password. A
    /// Digest answer covers the method and URI it is sent with: the learning method and the URL's
    /// own path unless told otherwise (the as-given request, a URL variant).
    mutating func passwordAnswer(
        challenges: [Challenge], preferDigest: Bool, password override: String? = nil, method: String? = nil,
        uri: String? = nil
    ) -> Answer? {
        guard let user, let password = override ?? password else { return nil }
        // --digest means "never send my password in clear": no Basic answers then.
        let allowBasic = request.passwordMode != .digest
        let digest = DigestAuth.preferredChallenge(challenges.filter { $0.isScheme("Digest") })
        if let digest, preferDigest || !challenges.contains(where: { $0.isScheme("Basic") }),
            let header = digestAnswer(
                user: user, password: password, challenge: digest, variant: override != nil,
                method: method ?? learningMethod,
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

    mutating func digestAnswer(
        user: String, password: String, challenge: Challenge, variant: Bool, method: String, uri: String
    ) -> HeaderField? {
        // auth-int hashes the entity body: the one that goes with this method.
        let body = method == request.method ? request.body : []
        if variant {
            // Password variants get their own throw-away session: the main one keeps its count.
            var session = try? DigestSession(username: user, password: password, challenge: challenge)
            return (try? session?.authorize(method: method, uri: uri, body: body)).flatMap {
                $0.map { HeaderField("Authorization", $0.headerValue) }
            }
        }
        var session = digestSession ?? (try? DigestSession(username: user, password: password, challenge: challenge))
        if digestSession != nil { try? session?.update(challenge: challenge) }
        let authorization = try? session?.authorize(method: method, uri: uri, body: body)
        digestSession = session
        return authorization.map { HeaderField("Authorization", $0.headerValue) }
    }

    // MARK: what the server sends back

    /// The user's secrets as the server could echo them: password, token, cookie and API-key values,
    /// the Authorization value. Short values (under 4 bytes) are left alone: masking them would
    /// garble ordinary text.
    var secretValues: [String] {
        var values = [password, bearerToken].compactMap { $0 }
        values += request.cookies.map(\.value)
        values += request.headers.filter { Self.isAPIKeyHeader($0) || $0.name.lowercased() == "authorization" }.map(
            \.value)
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
            if bytes[i] == needle[0], i + needle.count <= bytes.count,
                bytes[i..<(i + needle.count)].elementsEqual(needle)
            {
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
            let name = String(pair[..<eq]).trimmingOWS
            let value = String(pair[pair.index(after: eq)...]).trimmingOWS
            guard !name.isEmpty, !request.cookies.contains(where: { $0.name == name }) else { continue }
            if serverCookies.isEmpty {
                notes.append(
                    "cookies the server set on its 401 are returned on the next requests to this origin "
                        + "(kept in memory only)"
                )
            }
            serverCookies.removeAll { $0.name == name }
            serverCookies.append((name, value))
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
