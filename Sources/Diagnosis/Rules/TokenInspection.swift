import CredentialModel
import HTTPAuth

/// The token rules — the one implementation behind `why401 jwt` and behind the token findings of
/// `check`, `curl` and `har` (whose client rules are thin adapters over these): a decoded token, the
/// result of signature verification (if a key was given), a weak-secret probe, the expectations and
/// a clock in, findings out. No I/O. Each claim problem is its own finding, so an expired token with
/// the wrong audience shows both.
public enum TokenInspection {
    /// Most specific first: what the token is, its signature, its times, then whom it is for.
    public static let set = RuleSet<TokenEvidence>(
        "token",
        [
            NotJWTRule.self, UnsignedRule.self, SignatureRule.self, WeakSecretRule.self, ExpiredRule.self,
            NotYetValidRule.self, AudienceRule.self,
        ])

    /// Every token finding, de-duplicated and ranked.
    public static func findings(_ evidence: TokenEvidence) -> [Finding] { set.run(evidence) }

    /// RFC 7519 §4.1.4 with leeway: a token is expired exactly when `exp + leeway < now`.
    public static func isExpired(exp: Double, now: Double, leeway: Double) -> Bool {
        TokenEvidence.isExpired(exp: exp, now: now, leeway: leeway)
    }

    /// §4.1.5 / §4.1.6: `nbf` (or `iat`) more than `leeway` in the future.
    public static func isInFuture(_ time: Double, now: Double, leeway: Double) -> Bool {
        TokenEvidence.isInFuture(time, now: now, leeway: leeway)
    }

    /// `expired 3 h 12 min ago`, `expires in 45 s`: the relative form shown beside each time claim.
    public static func relative(_ claim: String, _ time: Double, now: Double) -> String {
        let delta = time - now
        let span = TokenTime.span(delta)
        switch claim {
        case "exp": return delta < 0 ? "expired \(span) ago" : "expires in \(span)"
        case "nbf": return delta <= 0 ? "valid since \(span) ago" : "not valid for another \(span)"
        default: return delta <= 0 ? "\(span) ago" : "in \(span) (in the future)"
        }
    }

    /// Whether `why401 jwt` ends with exit 1 whatever `--fail-on` says: an error, or an input that is
    /// not a JWT at all (the command was asked to read one; a warning, since an opaque token is no
    /// fault by itself). A JWE is a JWT, only unreadable here: info, exit 0, like a weak-secret warning.
    public static func isProblem(_ findings: [Finding]) -> Bool {
        findings.contains { $0.severity == .error || ($0.id == .tokenNotJwt && $0.severity == .warning) }
    }
}

// MARK: - Examples

/// Tokens for the rules' examples (unsigned parts are enough: the rules read claims and verdicts).
enum TokenSample {
    /// {"alg":"HS256"}.{"exp":1700000000}
    static let expired = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.x"
    /// {"alg":"HS256"}.{"nbf":1900000000}
    static let notBefore = "eyJhbGciOiJIUzI1NiJ9.eyJuYmYiOjE5MDAwMDAwMDB9.x"
    /// {"alg":"HS256"}.{"iat":1900000000}
    static let issuedLater = "eyJhbGciOiJIUzI1NiJ9.eyJpYXQiOjE5MDAwMDAwMDB9.x"
    /// {"alg":"HS256"}.{"sub":"a","exp":1900000000,"nbf":1700000000}
    static let valid = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhIiwiZXhwIjoxOTAwMDAwMDAwLCJuYmYiOjE3MDAwMDAwMDB9.x"
    /// {"alg":"HS256"}.{"exp":"tomorrow"}
    static let textExp = "eyJhbGciOiJIUzI1NiJ9.eyJleHAiOiJ0b21vcnJvdyJ9.x"
    /// {"alg":"HS256"}.{"nbf":"soon"}
    static let textNbf = "eyJhbGciOiJIUzI1NiJ9.eyJuYmYiOiJzb29uIn0.x"
    /// {"alg":"none"}.{"sub":"a"}
    static let unsigned = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJhIn0."
    /// {"alg":"HS256"}.{"aud":"api://other","iss":"https://idp.example"}
    static let otherAudience =
        "eyJhbGciOiJIUzI1NiJ9.eyJhdWQiOiJhcGk6Ly9vdGhlciIsImlzcyI6Imh0dHBzOi8vaWRwLmV4YW1wbGUifQ.x"

