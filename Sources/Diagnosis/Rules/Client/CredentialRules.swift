import CredentialModel
import Evidence
import FoundationEssentials
import HTTPAuth

/// `credentials.missing`: the server wants credentials and none were sent — answered 401, or 403
/// without a challenge where the server says so or speaks JSON (Django REST framework's default
/// classes, FastAPI before 0.122, API-key gateways answer a missing credential with 403).
public enum CredentialsMissingRule: Rule {
    /// Raises `credentials.missing`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .credentialsMissing,
        triggering: [
            CheckSample.make(sent: .none, CheckSample.step(.asGiven, 401, CheckSample.basic401, credentialed: false)),
            CheckSample.make(
                sent: .none,
                CheckSample.step(
                    .asGiven, 403, ["Content-Type": "application/json"], credentialed: false,
                    body: #"{"detail":"Authentication credentials were not provided."}"#)),
        ],
        nonTriggering: [
            CheckSample.make(CheckSample.step(.asGiven, 401, CheckSample.basic401)),
            CheckSample.make(sent: .none, CheckSample.step(.asGiven, 200, credentialed: false)),
            CheckSample.make(
                sent: .none,
                CheckSample.step(
                    .asGiven, 403, ["Content-Type": "text/html"], credentialed: false,
                    body: "<title>403 Forbidden</title>")),
        ])

    /// A 403 without a challenge that answers a missing credential: the server says so, or it is
    /// an API (JSON) refusing an anonymous request.
    static func isForbiddenForMissingCredentials(_ step: CheckEvidence.Step) -> Bool {
        guard step.status == 403, step.headers("WWW-Authenticate").isEmpty else { return false }
        if let message = step.serverMessage, let stated = KnownServerMessages.cause(of: message) {
            return stated == .credentialsMissing
        }
        return (step.header("Content-Type") ?? "").lowercased().contains("json")
    }

    /// One finding when nothing was sent (no credentials, no cookies) and the final answer is 401, or a 403 that means
    /// "log in"; names the offered schemes and any OAuth discovery that was found.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard e.sent == .none, e.cookieNames.isEmpty, let final = e.final,
            final.isUnauthorized || isForbiddenForMissingCredentials(final)
        else { return [] }
        let challenges = e.finalChallenges?.challenges ?? []
        let offered = challenges.map(\.scheme)
        var detail =
            offered.isEmpty
            ? "The request carried no Authorization header and the server answered \(final.status!)."
            : "The request carried no Authorization header; the server asks for \(offered.joined(separator: " or "))."
        if final.status == 403 {
            detail += " It answers a missing credential with 403 and no challenge, where 401 was meant."
        }
        var evidence = [final.line] + offered.map { "offered: \($0)" }
        if challenges.compactMap(BearerChallenge.init).contains(where: { $0.error == .invalidToken }) {
            evidence.append("the challenge says invalid_token although no token was sent: it means \"send one\"")
        }
        let discovered = discoveredOAuth(e)
        if !discovered.isEmpty { detail += " OAuth discovery says where to get a token (see the evidence)." }
        var fix = fixes(e.url, challenges)
        if let app = final.exchange.response.flatMap(ApplicationFingerprint.identify) { fix.append(app.fix) }
        return [Finding(description.id, detail: detail, evidence: evidence + discovered, fix: fix)]
    }

    /// Where a token comes from, as the server's own public metadata says: the authorization
    /// servers and scopes of its RFC 9728 resource metadata, the issuer and endpoints of the
    /// authorization server's RFC 8414 metadata.
    static func discoveredOAuth(_ e: CheckEvidence) -> [String] {
        func object(_ step: CheckEvidence.Step) -> [String: JSONScalarTree]? {
            guard step.isSuccess, let body = step.exchange.response?.bodyPrefix else { return nil }
            return try? JSONDecoder().decode([String: JSONScalarTree].self, from: Data(body))
        }
        var lines: [String] = []
        if let resource = e.steps(.resourceMetadata).lazy.compactMap(object).first {
            let servers = resource["authorization_servers"]?.strings ?? []
            if !servers.isEmpty { lines.append("authorization servers: " + servers.joined(separator: ", ")) }
            let scopes = resource["scopes_supported"]?.strings ?? []
            if !scopes.isEmpty { lines.append("scopes supported: " + scopes.joined(separator: " ")) }
        }
        if let server = e.steps(.authorizationServerMetadata).lazy.compactMap(object).first {
            for (key, label) in [
                ("issuer", "issuer"), ("authorization_endpoint", "authorization endpoint"),
                ("token_endpoint", "token endpoint"),
            ] {
                if let value = server[key]?.string { lines.append("\(label): \(value)") }
            }
        }
        return lines
    }

