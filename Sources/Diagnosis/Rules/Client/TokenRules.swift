import CredentialModel
import Credentials
import Evidence
import HTTPAuth
import TextEscaping

/// Time helpers shared by the token, clock and session rules.
enum TokenTime {
    static func iso8601(_ seconds: Double) -> String { HTTPDate.iso8601(seconds) }

    /// `3 h 12 min`, `45 s`, `2 d 4 h` (`Figures.span`, the one time-span form).
    static func span(_ seconds: Double) -> String { Figures.span(seconds: seconds) }

    static func decoded(_ e: CheckEvidence) -> DecodedJWT? {
        if case .success(let jwt) = e.token { return jwt }
        return nil
    }
}

// The client's token rules are adapters: each judges the check's Bearer token (`TokenEvidence(e)`)
// with the `TokenInspection` rule `why401 jwt` uses, so both give the same findings in the same words
// with the same leeway. They stay separate types so that each keeps its rank in `ClientRules.set`.

/// `token.expired`: `exp + leeway` is before the server's (or local) time (`TokenInspection.ExpiredRule`).
public enum TokenExpiredRule: Rule {
    static let expiredToken = TokenSample.expired
    public static let description = RuleDescription<CheckEvidence>(
        id: .tokenExpired,
        triggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) { $0.token = JWT.decode(expiredToken) }
        ],
        nonTriggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) {
                $0.token = JWT.decode(expiredToken)
                $0.localTime = 1_600_000_000
            },
            // Valid by the local clock, expired only by a server clock an hour ahead: clock.skew's cause.
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) {
                $0.token = JWT.decode(expiredToken)
                $0.localTime = 1_699_999_000
                $0.serverDate = 1_700_003_600
            },
        ])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        TokenEvidence(e).map(TokenInspection.ExpiredRule.check) ?? []
    }
}

/// `token.not-yet-valid`: `nbf` (or `iat`) lies in the future (`TokenInspection.NotYetValidRule`).
public enum TokenNotYetValidRule: Rule {
    static let futureToken = TokenSample.notBefore
    public static let description = RuleDescription<CheckEvidence>(
        id: .tokenNotYetValid,
        triggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) { $0.token = JWT.decode(futureToken) }
        ],
        nonTriggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) {
                $0.token = JWT.decode(futureToken)
                $0.localTime = 1_950_000_000
            }
        ])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        TokenEvidence(e).map(TokenInspection.NotYetValidRule.check) ?? []
    }
}

/// `token.not-jwt` (info for a Bearer credential): an opaque token whose claims cannot be read
/// (`TokenInspection.NotJWTRule`).
public enum TokenNotJWTRule: Rule {
    public static let description = RuleDescription<CheckEvidence>(
        id: .tokenNotJwt,
        triggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) { $0.token = JWT.decode("opaque") }
        ],
        nonTriggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) {
                $0.token = JWT.decode(TokenExpiredRule.expiredToken)
            }
        ])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        TokenEvidence(e).map(TokenInspection.NotJWTRule.check) ?? []
    }
}

/// `clock.skew`: the local clock and the server's `Date` differ by more than the token leeway
/// (`TokenEvidence.defaultLeeway`, 60 s): beyond it a skew can change a token's verdict.
public enum ClockSkewRule: Rule {
    public static let description = RuleDescription<CheckEvidence>(
        id: .clockSkew,
        triggering: [CheckSample.make(CheckSample.step(.asGiven, 401)) { $0.serverDate = $0.localTime + 7200 }],
        nonTriggering: [CheckSample.make(CheckSample.step(.asGiven, 401)) { $0.serverDate = $0.localTime + 3 }])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let server = e.serverDate else { return [] }
        let skew = server - e.localTime
        guard abs(skew) > TokenEvidence.defaultLeeway else { return [] }
        let direction = skew > 0 ? "behind" : "ahead of"
        var finding = Finding(
            description.id,
            detail: "The local clock is \(TokenTime.span(skew)) \(direction) the server's.",
            evidence: ["server Date \(TokenTime.iso8601(server))", "local clock \(TokenTime.iso8601(e.localTime))"])
        if let token = TokenEvidence(e), token.skewExplainsVerdict, let exp = token.jwt?.expiresAt {
            // The skew is the cause: raise it to an error so it leads the verdict.
            finding.severity = .error
            finding.detail +=
                " The token is valid by the local clock but expired by the server's, so the server rejects it."
            finding.evidence.append("token exp \(TokenTime.iso8601(exp)): valid locally, expired at the server")
        }
        return [finding]
    }
}