    /// `token` read by `why401 jwt` at 2027-01-15 (between the samples' past and future times).
    static func evidence(_ token: String, configure: (inout TokenEvidence) -> Void = { _ in }) -> TokenEvidence {
        var evidence = TokenEvidence(token: JWT.decode(token), localTime: 1_800_000_000)
        configure(&evidence)
        return evidence
    }
}

// MARK: - token.not-jwt

extension TokenInspection {
    /// `token.not-jwt`: the token is not a JWS whose claims can be read. For `why401 jwt` (asked to
    /// read a JWT) an opaque or random input is a warning and a broken JWT an error; for a Bearer
    /// credential an opaque token is the normal case, so every form is info there. A JWE is info.
    public enum NotJWTRule: Rule {
        public static let description = RuleDescription<TokenEvidence>(
            id: .tokenNotJwt,
            triggering: [
                TokenSample.evidence("2YotnFZFEjr1zCsicMWpAA"), TokenSample.evidence("eyJhbGciOiJIUzI1NiJ9.e30"),
                TokenSample.evidence("eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d"),
                TokenSample.evidence("2YotnFZFEjr1zCsicMWpAA") { $0.context = .bearer },
            ],
            nonTriggering: [TokenSample.evidence(TokenSample.valid), TokenSample.evidence(TokenSample.unsigned)])

        public static func check(_ e: TokenEvidence) -> [Finding] {
            guard case .failure(let failure) = e.token else { return [] }
            var finding = finding(failure)
            if e.context == .bearer { finding.severity = .info }
            return [finding]
        }

        static func finding(_ failure: JWTDecodeFailure) -> Finding {
            switch failure {
            case .opaque, .notJWT:
                let reason =
                    if case .notJWT(let parts) = failure {
                        """
                        of its \(parts) dot-separated parts, neither the first nor the second is a base64url JSON \
                        object, as a JWT's header and claims are
                        """
                    } else {
                        "it has no dots, and a JWT is three base64url parts, header.claims.signature"
                    }
                var finding = Finding(
                    .tokenNotJwt,
                    detail:
                        """
                        This is not a JWT: \(reason). Its claims cannot be read here; if it is an opaque token, \
                        only its issuer can say whether it is valid.
                        """,
                    evidence: ["token: \(failure)"])
                finding.severity = .warning
                return finding
            case .encrypted:
                return Finding(
                    .tokenNotJwt,
                    detail:
                        """
                        The token has five parts: it is a JWE, encrypted for its recipient (RFC 7516). Its claims \
                        cannot be inspected here; only the API (which holds the decryption key) or the issuer can \
                        read them.
                        """,
                    evidence: ["token: \(failure)"],
                    fix: ["Ask the issuer to introspect it (RFC 7662), or inspect it where the decryption key lives."])
            case .wrongPartCount, .badBase64, .badJSON, .tooLarge:
                // It looks like a JWT but is not a well-formed one: every verifier rejects it.
                var finding = Finding(
                    .tokenNotJwt,
                    detail:
                        """
                        The token is not a well-formed JWT: \(failure). A server that expects a JWT rejects it; it \
                        was probably cut or pasted wrongly.
                        """,
                    evidence: ["token: \(failure)"],
                    fix: [
                        """
                        Copy the whole token again (three base64url parts separated by two dots, no quotes, no \
                        spaces or line breaks).
                        """
                    ])
                finding.severity = .error
                return finding
            }
        }
    }
}

// MARK: - token.signature-invalid / token.weak-secret

extension TokenInspection {
    static let unsignedDetail =
        "The token's header says alg \"none\": it is unsigned, and a correct server rejects it (RFC 8725 §3.1)."

    static func isUnsigned(_ jwt: DecodedJWT) -> Bool { jwt.algorithm?.lowercased() == "none" }

    /// `token.signature-invalid` without a key: `alg: none` means the token is unsigned, which no API
    /// should accept (RFC 8725 §3.1). Nothing else is said about an unsigned token's signature.
    public enum UnsignedRule: Rule {
        public static let description = RuleDescription<TokenEvidence>(
            id: .tokenSignatureInvalid,
            triggering: [
                TokenSample.evidence(TokenSample.unsigned),
                TokenSample.evidence(TokenSample.unsigned) { $0.verification = .failed(.unsigned) },
            ],
            nonTriggering: [TokenSample.evidence(TokenSample.valid), TokenSample.evidence("2YotnFZFEjr1zCsicMWpAA")])

