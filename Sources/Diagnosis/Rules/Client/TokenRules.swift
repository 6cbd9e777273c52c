import Credentials
import Evidence
import HTTPAuth

/// Time helpers shared by the token and clock rules. The server's `Date` is the reference when
/// known: a token is judged by the clock of the server that judges it.
enum TokenTime {
    static let leeway = 60.0

    static func reference(_ e: CheckEvidence) -> Double { e.serverDate ?? e.localTime }

    static func iso8601(_ seconds: Double) -> String { HTTPDate.iso8601(seconds) }

    /// `3 h 12 min`, `45 s`, `2 d 4 h`.
    static func span(_ seconds: Double) -> String {
        guard abs(seconds) < 1e15 else { return "more than 30 million years" }
        let s = Int(abs(seconds).rounded())
        if s < 120 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min" }
        if s < 86_400 { return "\(s / 3600) h \(s % 3600 / 60) min" }
        return "\(s / 86_400) d \(s % 86_400 / 3600) h"
    }

    static func decoded(_ e: CheckEvidence) -> DecodedJWT? {
        if case .success(let jwt) = e.token { return jwt }
        return nil
    }
}

/// `token.expired`: `exp + leeway` is before the server's (or local) time.
public enum TokenExpiredRule: Rule {
    // {"alg":"HS256"}.{"exp":1700000000}
    static let expiredToken = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.x"
    public static let description = RuleDescription<CheckEvidence>(
        id: .tokenExpired,
        triggering: [CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) { $0.token = JWT.decode(expiredToken) }],
        nonTriggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) {
                $0.token = JWT.decode(expiredToken)
                $0.localTime = 1_600_000_000
            }
        ])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let jwt = TokenTime.decoded(e), let exp = jwt.expiresAt else { return [] }
        let now = TokenTime.reference(e)
        guard exp + TokenTime.leeway < now else { return [] }
        // Valid by the local clock, expired only by a skewed server clock: that is `clock.skew`'s cause.
        if ClockSkewRule.skewExplainsToken(e) { return [] }
        let ago = TokenTime.span(now - exp)
        var lines = ["exp \(TokenTime.iso8601(exp)), \(ago) ago (leeway \(Int(TokenTime.leeway)) s)"]
        lines.append(e.serverDate != nil ? "judged by the server's Date \(TokenTime.iso8601(now))" : "judged by the local clock \(TokenTime.iso8601(now))")
        if let iat = jwt.issuedAt { lines.append("iat \(TokenTime.iso8601(iat))") }
        return [Finding(description.id, detail: "The token expired \(ago) ago.", evidence: lines)]
    }
}

/// `token.not-yet-valid`: `nbf` (or `iat`) lies in the future.
public enum TokenNotYetValidRule: Rule {
    // {"alg":"HS256"}.{"nbf":1900000000}
    static let futureToken = "eyJhbGciOiJIUzI1NiJ9.eyJuYmYiOjE5MDAwMDAwMDB9.x"
    public static let description = RuleDescription<CheckEvidence>(
        id: .tokenNotYetValid,
        triggering: [CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) { $0.token = JWT.decode(futureToken) }],
        nonTriggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) {
                $0.token = JWT.decode(futureToken)
                $0.localTime = 1_950_000_000
            }
        ])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let jwt = TokenTime.decoded(e) else { return [] }
        let now = TokenTime.reference(e)
        for (claim, value) in [("nbf", jwt.notBefore), ("iat", jwt.issuedAt)] {
            guard let value, value - TokenTime.leeway > now else { continue }
            return [
                Finding(
                    description.id,
                    detail: "The token's \(claim) is \(TokenTime.span(value - now)) in the future.",
                    evidence: ["\(claim) \(TokenTime.iso8601(value)), in \(TokenTime.span(value - now))", "now \(TokenTime.iso8601(now))"])
            ]
        }
        return []
    }
}

/// `token.not-jwt` (info): an opaque token whose claims cannot be read.
public enum TokenNotJWTRule: Rule {
    public static let description = RuleDescription<CheckEvidence>(
        id: .tokenNotJwt,
        triggering: [CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) { $0.token = JWT.decode("opaque") }],
        nonTriggering: [CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) { $0.token = JWT.decode(TokenExpiredRule.expiredToken) }])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard case .failure(let failure) = e.token else { return [] }
        return [Finding(description.id, evidence: ["token: \(failure)"])]
    }
}