    /// How to send what the server asks for, by scheme: the framework's own header forms.
    static func fixes(_ url: String, _ challenges: [HTTPAuth.Challenge]) -> [String] {
        var fix: [String] = []
        for scheme in Set(challenges.map(\.normalizedScheme)).sorted() {
            switch scheme {
            case "basic", "digest":
                fix.append(
                    """
                    Send a user name and password: `why401 \(url) -u USER` (prompts for the password) or `curl -u \
                    USER \(url)`.
                    """
                )
            case "bearer":
                fix.append(
                    "Send a token: `why401 \(url) --bearer @token.txt` or `curl -H 'Authorization: Bearer …' \(url)`.")
            case "token":
                fix.append(
                    """
                    Send the API token in the form the server names (Django REST framework's TokenAuthentication): \
                    `curl -H 'Authorization: Token KEY' \(url)`; create one with `python manage.py \
                    drf_create_token USER`.
                    """
                )
            case "apikey", "api-key", "x-api-key":
                fix.append("Send the API key in the header the API documents (e.g. `curl -H 'X-API-Key: KEY' \(url)`).")
            default:
                fix.append(
                    """
                    The server asks for the \(scheme) scheme: `curl -H 'Authorization: \(scheme) …' \(url)` with \
                    the credential its documentation names.
                    """
                )
            }
        }
        return fix
    }
}

/// `credentials.scheme-mismatch`: the scheme sent is not one the server offered. The plan answers
/// the offered scheme with the same password; when that answer is refused too, the password itself
/// is wrong, so `credentials.rejected` comes first and the scheme mismatch stands beside it.
public enum CredentialsSchemeMismatchRule: Rule {
    static let digest401: KeyValuePairs<String, String> = [
        "WWW-Authenticate": "Digest realm=\"api\", nonce=\"n1\", qop=\"auth\""
    ]
    /// Raises `credentials.scheme-mismatch`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .credentialsSchemeMismatch,
        triggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401, CheckSample.basic401)),
            CheckSample.make(
                CheckSample.step(.asGiven, 401, digest401), CheckSample.step(.answer, 200, label: "Digest")),
            CheckSample.make(
                CheckSample.step(.asGiven, 401, digest401), CheckSample.step(.answer, 401, digest401, label: "Digest")),
        ],
        nonTriggering: [
            CheckSample.make(sent: .basic(user: "a"), CheckSample.step(.asGiven, 401, CheckSample.basic401))
        ])

    /// One finding when the final 401's challenges do not include the scheme sent, with the plan's answer in the
    /// offered scheme as proof; when that answer fails too, `credentials.rejected` is raised first.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let sentName = e.sent.schemeName, let final = e.final, final.isUnauthorized,
            let challenges = e.finalChallenges?.challenges, !challenges.isEmpty,
            !challenges.contains(where: { $0.isScheme(sentName) })
        else { return [] }
        let offered = challenges.map(\.scheme)
        // The plan's own answer in the offered scheme proves (or disproves) the password.
        let answers = e.steps(.answer).filter(\.credentialed)
        let answerLines = answers.map {
            "\($0.label ?? "answer"): " + $0.line
                + ($0.isSuccess ? " — the same password works with \($0.label ?? "it")" : "")
        }
        let mismatch = Finding(
            description.id,
            detail:
                "The request sent \(sentName) credentials; the server offers only \(offered.joined(separator: ", ")).",
            evidence: [final.line, "sent: \(sentName)"] + offered.map { "offered: \($0)" } + answerLines,
            fix: [
                """
                Answer the offered scheme: \(offered.first!) (why401 answers Basic with -u, Digest with --digest \
                -u, Bearer with --bearer).
                """
            ])
        guard let refused = answers.first(where: \.isUnauthorized), !answers.contains(where: \.isSuccess) else {
            return [mismatch]
        }
        var who = ""
        if case .basic(let user) = e.sent { who = " for user \"\(user)\"" }
        let scheme = refused.label ?? "the offered scheme"
        let rejected = Finding(
            .credentialsRejected,
            detail:
                """
                The correct \(scheme) answer with the same password\(who) was refused too: the password (or user) \
                is wrong as well as the scheme.
                """,
            evidence: [final.line, "\(scheme) answer: " + refused.line])
        return [rejected, mismatch]
    }
}