        public static func check(_ e: TokenEvidence) -> [Finding] {
            guard let jwt = e.jwt, isUnsigned(jwt) else { return [] }
            return [
                Finding(description.id, detail: unsignedDetail, evidence: ["header alg: \(jwt.algorithm ?? "none")"])
            ]
        }
    }

    /// `token.signature-invalid` from a real verification: the key given (`--secret`, `--key`,
    /// `--jwks`) or the JWKS that discovery found, named in the evidence by its source.
    public enum SignatureRule: Rule {
        public static let description = RuleDescription<TokenEvidence>(
            id: .tokenSignatureInvalid,
            triggering: [
                TokenSample.evidence(TokenSample.valid) {
                    $0.verification = .failed(.badSignature(algorithm: "HS256", key: "HMAC secret given (12 bytes)"))
                    $0.keySource = "--secret"
                },
                TokenSample.evidence(TokenSample.valid) {
                    $0.verification = .failed(.noKeyForKid("k2", available: ["k1"]))
                    $0.keySource = "jwks_uri https://idp.example/jwks (discovered)"
                },
                TokenSample.evidence(TokenSample.valid) {
                    $0.verification = .failed(.algorithmConfusion(algorithm: "HS256", forged: true))
                },
            ],
            nonTriggering: [
                TokenSample.evidence(TokenSample.valid) {
                    $0.verification = .verified(algorithm: "HS256", key: "HMAC secret (32 bytes)")
                },
                TokenSample.evidence(TokenSample.valid) { $0.weakSecretGuessed = true },
                TokenSample.evidence(TokenSample.valid),
            ])

        public static func check(_ e: TokenEvidence) -> [Finding] {
            guard let jwt = e.jwt, !isUnsigned(jwt), case .failed(let problem)? = e.verification else { return [] }
            var finding = signatureProblem(problem, jwt: jwt)
            if let source = e.keySource { finding.evidence.append("key from \(source)") }
            return [finding]
        }
    }

    /// `token.weak-secret`: the HS* signature verifies with a well-known weak secret — the one given,
    /// or (with no key given) one from why401's built-in list.
    public enum WeakSecretRule: Rule {
        public static let description = RuleDescription<TokenEvidence>(
            id: .tokenWeakSecret,
            triggering: [
                TokenSample.evidence(TokenSample.valid) { $0.weakSecretGuessed = true },
                TokenSample.evidence(TokenSample.valid) {
                    $0.verification = .verifiedWithWeakSecret(algorithm: "HS256")
                },
            ],
            nonTriggering: [
                TokenSample.evidence(TokenSample.valid) {
                    $0.verification = .verified(algorithm: "HS256", key: "HMAC secret (32 bytes)")
                },
                TokenSample.evidence(TokenSample.valid),
            ])

        public static func check(_ e: TokenEvidence) -> [Finding] {
            guard let jwt = e.jwt, !isUnsigned(jwt) else { return [] }
            var out: [Finding] = []
            if e.weakSecretGuessed { out.append(weakSecret(alg: jwt.algorithm ?? "(absent)", given: false)) }
            if case .verifiedWithWeakSecret(let alg)? = e.verification { out.append(weakSecret(alg: alg, given: true)) }
            return out
        }
    }

    static func weakSecret(alg: String, given: Bool) -> Finding {
        Finding(
            .tokenWeakSecret,
            detail: given
                ? """
                The signature verifies, but the \(alg) secret is a well-known weak one (from tutorials and \
                wordlists): anyone can forge tokens this API accepts.
                """
                : """
                The \(alg) signature verifies with a well-known weak secret from why401's built-in list: anyone \
                can forge tokens that an API using this secret accepts.
                """,
            evidence: ["header alg: \(alg)", "HMAC secret: on the list of well-known weak secrets (not shown)"])
    }