/// `clock.skew`: local clock and the server's `Date` differ by more than 60 s.
public enum ClockSkewRule: Rule {
    public static let description = RuleDescription<CheckEvidence>(
        id: .clockSkew,
        triggering: [CheckSample.make(CheckSample.step(.asGiven, 401)) { $0.serverDate = $0.localTime + 7200 }],
        nonTriggering: [CheckSample.make(CheckSample.step(.asGiven, 401)) { $0.serverDate = $0.localTime + 3 }])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let server = e.serverDate else { return [] }
        let skew = server - e.localTime
        guard abs(skew) > 60 else { return [] }
        let direction = skew > 0 ? "behind" : "ahead of"
        var finding = Finding(
            description.id,
            detail: "The local clock is \(TokenTime.span(skew)) \(direction) the server's.",
            evidence: ["server Date \(TokenTime.iso8601(server))", "local clock \(TokenTime.iso8601(e.localTime))"])
        if skewExplainsToken(e), let exp = TokenTime.decoded(e)?.expiresAt {
            // The skew is the cause: raise it to an error so it leads the verdict.
            finding.severity = .error
            finding.detail += " The token is valid by the local clock but expired by the server's, so the server rejects it."
            finding.evidence.append("token exp \(TokenTime.iso8601(exp)): valid locally, expired at the server")
        }
        return [finding]
    }

    /// The token is valid by the local clock but expired (or not yet valid) by the server's Date.
    static func skewExplainsToken(_ e: CheckEvidence) -> Bool {
        guard let server = e.serverDate, abs(server - e.localTime) > 60, let jwt = TokenTime.decoded(e) else { return false }
        let validAt = { (now: Double) -> Bool in
            if let exp = jwt.expiresAt, exp + TokenTime.leeway < now { return false }
            if let nbf = jwt.notBefore, nbf - TokenTime.leeway > now { return false }
            return true
        }
        return validAt(e.localTime) && !validAt(server)
    }
}

/// `digest.stale-nonce`: a Digest answer refused with `stale=true`, and a fresh nonce succeeds.
public enum DigestStaleNonceRule: Rule {
    public static let description = RuleDescription<CheckEvidence>(
        id: .digestStaleNonce,
        triggering: [
            CheckSample.make(
                sent: .digest(user: "alice"),
                CheckSample.step(.answer, 401, ["WWW-Authenticate": "Digest realm=\"r\", nonce=\"n2\", stale=true, qop=\"auth\""]),
                CheckSample.step(.freshNonce, 200))
        ],
        nonTriggering: [CheckSample.make(sent: .digest(user: "alice"), CheckSample.step(.answer, 401, ["WWW-Authenticate": "Digest realm=\"r\", nonce=\"n2\""]))])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let stale = e.steps.first(where: { step in
            step.isUnauthorized && step.credentialed
                && step.headers("WWW-Authenticate").contains { ChallengeParser.parse($0).challenges.contains(where: DigestAuth.isStaleRetry) }
        }) else { return [] }
        var lines = [stale.line + ": stale=true"]
        if let fresh = e.first(.freshNonce) { lines.append(fresh.line) }
        let cured = e.first(.freshNonce)?.isSuccess ?? false
        return [
            Finding(
                description.id,
                detail: cured
                    ? "The server refused the first Digest answer as stale (its nonce had expired) and accepted the same credentials with a fresh nonce: the client must retry on stale=true without prompting."
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
                sent: .none, CheckSample.step(.resourceMetadata, 200, ["Content-Type": "application/json"], credentialed: false),
                CheckSample.step(.authorizationServerMetadata, 404, credentialed: false)
            ) { $0.discoveryProblems = [.init(step: "authorization server metadata", message: "404")] },
            CheckSample.make(sent: .bearer) {
                $0.discoveryProblems = [.init(step: "authorization server metadata", message: "issuer mismatch: metadata says https://a, token says https://b")]
            },
        ],
        nonTriggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.resourceMetadata, 200, ["Content-Type": "application/json"], credentialed: false)),
            // The origin's well-known URL (no resource_metadata in the challenge) is optional: 404 there is no fault.
            CheckSample.make(sent: .bearer, CheckSample.step(.resourceMetadata, 404, credentialed: false, label: CheckEvidence.wellKnownMetadataLabel)),
            CheckSample.make(sent: .bearer, CheckSample.step(.resourceMetadata, 401, credentialed: false, label: CheckEvidence.wellKnownMetadataLabel)),
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
        if let type = step.header("Content-Type"), !type.lowercased().contains("json") { return "has Content-Type \(type), not application/json" }
        if let note = step.label, note.hasPrefix("invalid:") { return "is invalid: " + String(note.dropFirst("invalid:".count)).trimmingOWS }
        return nil
    }
}