/// `credentials.rejected`: well-formed credentials of an offered scheme were refused — the generic
/// cause, ranked after every more specific one.
public enum CredentialsRejectedRule: Rule {
    /// Raises `credentials.rejected`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .credentialsRejected,
        triggering: [
            CheckSample.make(CheckSample.step(.asGiven, 401, CheckSample.basic401)),
            CheckSample.make(
                sent: .apiKey(header: "X-API-Key"),
                CheckSample.step(.asGiven, 401, ["Content-Type": "application/json"])),
            CheckSample.make(
                sent: .apiKey(header: "X-API-Key"), CheckSample.step(.asGiven, 403),
                CheckSample.step(.anonymous, 403, credentialed: false)),
        ],
        nonTriggering: [
            CheckSample.make(CheckSample.step(.asGiven, 200)),
            CheckSample.make(sent: .none, CheckSample.step(.asGiven, 401, CheckSample.basic401, credentialed: false)),
            CheckSample.make(
                sent: .bearer, CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Bearer error=\"invalid_token\""])),
            // 401 without the key, 403 with it: the key was accepted (authz.forbidden).
            CheckSample.make(
                sent: .apiKey(header: "X-API-Key"), CheckSample.step(.asGiven, 403),
                CheckSample.step(.anonymous, 401, credentialed: false)),
        ])

    /// An API key in a header of its own, refused: 401, or 403 where the anonymous answer is no better.
    static func apiKeyRefused(_ e: CheckEvidence) -> [Finding] {
        guard case .apiKey(let header) = e.sent, let final = e.final, final.credentialed,
            final.isUnauthorized || (final.status == 403 && (e.first(.anonymous).map { $0.status == 403 } ?? true))
        else { return [] }
        return [
            Finding(
                description.id,
                detail:
                    """
                    An API key was sent in \(header) and refused (\(final.status!)): the key is wrong, revoked or \
                    expired, or the API reads it from another header.
                    """,
                evidence: [final.line, "sent: an API key in \(header) (value masked)"]
                    + (e.first(.anonymous).map { ["without it: " + $0.line] } ?? []),
                fix: apiKeyFixes(header: header, url: e.url))
        ]
    }

    static func apiKeyFixes(header: String, url: String) -> [String] {
        [
            """
            Check the key (copy it again from the API's dashboard; no quotes or spaces) and the header name the \
            API documents: `curl -H '\(header): KEY' \(url)`.
            """,
            """
            Some APIs read the key only from `Authorization: Bearer KEY` or `Authorization: Token KEY`; try the \
            form their documentation shows.
            """,
        ]
    }

    /// One finding when well-formed credentials of an offered scheme were refused and nothing more specific explains
    /// it: no server-stated cause, no accepted password variant, no Bearer `error=`.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        // The server already said what is wrong (an invalid or expired token, a missing scope).
        if let stated = ServerStatedCauseRule.statedCause(e), stated.id != description.id { return [] }
        if case .apiKey = e.sent { return apiKeyRefused(e) }
        // A variant of the same password was accepted (trimmed, Caps Lock, ISO-8859-1): that variant
        // is the cause, not a wrong password.
        if e.steps(.passwordVariant).contains(where: \.isSuccess) { return [] }
        guard let sentName = e.sent.schemeName, let final = e.final, final.credentialed,
            final.isUnauthorized || (final.status == 403 && ServerStatedCauseRule.statedCause(e)?.id == description.id)
        else { return [] }
        let challenges = e.finalChallenges?.challenges ?? []
        guard challenges.isEmpty || challenges.contains(where: { $0.isScheme(sentName) }) else { return [] }
        // A Bearer challenge with error= already says why (token.invalid, insufficient scope…).
        if e.sent == .bearer, challenges.compactMap(BearerChallenge.init).contains(where: { $0.error != nil }) {
            return []
        }
        // The credentials never arrived: saying they were refused would contradict that finding.
        if !CredentialsNotReceivedRule.check(e).isEmpty { return [] }
        // A front layer accepted them and a layer behind asks for its own: not a refusal.
        if !ProxySecondAuthLayerRule.check(e).isEmpty { return [] }
        let answers = e.steps(.answer).filter { $0.credentialed }
        var lines = [final.line]
        lines += answers.map(\.line)
        var who = ""
        switch e.sent {
        case .basic(let user), .digest(let user): who = " for user \"\(user)\""
        default: break
        }
        if ResponderIdentifiedRule.upstreamBehindProxy(e) {
            // nginx in front of Apache: a wrong password and a proxy that strips Authorization look the same.
            return [
                Finding(
                    description.id,
                    detail:
                        """
                        \(sentName) credentials\(who) were answered with 401 by an upstream server behind a proxy: \
                        either they are wrong, or the proxy did not pass Authorization on.
                        """,
                    evidence: lines + [
                        "the 401 page comes from the upstream behind the proxy (see responder.identified)"
                    ],
                    fix: [
                        """
                        Check the proxy passes the header: remove `proxy_set_header Authorization \"\";` (nginx) \
                        or set `proxy_set_header Authorization $http_authorization;`, then compare the user in the \
                        proxy's and the upstream's access logs.
                        """
                    ])
            ]
        }
        return [
            fitted(
                Finding(
                    description.id,
                    detail:
                        """
                        The server received \(sentName) credentials\(who) and refused them: wrong password, \
                        unknown user, or a user not allowed here.
                        """,
                    evidence: lines), e)
        ]
    }

    /// Fix steps that fit the credential and the server in front of the user: no "retype the
    /// password" for a token, no `htpasswd` unless Apache or nginx answered, and no advice to pass
    /// a flag the user already passed.
    static func fitted(_ finding: Finding, _ e: CheckEvidence) -> Finding {
        var out = finding
        let server = (e.final?.header("Server") ?? "").lowercased()
        let webServer = server.hasPrefix("apache") || server.hasPrefix("nginx")
        var user = "USER"
        switch e.sent {
        case .basic(let name), .digest(let name): user = name
        default: break
        }
        switch e.sent {
        case .apiKey(let header):
            out.fix = apiKeyFixes(header: header, url: e.url)
        case .bearer, .other:
            out.fix = [
                """
                Obtain a new token from its issuer (log in again, or refresh it with the refresh token) and send \
                it unchanged: `why401 \(e.url) --bearer @token.txt`.
                """,
                """
                Check the token belongs to this API (issuer, audience, environment: a staging token is refused by \
                production): `why401 jwt @token.txt`.
                """,
            ]
        default:
            if !webServer {
                out.fix = out.fix.filter { !$0.contains("htpasswd") }
                if let app = e.final?.exchange.response.flatMap(ApplicationFingerprint.identify) {
                    out.fix.append("Admin: " + app.fix.replacingUSER(with: user))
                } else {
                    out.fix.append(
                        """
                        Admin: check the account in the application's own user store or the identity provider it \
                        uses; its log says whether the user exists.
                        """
                    )
                }
            }
        }
        if !e.steps(.passwordVariant).isEmpty { out.fix = out.fix.filter { !$0.contains("--try-variants") } }
        return out
    }
}