/// `digest.stale-nonce`: a Digest answer refused with `stale=true`, and a fresh nonce succeeds.
public enum DigestStaleNonceRule: Rule {
    public static let description = RuleDescription<CheckEvidence>(
        id: .digestStaleNonce,
        triggering: [
            CheckSample.make(
                sent: .digest(user: "alice"),
                CheckSample.step(
                    .answer, 401, ["WWW-Authenticate": "Digest realm=\"r\", nonce=\"n2\", stale=true, qop=\"auth\""]),
                CheckSample.step(.freshNonce, 200))
        ],
        nonTriggering: [
            CheckSample.make(
                sent: .digest(user: "alice"),
                CheckSample.step(.answer, 401, ["WWW-Authenticate": "Digest realm=\"r\", nonce=\"n2\""]))
        ])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard
            let stale = e.steps.first(where: { step in
                step.isUnauthorized && step.credentialed
                    && step.headers("WWW-Authenticate").contains {
                        ChallengeParser.parse($0).challenges.contains(where: DigestAuth.isStaleRetry)
                    }
            })
        else { return [] }
        var lines = [stale.line + ": stale=true"]
        if let fresh = e.first(.freshNonce) { lines.append(fresh.line) }
        let cured = e.first(.freshNonce)?.isSuccess ?? false
        return [
            Finding(
                description.id,
                detail: cured
                    ? """
                    The server refused the first Digest answer as stale (its nonce had expired) and accepted the \
                    same credentials with a fresh nonce: the client must retry on stale=true without prompting.
                    """
                    : "The server answered stale=true: the nonce expired; the password itself was not judged.",
                evidence: lines)
        ]
    }
}