/// `token.signature-invalid` / `token.weak-secret` from a real verification: the key the user gave
/// (`--secret`, `--key`, `--jwks`) or the JWKS that discovery found. The judgement is
/// `TokenInspection`'s, shared with `why401 jwt`.
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
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) { $0.token = JWT.decode(TokenExpiredRule.expiredToken) },
        ])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let jwt = TokenTime.decoded(e), e.tokenVerification != nil || e.tokenWeakSecretGuessed else { return [] }
        var findings = TokenInspection.signature(jwt, verification: e.tokenVerification, weakSecretGuessed: e.tokenWeakSecretGuessed)
        if let source = e.tokenKeySource {
            for index in findings.indices where findings[index].id == description.id {
                findings[index].evidence.append("key from \(source)")
            }
        }
        return findings
    }
}


/// `token.audience-mismatch`: `aud`/`iss` differ from what the API expects (`--audience`, `--issuer`),
/// or the server's `error_description` names the audience.
public enum TokenAudienceMismatchRule: Rule {
    // {"alg":"HS256"}.{"aud":"api://other","iss":"https://idp.example"}
    static let otherAudience = "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJhcGk6Ly9vdGhlciIsImlzcyI6Imh0dHBzOi8vaWRwLmV4YW1wbGUifQ.x"
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
        guard let jwt = TokenTime.decoded(e) else { return [] }
        var lines: [String] = []
        if let expected = e.expectedAudience, !jwt.audience.contains(expected) {
            lines.append("aud \(jwt.audience.isEmpty ? "(absent)" : jwt.audience.joined(separator: ", ")), expected \(expected)")
        }
        if let expected = e.expectedIssuer, jwt.issuer != expected {
            lines.append("iss \(jwt.issuer ?? "(absent)"), expected \(expected)")
        }
        return lines.isEmpty ? [] : [Finding(description.id, evidence: lines)]
    }
}

/// `token.signature-invalid` without a key: `alg: none` means the token is unsigned, which no
/// API should accept (RFC 8725 §3.1). Verification with a key comes with `why401 jwt`.
public enum TokenAlgNoneRule: Rule {
    // {"alg":"none"}.{"sub":"a"}
    static let unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0."
    public static let description = RuleDescription<CheckEvidence>(
        id: .tokenSignatureInvalid,
        triggering: [CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) { $0.token = JWT.decode(unsigned) }],
        nonTriggering: [CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401)) { $0.token = JWT.decode(TokenExpiredRule.expiredToken) }])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let jwt = TokenTime.decoded(e), jwt.algorithm?.lowercased() == "none" else { return [] }
        return [Finding(description.id, detail: "The token's header says alg \"none\": it is unsigned, and a correct server rejects it.", evidence: ["header alg: none"])]
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
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Bearer scope=\"admin\""])) {
                $0.token = JWT.decode(readToken)
            }
        ],
        nonTriggering: [
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Bearer scope=\"read\""])) {
                $0.token = JWT.decode(readToken)
            },
            CheckSample.make(sent: .bearer, CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Bearer realm=\"api\""])) {
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
                detail: "The server asks for scope \(missing.joined(separator: " ")); the token carries \(held.isEmpty ? "no scope claim" : held.joined(separator: " ")).",
                evidence: [final.line, "challenge scope=\"\(required)\"", "token scopes: \(held.isEmpty ? "(none)" : held.joined(separator: " "))"],
                fix: ["Request a token with the scope: add `\(missing.joined(separator: " "))` to the `scope` parameter of the token request, then send the new token."])
        ]
    }
}