/// `credentials.not-received`: a credentialed request gets exactly the anonymous answer — same
/// status, challenge and body — and a Bearer challenge without `error=` although a token was sent
/// (RFC 6750 §3.1), from a responder that can strip headers (a web server or proxy in front of
/// the application). An inference: facts (an expired token, a server-stated cause) outrank it,
/// and an application server answering directly refused the token it saw.
public enum CredentialsNotReceivedRule: Rule {
    static let anonymousBearer: KeyValuePairs<String, String> = [
        "WWW-Authenticate": "Bearer realm=\"api\"", "Server": "Apache/2.4.71 (Debian)",
    ]
    /// Raises `credentials.not-received`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .credentialsNotReceived,
        triggering: [
            CheckSample.make(
                sent: .bearer, CheckSample.step(.asGiven, 401, anonymousBearer, body: "no token"),
                CheckSample.step(.anonymous, 401, anonymousBearer, credentialed: false, body: "no token"))
        ],
        nonTriggering: [
            CheckSample.make(
                sent: .bearer,
                CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Bearer realm=\"api\", error=\"invalid_token\""])),
            CheckSample.make(
                CheckSample.step(.asGiven, 401, CheckSample.basic401),
                CheckSample.step(.anonymous, 401, CheckSample.basic401, credentialed: false)),
            // Not proven without the anonymous answer to compare with.
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401, anonymousBearer)),
            // FastAPI: the same challenge, another body ("Not authenticated" / "Could not validate credentials").
            CheckSample.make(
                sent: .bearer,
                CheckSample.step(
                    .asGiven, 401, ["WWW-Authenticate": "Bearer"], body: #"{"detail":"Could not validate credentials"}"#
                ),
                CheckSample.step(
                    .anonymous, 401, ["WWW-Authenticate": "Bearer"], credentialed: false,
                    body: #"{"detail":"Not authenticated"}"#)),
            // Flask-HTTPAuth answers a wrong token exactly like none, directly: a refusal.
            CheckSample.make(
                sent: .bearer,
                CheckSample.step(
                    .asGiven, 401,
                    [
                        "WWW-Authenticate": "Bearer realm=\"Authentication Required\"",
                        "Server": "Werkzeug/3.1.8 Python/3.11.7",
                    ], body: "Unauthorized Access"),
                CheckSample.step(
                    .anonymous, 401,
                    [
                        "WWW-Authenticate": "Bearer realm=\"Authentication Required\"",
                        "Server": "Werkzeug/3.1.8 Python/3.11.7",
                    ], credentialed: false,
                    body: "Unauthorized Access")),
        ])

    /// `Server` values of application servers that answer for the application itself: nothing
    /// between them and the code that checks the token could have removed it.
    static let applicationServers = [
        "werkzeug", "uvicorn", "gunicorn", "hypercorn", "daphne", "waitress", "wsgiserver", "python/", "aiohttp",
        "tornadoserver",
        "kestrel", "jetty", "puma", "unicorn", "thin", "webrick", "cowboy", "express", "deno", "bun",
    ]

    static func isApplicationServer(_ step: CheckEvidence.Step) -> Bool {
        let server = (step.header("Server") ?? "").lowercased()
        let poweredBy = (step.header("X-Powered-By") ?? "").lowercased()
        return applicationServers.contains { server.hasPrefix($0) || server.contains(" " + $0) }
            || poweredBy.hasPrefix("express")
    }

    /// One finding when a Bearer request gets an answer identical to the anonymous one (status, challenge, body) from a
    /// web server or proxy, and the challenge has no `error=`.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard e.sent == .bearer, let final = e.final, final.isUnauthorized, final.credentialed,
            !isApplicationServer(final)
        else { return [] }
        guard let bearer = e.finalChallenges?.challenges.compactMap(BearerChallenge.init).first, bearer.error == nil
        else { return [] }
        guard let anonymous = e.first(.anonymous), let anonymousResponse = anonymous.exchange.response,
            let finalResponse = final.exchange.response
        else { return [] }
        // Identical answers: status, challenge and body.
        let challenge = anonymousResponse.headers.first("WWW-Authenticate") ?? ""
        let identical =
            anonymousResponse.status == finalResponse.status
            && !challenge.isEmpty && challenge == (finalResponse.headers.first("WWW-Authenticate") ?? "")
            && anonymousResponse.bodyPrefix == finalResponse.bodyPrefix
        guard identical else { return [] }
        return [
            Finding(
                description.id,
                evidence: [
                    final.line, "WWW-Authenticate: Bearer without error= although a token was sent",
                    "without the token the answer is identical (status, challenge and body): \(challenge)",
                ])
        ]
    }
}