/// `oauth.resource-metadata-broken`: OAuth discovery fails — the challenge's RFC 9728
/// `resource_metadata` (or the origin's `/.well-known/oauth-protected-resource`), the RFC 8414
/// authorization server metadata, its issuer, or its `jwks_uri`. The evidence names the step and why.
public enum ResourceMetadataBrokenRule: Rule {
    public static let description = RuleDescription<CheckEvidence>(
        id: .oauthResourceMetadataBroken,
        triggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.resourceMetadata, 404, credentialed: false)),
            CheckSample.make(
                sent: .none,
                CheckSample.step(.resourceMetadata, 200, ["Content-Type": "application/json"], credentialed: false),
                CheckSample.step(.authorizationServerMetadata, 404, credentialed: false)
            ) { $0.discoveryProblems = [.init(step: "authorization server metadata", message: "404")] },
            CheckSample.make(sent: .bearer) {
                $0.discoveryProblems = [
                    .init(
                        step: "authorization server metadata",
                        message: "issuer mismatch: metadata says https://a, token says https://b")
                ]
            },
            // A document that answers 200 with JSON but is invalid: the plan's structured verdict.
            CheckSample.make(
                sent: .bearer,
                CheckSample.step(.resourceMetadata, 200, ["Content-Type": "application/json"], credentialed: false)
            ) {
                $0.discoveryProblems = [
                    .init(
                        step: "protected resource metadata", message: "no \"resource\" member (RFC 9728 §2 requires it)"
                    )
                ]
            },
        ],
        nonTriggering: [
            CheckSample.make(
                sent: .bearer,
                CheckSample.step(.resourceMetadata, 200, ["Content-Type": "application/json"], credentialed: false)),
            // The origin's well-known URL (no resource_metadata in the challenge) is optional: 404 there is no fault.
            CheckSample.make(
                sent: .bearer,
                CheckSample.step(
                    .resourceMetadata, 404, credentialed: false, label: CheckEvidence.wellKnownMetadataLabel)),
            CheckSample.make(
                sent: .bearer,
                CheckSample.step(
                    .resourceMetadata, 401, credentialed: false, label: CheckEvidence.wellKnownMetadataLabel)),
        ])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        var lines = e.discoveryProblems.map(\.line)
        var detail: String
        if let first = e.discoveryProblems.first {
            detail = "OAuth discovery fails at the \(first.step): \(first.message)."
            if let step = e.first(.resourceMetadata) { lines.append(step.line) }
            for step in e.steps(.authorizationServerMetadata) + e.steps(.jwks) { lines.append(step.line) }
        } else {
            // Evidence without the plan's own verdicts (a HAR, a sample): judge the metadata step itself.
            guard let step = e.first(.resourceMetadata), let problem = problem(step) else { return [] }
            detail = "The resource_metadata URL from the challenge \(problem)."
            lines = [step.line]
        }
        var finding = Finding(description.id, detail: detail, evidence: lines)
        if e.sent == .none {
            // Without a token yet, discovery is the client's only way to one: broken metadata is the cause.
            finding.severity = .error
            finding.detail += " A client without a token cannot discover where to get one."
        }
        return [finding]
    }

    static func problem(_ step: CheckEvidence.Step) -> String? {
        guard let status = step.status else { return "is unreachable: \(step.exchange.failure ?? "no response")" }
        // The origin's well-known URL is only a guess: absent (404/410) or behind the site's own
        // authentication (401/403, e.g. a proxy that protects every path) is no fault.
        if step.plan == .resourceMetadata(wellKnown: true) && [401, 403, 404, 410].contains(status) { return nil }
        if status != 200 { return "answered \(status), not 200" }
        if let type = step.header("Content-Type"), !type.lowercased().contains("json") {
            return "has Content-Type \(type), not application/json"
        }
        // What makes a fetched document invalid (no `resource`, a resource or issuer mismatch, no
        // `authorization_servers`) is judged where it is parsed and arrives structured, as
        // `discoveryProblems` (step + message), never as text to match in a label.
        return nil
    }
}

/// `token.signature-invalid` / `token.weak-secret` from a real verification: the key the user gave
/// (`--secret`, `--key`, `--jwks`) or the JWKS that discovery found (`TokenInspection.SignatureRule`
/// and `WeakSecretRule`, shared with `why401 jwt`).
public enum TokenSignatureRule: Rule {
    public static let description = RuleDescription<CheckEvidence>(
        id: .tokenSignatureInvalid,
        triggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) {
                $0.token = JWT.decode(TokenExpiredRule.expiredToken)
                $0.tokenVerification = .failed(.badSignature(algorithm: "HS256", key: "HMAC secret given (12 bytes)"))
                $0.tokenKeySource = "--secret"
            },
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) {
                $0.token = JWT.decode(TokenExpiredRule.expiredToken)
                $0.tokenVerification = .failed(.noKeyForKid("k2", available: ["k1"]))
                $0.tokenKeySource = "jwks_uri https://idp.example/jwks (discovered)"
            },
        ],
        nonTriggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 200)) {
                $0.token = JWT.decode(TokenExpiredRule.expiredToken)
                $0.tokenVerification = .verified(algorithm: "HS256", key: "HMAC secret (32 bytes)")
            },
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 200)) {
                $0.token = JWT.decode(TokenExpiredRule.expiredToken)
                $0.tokenWeakSecretGuessed = true
            },
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) {
                $0.token = JWT.decode(TokenExpiredRule.expiredToken)
            },
        ])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let token = TokenEvidence(e) else { return [] }
        return TokenInspection.SignatureRule.check(token) + TokenInspection.WeakSecretRule.check(token)
    }
}