    static func signatureProblem(_ problem: JWTVerificationProblem, jwt: DecodedJWT) -> Finding {
        let alg = jwt.algorithm ?? "(absent)"
        var evidence = ["header alg: \(alg)" + (jwt.keyID.map { ", kid: \($0)" } ?? "")]
        var fix: [String] = []
        let detail: String
        switch problem {
        case .unsigned:
            return Finding(.tokenSignatureInvalid, detail: unsignedDetail, evidence: evidence)
        case .missingAlgorithm:
            detail =
                "The header has no alg, so no verifier can check the signature (RFC 7515 §4.1.1 makes alg required)."
        case .unsupportedAlgorithm(let a):
            detail =
                "The header's alg \(a) is not a JWS signature algorithm why401 can verify (HS*, RS*, PS*, ES*, EdDSA)."
        case .badSignature(_, let key):
            detail =
                """
                The \(alg) signature does not verify with the \(key): the token was signed with another key or \
                secret, or altered.
                """
            evidence.append("key: \(key)")
        case .noKeyForKid(let kid, let available):
            detail =
                """
                The JWKS has no key with kid \(kid): the token was signed with a key this JWKS does not publish \
                (rotated, another issuer or environment).
                """
            evidence.append("no key with kid \(kid)")
            evidence.append("JWKS kids: \(available.isEmpty ? "(none)" : available.joined(separator: ", "))")
        case .keyDoesNotFit(_, let key):
            detail = "A token signed with \(alg) cannot be verified with an \(key)."
            evidence.append("key: \(key)")
            fix.append(
                """
                Give the key type that matches alg \(alg): --secret for HS*, --key PEM for RS*/PS*/ES*/EdDSA, or \
                --jwks.
                """
            )
        case .algorithmConfusion(_, let forged):
            detail =
                forged
                ? """
                Algorithm confusion: the token says \(alg) (HMAC) and its HMAC verifies with the RSA/EC public key \
                used as the secret. Anyone holding the public key can forge such tokens; a verifier that accepts \
                them is vulnerable (RFC 8725 §2.1).
                """
                : """
                Algorithm confusion: the token says \(alg) (HMAC) but the key given is an RSA/EC public key. Using \
                a public key as an HMAC secret is the algorithm-confusion attack (RFC 8725 §2.1); the HMAC does \
                not verify with it either.
                """
            evidence.append("key: a PEM public key used as the HMAC secret")
            fix.append(
                """
                Admin: pin the algorithms the verifier accepts to the key's type (e.g. only RS256 for an RSA key) \
                and never use a public key as an HMAC secret.
                """
            )
        case .unusableKey(let why):
            detail = "The signature could not be checked: the key given is unusable (\(why))."
            evidence.append("key: \(why)")
        }
        return Finding(.tokenSignatureInvalid, detail: detail, evidence: evidence, fix: fix)
    }
}

// MARK: - token.expired / token.not-yet-valid

extension TokenInspection {
    /// A time claim that is not a NumericDate: verifiers reject the token. `subject` keeps one
    /// finding per claim beside a time finding of the same id.
    static func notNumeric(_ claim: String, _ id: FindingID) -> Finding {
        Finding(
            id, detail: "The \(claim) claim is not a NumericDate (seconds since 1970), so verifiers reject the token.",
            evidence: ["\(claim): not a number"], subject: "claim \(claim)")
    }

    /// `token.expired`: `exp + leeway` is before the time the token is judged at (the server's `Date`
    /// when known), or `exp` is not a NumericDate. A token valid by the local clock and expired only
    /// by a skewed server clock is `clock.skew`'s cause instead.
    public enum ExpiredRule: Rule {
        public static let description = RuleDescription<TokenEvidence>(
            id: .tokenExpired,
            triggering: [
                TokenSample.evidence(TokenSample.expired), TokenSample.evidence(TokenSample.textExp),
                // Judged by the server's Date when one was seen.
                TokenSample.evidence(TokenSample.valid) {
                    $0.localTime = 1_950_000_000
                    $0.serverDate = 1_950_000_030
                },
            ],
            nonTriggering: [
                TokenSample.evidence(TokenSample.valid),
                TokenSample.evidence(TokenSample.expired) { $0.localTime = 1_600_000_000 },
                // Within the leeway.
                TokenSample.evidence(TokenSample.expired) { $0.localTime = 1_700_000_030 },
                // Valid locally, expired only by the server's clock: clock.skew explains it.
                TokenSample.evidence(TokenSample.expired) {
                    $0.localTime = 1_699_999_000
                    $0.serverDate = 1_700_003_600
                },
            ])