/// `server.auth-backend-error`: 401 without credentials, but 5xx (or nginx 403) with them.
public enum ServerAuthBackendErrorRule: Rule {
    /// Raises `server.auth-backend-error`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .serverAuthBackendError,
        triggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 500),
                CheckSample.step(.anonymous, 401, CheckSample.basic401, credentialed: false)),
            CheckSample.make(
                CheckSample.step(.asGiven, 403, ["Server": "nginx/1.22.1"]),
                CheckSample.step(.anonymous, 401, CheckSample.basic401, credentialed: false)),
        ],
        nonTriggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 401, CheckSample.basic401),
                CheckSample.step(.anonymous, 401, CheckSample.basic401, credentialed: false)),
            CheckSample.make(
                CheckSample.step(.asGiven, 403, ["Server": "Apache"]),
                CheckSample.step(.anonymous, 401, CheckSample.basic401, credentialed: false)),
        ])

    /// One finding when the anonymous request gets 401 and the credentialed one a 5xx (or an nginx 403).
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let anonymous = e.first(.anonymous), anonymous.isUnauthorized,
            let credentialed = e.steps.first(where: { $0.credentialed && $0.status != nil }),
            let status = credentialed.status
        else { return [] }
        let nginx403 = status == 403 && (credentialed.header("Server")?.lowercased().hasPrefix("nginx") ?? false)
        guard status >= 500 || nginx403 else { return [] }
        return [Finding(description.id, evidence: [anonymous.line, credentialed.line])]
    }
}