/// `token.audience-mismatch`: `aud`/`iss` differ from what the API expects (`--audience`, `--issuer`),
/// one finding per claim (`TokenInspection.AudienceRule`).
public enum TokenAudienceMismatchRule: Rule {
    static let otherAudience = TokenSample.otherAudience
    public static let description = RuleDescription<CheckEvidence>(
        id: .tokenAudienceMismatch,
        triggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) {
                $0.token = JWT.decode(otherAudience)
                $0.expectedAudience = "api://orders"
            },
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) {
                $0.token = JWT.decode(otherAudience)
                $0.expectedIssuer = "https://login.example"
            },
        ],
        nonTriggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) {
                $0.token = JWT.decode(otherAudience)
                $0.expectedAudience = "api://other"
            }
        ])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        TokenEvidence(e).map(TokenInspection.AudienceRule.check) ?? []
    }
}

/// `token.signature-invalid` without a key: `alg: none` means the token is unsigned, which no
/// API should accept (RFC 8725 §3.1) (`TokenInspection.UnsignedRule`).
public enum TokenAlgNoneRule: Rule {
    static let unsigned = TokenSample.unsigned
    public static let description = RuleDescription<CheckEvidence>(
        id: .tokenSignatureInvalid,
        triggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) { $0.token = JWT.decode(unsigned) }
        ],
        nonTriggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) {
                $0.token = JWT.decode(TokenExpiredRule.expiredToken)
            }
        ])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        TokenEvidence(e).map(TokenInspection.UnsignedRule.check) ?? []
    }
}

/// `token.insufficient-scope` from the scopes themselves: the challenge's `scope=` names scopes the
/// token's `scope` / `scp` / `scopes` claim lacks — on a 401 as well as a 403 (FastAPI's
/// `SecurityScopes` answers 401 with `Bearer scope="…"`).
public enum TokenScopeRule: Rule {
    // {"alg":"HS256"}.{"sub":"alice","scope":"read"}
    static let readToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSIsInNjb3BlIjoicmVhZCJ9.x"
    public static let description = RuleDescription<CheckEvidence>(
        id: .tokenInsufficientScope,
        triggering: [
            CheckSample.make(
                sent: .bearer, CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Bearer scope=\"admin\""])
            ) {
                $0.token = JWT.decode(readToken)
            }
        ],
        nonTriggering: [
            CheckSample.make(
                sent: .bearer, CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Bearer scope=\"read\""])
            ) {
                $0.token = JWT.decode(readToken)
            },
            CheckSample.make(
                sent: .bearer, CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Bearer realm=\"api\""])
            ) {
                $0.token = JWT.decode(readToken)
            },
        ])

    /// The token's scopes: `scope` (RFC 8693, space-separated), `scp` (string or array), `scopes`.
    static func tokenScopes(_ jwt: DecodedJWT) -> [String]? {
        for name in ["scope", "scp", "scopes"] {
            guard let value = jwt.claims[name] else { continue }
            if let text = value.string { return text.split(separator: " ").map(String.init) }
            return value.strings
        }
        return nil
    }

    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard e.sent == .bearer, let final = e.final, final.status == 401 || final.status == 403,
            let required = e.finalChallenges?.challenges.first(where: { $0.isScheme("Bearer") })?[parameter: "scope"]
        else { return [] }
        let wanted = required.split(separator: " ").map(String.init)
        guard !wanted.isEmpty, let jwt = TokenTime.decoded(e) else { return [] }
        let held = tokenScopes(jwt) ?? []
        let missing = wanted.filter { !held.contains($0) }
        guard !missing.isEmpty else { return [] }
        return [
            Finding(
                description.id,
                detail:
                    """
                    The server asks for scope \(missing.joined(separator: " ")); the token carries \
                    \(held.isEmpty ? "no scope claim" : held.joined(separator: " ")).
                    """,
                evidence: [
                    final.line, "challenge scope=\"\(required)\"",
                    "token scopes: \(held.isEmpty ? "(none)" : held.joined(separator: " "))",
                ],
                fix: [
                    """
                    Request a token with the scope: add `\(missing.joined(separator: " "))` to the `scope` \
                    parameter of the token request, then send the new token.
                    """
                ])
        ]
    }
}