        public static func check(_ e: TokenEvidence) -> [Finding] {
            guard let jwt = e.jwt else { return [] }
            if let value = jwt.claims["exp"], value.number == nil { return [notNumeric("exp", description.id)] }
            guard let exp = jwt.expiresAt, isExpired(exp: exp, now: e.now, leeway: e.leeway), !e.skewExplainsVerdict
            else { return [] }
            let ago = TokenTime.span(e.now - exp)
            var lines = ["exp \(TokenTime.iso8601(exp)), expired \(ago) ago", e.clockLine]
            if let iat = jwt.issuedAt { lines.append("iat \(TokenTime.iso8601(iat))") }
            return [Finding(description.id, detail: "The token expired \(ago) ago.", evidence: lines)]
        }
    }

    /// `token.not-yet-valid`: `nbf` (or else `iat`) more than the leeway in the future, or either
    /// claim not a NumericDate.
    public enum NotYetValidRule: Rule {
        public static let description = RuleDescription<TokenEvidence>(
            id: .tokenNotYetValid,
            triggering: [
                TokenSample.evidence(TokenSample.notBefore), TokenSample.evidence(TokenSample.issuedLater),
                TokenSample.evidence(TokenSample.textNbf),
            ],
            nonTriggering: [
                TokenSample.evidence(TokenSample.valid),
                TokenSample.evidence(TokenSample.notBefore) { $0.localTime = 1_950_000_000 },
                TokenSample.evidence(TokenSample.notBefore) { $0.localTime = 1_899_999_970 },
            ])

        public static func check(_ e: TokenEvidence) -> [Finding] {
            guard let jwt = e.jwt else { return [] }
            var out: [Finding] = []
            for (claim, value) in [("nbf", jwt.notBefore), ("iat", jwt.issuedAt)] {
                guard let value, isInFuture(value, now: e.now, leeway: e.leeway) else { continue }
                let span = TokenTime.span(value - e.now)
                out.append(
                    Finding(
                        description.id,
                        detail: claim == "nbf"
                            ? "The token's nbf is \(span) in the future: it must not be accepted before then."
                            : """
                            The token's iat is \(span) in the future: it claims to be issued later than now, so \
                            the issuer's clock is ahead of this one.
                            """,
                        evidence: ["\(claim) \(TokenTime.iso8601(value)), in \(span)", e.clockLine]))
                break
            }
            for claim in ["nbf", "iat"] {
                if let value = jwt.claims[claim], value.number == nil { out.append(notNumeric(claim, description.id)) }
            }
            return out
        }
    }
}

// MARK: - token.audience-mismatch

extension TokenInspection {
    /// `token.audience-mismatch`: `aud` does not contain the expected audience, or `iss` is not the
    /// expected issuer (`--audience`, `--issuer`) — one finding each (`subject` is the claim).
    public enum AudienceRule: Rule {
        public static let description = RuleDescription<TokenEvidence>(
            id: .tokenAudienceMismatch,
            triggering: [
                TokenSample.evidence(TokenSample.otherAudience) { $0.expectedAudience = "api://orders" },
                TokenSample.evidence(TokenSample.otherAudience) { $0.expectedIssuer = "https://login.example" },
                TokenSample.evidence(TokenSample.valid) { $0.expectedAudience = "api://orders" },
            ],
            nonTriggering: [
                TokenSample.evidence(TokenSample.otherAudience) {
                    $0.expectedAudience = "api://other"
                    $0.expectedIssuer = "https://idp.example"
                },
                TokenSample.evidence(TokenSample.otherAudience),
            ])

        public static func check(_ e: TokenEvidence) -> [Finding] {
            guard let jwt = e.jwt else { return [] }
            var out: [Finding] = []
            if let expected = e.expectedAudience, !jwt.audience.contains(expected) {
                out.append(
                    Finding(
                        description.id,
                        detail: "The token's aud does not include \(expected): it was issued for another API.",
                        evidence: [
                            """
                            aud \(jwt.audience.isEmpty ? "(absent)" : jwt.audience.joined(separator: ", ")), \
                            expected \(expected)
                            """
                        ],
                        subject: "claim aud"))
            }
            if let expected = e.expectedIssuer, jwt.issuer != expected {
                out.append(
                    Finding(
                        description.id,
                        detail:
                            """
                            The token's iss is not \(expected): it was issued by another authorization server (or \
                            tenant, or environment).
                            """,
                        evidence: ["iss \(jwt.issuer ?? "(absent)"), expected \(expected)"], subject: "claim iss"))
            }
            return out
        }
    }
}