/// `credentials.caps-lock`: the case-inverted password was accepted (`--try-variants`).
public enum CredentialsCapsLockRule: Rule {
    /// Raises `credentials.caps-lock`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .credentialsCapsLock,
        triggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 401, CheckSample.basic401),
                CheckSample.step(.passwordVariant, 200, label: "caps-lock inverted"))
        ],
        nonTriggering: [
            CheckSample.make(
                CheckSample.step(.asGiven, 401, CheckSample.basic401),
                CheckSample.step(.passwordVariant, 401, CheckSample.basic401, label: "caps-lock inverted"))
        ])

    /// One finding when the case-inverted password was accepted.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        let capsLock = CheckEvidence.PlanStep.passwordVariant(.capsLockInverted)
        guard let variant = e.steps.first(where: { $0.plan == capsLock && $0.isSuccess }) else { return [] }
        return [Finding(description.id, evidence: [variant.line])]
    }
}

/// `credentials.whitespace`, `credentials.malformed`, `credentials.non-ascii`, `credentials.colon-in-user`:
/// problems seen in the credentials before they were sent. The inspection itself lives in HTTPAuth
/// (`BasicAuth.inspect`, `BearerAuth.inspect`); the check maps each issue to its finding id.
/// A trimmed password that the server accepts proves the whitespace was the cause.
public enum CredentialIssueRules: Rule {
    /// Raises `credentials.whitespace`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .credentialsWhitespace,
        triggering: [
            CheckSample.make(CheckSample.step(.asGiven, 401, CheckSample.basic401)) {
                $0.credentialIssues = [.init(.whitespace, message: "trailing newline in the password")]
            }
        ],
        nonTriggering: [CheckSample.make(CheckSample.step(.asGiven, 401, CheckSample.basic401))])

    /// The finding each kind of credential issue raises.
    static func findingID(of kind: CheckEvidence.CredentialIssue.Kind) -> FindingID {
        switch kind {
        case .colonInUser: .credentialsColonInUser
        case .nonASCII: .credentialsNonAscii
        case .whitespace: .credentialsWhitespace
        case .malformed: .credentialsMalformed
        }
    }

    /// One finding per id for the issues found before sending, each with its messages; proof (an accepted trimmed or
    /// ISO-8859-1 variant) is added where the plan has it.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        var grouped: [(FindingID, [String])] = []
        for issue in e.credentialIssues {
            let id = findingID(of: issue.kind)
            if let index = grouped.firstIndex(where: { $0.0 == id }) {
                grouped[index].1.append(issue.message)
            } else {
                grouped.append((id, [issue.message]))
            }
        }
        let trimmedWorked = e.steps(.passwordVariant).first { $0.plan == .passwordVariant(.trimmed) && $0.isSuccess }
        let latin1 = e.steps(.passwordVariant).first { $0.plan == .passwordVariant(.latin1) }
        return grouped.map { id, messages in
            var lines = messages
            if id == .credentialsWhitespace, let trimmedWorked { lines.append("proof: " + trimmedWorked.line) }
            var finding = Finding(id, evidence: lines)
            // The plan sent the same credentials in ISO-8859-1 once: that proves the charset, or rules it out.
            if id == .credentialsNonAscii, let latin1 {
                if latin1.isSuccess {
                    finding.detail =
                        """
                        The server decodes Basic credentials as ISO-8859-1: the same user name and password \
                        encoded in ISO-8859-1 are accepted, in UTF-8 refused.
                        """
                    finding.evidence.append("proof: " + latin1.line)
                    finding.fix.insert(
                        """
                        Send the credentials in ISO-8859-1 (curl sends the bytes your terminal gives it: `curl -u \
                        \"$(printf 'USER:PASSWORD' | iconv -t ISO-8859-1)\"` …), or make the server announce \
                        `charset=\"UTF-8\"` and store the password in UTF-8.
                        """,
                        at: 0)
                } else {
                    finding.severity = .info
                    finding.detail =
                        """
                        The credentials contain non-ASCII characters, but the charset is not the cause: in \
                        ISO-8859-1 they were refused too.
                        """
                    finding.evidence.append("ruled out: " + latin1.line)
                }
            }
            return finding
        }
    }
}

/// `credentials.in-query`: a token or API key in the query string and a 401 that asks for a
/// header anyway: the server does not read the query. An error when the query was the only
/// credential sent (it is why the request went unauthenticated), a warning beside another cause.
public enum CredentialsInQueryRule: Rule {
    /// Raises `credentials.in-query`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .credentialsInQuery,
        triggering: [
            CheckSample.make(
                sent: .none, url: "https://api.example.test/me?access_token=****",
                CheckSample.step(
                    .asGiven, 401, ["WWW-Authenticate": "Bearer realm=\"api\""], credentialed: false,
                    url: "https://api.example.test/me?access_token=****")),
            CheckSample.make(
                sent: .none, url: "https://api.example.test/items?page=2&api_key=****",
                CheckSample.step(
                    .asGiven, 401, credentialed: false, url: "https://api.example.test/items?page=2&api_key=****")),
        ],
        nonTriggering: [
            CheckSample.make(
                sent: .none, url: "https://api.example.test/me?access_token=****",
                CheckSample.step(
                    .asGiven, 200, credentialed: false, url: "https://api.example.test/me?access_token=****")),
            CheckSample.make(
                sent: .none, url: "https://api.example.test/me?page=2",
                CheckSample.step(
                    .asGiven, 401, CheckSample.basic401, credentialed: false, url: "https://api.example.test/me?page=2")
            ),
        ])

    /// Parameter names that carry a credential meant for the server to authenticate with.
    static let credentialParameters: Set<String> = [
        "access_token", "token", "id_token", "auth_token", "api_key", "apikey", "api-key", "key", "auth", "jwt",
        "private_token", "oauth_token", "bearer",
    ]

    static func parameters(in url: String) -> [String] {
        guard let q = url.firstIndex(of: "?") else { return [] }
        let query = url[url.index(after: q)...].prefix(while: { $0 != "#" })
        return query.split(whereSeparator: { $0 == "&" || $0 == ";" }).compactMap { item in
            guard let eq = item.firstIndex(of: "="), item.index(after: eq) != item.endIndex else { return nil }
            let name = item[..<eq].lowercased()
            return credentialParameters.contains(name) ? name : nil
        }
    }

    /// One finding when the final 401 answered a URL with credential-like query parameters, saying where the server
    /// reads credentials instead.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let final = e.final, final.isUnauthorized else { return [] }
        let names = parameters(in: final.exchange.request.url)
        guard !names.isEmpty else { return [] }
        let challenges = e.finalChallenges?.challenges ?? []
        let reads: String
        if let scheme = challenges.first?.scheme {
            reads =
                scheme.lowercased() == "basic" || scheme.lowercased() == "digest" || scheme.lowercased() == "bearer"
                ? "the Authorization header (`Authorization: \(scheme) …`), as its challenge says"
                : "the Authorization header with the \(scheme) scheme its challenge names"
        } else {
            reads =
                """
                a header (the 401 names none: see the API's documentation, often `Authorization: Bearer` or \
                `X-API-Key`)
                """
        }
        let parameterList = names.map { "`\($0)=`" }.joined(separator: ", ")
        var finding = Finding(
            description.id,
            detail:
                """
                The URL carries \(parameterList) and the server still answers 401: it does not take credentials \
                from the query string; it reads \(reads).
                """,
            evidence: [final.line] + names.map { "query parameter \($0) (value masked)" }
                + challenges.prefix(2).map { "offered: \($0.scheme)" })
        if e.sent != .none { finding.severity = .warning } else { finding.severity = .error }
        return [finding]
    }
}

/// `credentials.in-url`: `user:pass@` inside the URL.
public enum CredentialsInURLRule: Rule {
    /// Raises `credentials.in-url`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .credentialsInUrl,
        triggering: [
            CheckSample.make(CheckSample.step(.asGiven, 401, CheckSample.basic401)) { $0.credentialsInURL = true }
        ],
        nonTriggering: [CheckSample.make(CheckSample.step(.asGiven, 401, CheckSample.basic401))])

    /// One finding when the URL carried `user:pass@`.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        e.credentialsInURL ? [Finding(description.id, evidence: ["URL: \(e.url)"])] : []
    }
}

/// `credentials.insecure-transport`: credentials over plain http to a host that is not loopback.
/// A risk, not by itself a cause of the 401: a warning, ranked after every cause — unless the plain
/// http transport explains the failure (an http → https redirect on which the credentials were
/// dropped), which makes it an error.
public enum InsecureTransportRule: Rule {
    /// Raises `credentials.insecure-transport`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .credentialsInsecureTransport,
        triggering: [
            CheckSample.make(
                url: "http://api.example.test/me", CheckSample.step(.asGiven, 200, url: "http://api.example.test/me")),
            CheckSample.make(
                url: "http://api.example.test/me",
                CheckSample.step(
                    .asGiven, 301, ["Location": "https://api.example.test/me"], url: "http://api.example.test/me"),
                CheckSample.step(
                    .redirect, 401, CheckSample.basic401, credentialed: false, url: "https://api.example.test/me")),
        ],
        nonTriggering: [
            CheckSample.make(url: "http://127.0.0.1/me", CheckSample.step(.asGiven, 200, url: "http://127.0.0.1/me")) {
                $0.isLoopback = true
            },
            CheckSample.make(CheckSample.step(.asGiven, 200)),
        ])

    /// One finding when credentials went over plain http to a host that is not loopback, with the https command to use
    /// instead.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard e.sent != .none, !e.isLoopback else { return [] }
        let plain = e.steps.filter { $0.credentialed && $0.exchange.request.url.lowercased().hasPrefix("http://") }
        guard let first = plain.first else { return [] }
        let secure = "https://" + first.exchange.request.url.dropFirst("http://".count)
        let host = URLText.host(of: first.exchange.request.url) ?? "HOST"
        var finding = Finding(description.id, evidence: [first.line])
        var user = "USER"
        if case .basic(let name) = e.sent { user = name }
        let client =
            e.sent == .bearer ? "curl -H \"Authorization: Bearer $TOKEN\" \(secure)" : "curl -u \(user) \(secure)"
        finding.fix = [
            "Use the https URL: `\(client)`.",
            """
            Admin: enable TLS for \(host) (`sudo certbot --apache -d \(host)` or `sudo certbot --nginx -d \
            \(host)`) and redirect port 80: Apache `Redirect permanent / https://\(host)/`, nginx `return 301 \
            https://$host$request_uri;`.
            """,
            "If the password or token already travelled over http on an untrusted network, change it.",
        ]
        // The server moved the request to https and the credentials stayed behind: http is the cause.
        let chain = [e.first(.asGiven)].compactMap { $0 } + e.steps(.redirect)
        if let final = e.final, final.isUnauthorized, !final.credentialed,
            let upgrade = zip(chain, chain.dropFirst()).first(where: { from, to in
                from.exchange.request.url.lowercased().hasPrefix("http://")
                    && to.exchange.request.url.lowercased().hasPrefix("https://")
                    && URLText.host(of: from.exchange.request.url) == URLText.host(of: to.exchange.request.url)
            })
        {
            finding.severity = .error
            finding.detail =
                """
                The credentials went to the http URL; the server redirects http to https, and a client does not \
                carry credentials across that change of scheme, so the https URL answered 401.
                """
            finding.evidence = [upgrade.0.line, upgrade.1.line]
            finding.fix.insert("Use the https URL from the start: `\(client)`.", at: 0)
        }
        return [finding]
    }
}

/// Small readers of absolute URL text for rules (no I/O, no percent-decoding).
enum URLText {
    /// The host of `scheme://[userinfo@]host[:port]/…`, lower-cased, IPv6 without brackets.
    static func host(of url: String) -> String? {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        var authority = url[schemeEnd.upperBound...].prefix(while: { !"/?#".contains($0) })
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            return String(authority[authority.index(after: authority.startIndex)..<close]).lowercased()
        }
        return String(authority.prefix(while: { $0 != ":" })).lowercased()
    }
}
