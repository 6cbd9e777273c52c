import Credentials
import HTTPAuth

/// What `why401 jwt` checks a token against: the expected audience/issuer and the clock leeway.
public struct TokenInspectionOptions: Sendable, Hashable {
    /// Seconds of clock tolerance for `exp`, `nbf` and `iat` (verifiers commonly allow 60).
    public var leeway: Double
    public var audience: String?
    public var issuer: String?

    public init(leeway: Double = 60, audience: String? = nil, issuer: String? = nil) {
        self.leeway = leeway
        self.audience = audience
        self.issuer = issuer
    }
}

/// The pure rules behind `why401 jwt`: a decoded token, the result of signature verification (if a
/// key was given), a weak-secret probe and a clock in, findings out. No I/O. Each claim problem is its
/// own finding, so an expired token with the wrong audience shows both.
public enum TokenInspection {
    /// RFC 7519 §4.1.4 with leeway: a token is expired exactly when `exp + leeway < now`.
    public static func isExpired(exp: Double, now: Double, leeway: Double) -> Bool { exp + leeway < now }

    /// §4.1.5 / §4.1.6: `nbf` (or `iat`) more than `leeway` in the future.
    public static func isInFuture(_ time: Double, now: Double, leeway: Double) -> Bool { time - leeway > now }

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

    public static func findings(
        decoded: Result<DecodedJWT, JWTDecodeFailure>, verification: JWTVerification?, weakSecretGuessed: Bool = false,
        options: TokenInspectionOptions = TokenInspectionOptions(), now: Double
    ) -> [Finding] {
        switch decoded {
        case .failure(let failure): return [notJWT(failure)]
        case .success(let jwt):
            var out: [Finding] = []
            out += signature(jwt, verification: verification, weakSecretGuessed: weakSecretGuessed)
            out += times(jwt, options: options, now: now)
            out += audience(jwt, options: options)
            return out.ranked()
        }
    }

    // MARK: - Not a JWS

    /// Whether `why401 jwt` ends with exit 1: an error, or an input that is not a JWT at all (the
    /// command was asked to read one; a warning, since an opaque token is no fault by itself). A JWE
    /// is a JWT, only unreadable here: info, exit 0, like a weak-secret warning.
    public static func isProblem(_ findings: [Finding]) -> Bool {
        findings.contains { $0.severity == .error || ($0.id == .tokenNotJwt && $0.severity == .warning) }
    }

    static func notJWT(_ failure: JWTDecodeFailure) -> Finding {
        switch failure {
        case .opaque, .notJWT:
            // `why401 jwt` was asked to read a JWT: a warning (exit 1), where `check --bearer` keeps
            // an opaque token as the normal, informational case.
            let reason =
                if case .notJWT(let parts) = failure {
                    "of its \(parts) dot-separated parts, neither the first nor the second is a base64url JSON object, as a JWT's header and claims are"
                } else {
                    "it has no dots, and a JWT is three base64url parts, header.claims.signature"
                }
            var finding = Finding(
                .tokenNotJwt,
                detail: "This is not a JWT: \(reason). Its claims cannot be read here; if it is an opaque token, only its issuer can say whether it is valid.",
                evidence: ["token: \(failure)"])
            finding.severity = .warning
            return finding
        case .encrypted:
            return Finding(
                .tokenNotJwt,
                detail: "The token has five parts: it is a JWE, encrypted for its recipient (RFC 7516). Its claims cannot be inspected here; only the API (which holds the decryption key) or the issuer can read them.",
                evidence: ["token: \(failure)"],
                fix: ["Ask the issuer to introspect it (RFC 7662), or inspect it where the decryption key lives."])
        case .wrongPartCount, .badBase64, .badJSON, .tooLarge:
            // It looks like a JWT but is not a well-formed one: every verifier rejects it.
            var finding = Finding(
                .tokenNotJwt,
                detail: "The token is not a well-formed JWT: \(failure). A server that expects a JWT rejects it; it was probably cut or pasted wrongly.",
                evidence: ["token: \(failure)"],
                fix: ["Copy the whole token again (three base64url parts separated by two dots, no quotes, no spaces or line breaks)."])
            finding.severity = .error
            return finding
        }
    }

    // MARK: - Signature

    static let unsignedDetail = "The token's header says alg \"none\": it is unsigned, and a correct server rejects it (RFC 8725 §3.1)."

    static func signature(_ jwt: DecodedJWT, verification: JWTVerification?, weakSecretGuessed: Bool) -> [Finding] {
        let alg = jwt.algorithm ?? "(absent)"
        if alg.lowercased() == "none" {
            return [Finding(.tokenSignatureInvalid, detail: unsignedDetail, evidence: ["header alg: \(alg)"])]
        }
        var out: [Finding] = []
        if weakSecretGuessed { out.append(weakSecret(alg: alg, given: false)) }
        guard let verification else { return out }
        switch verification {
        case .verified:
            break
        case .verifiedWithWeakSecret(let alg):
            out.append(weakSecret(alg: alg, given: true))
        case .failed(let problem):
            out.append(signatureProblem(problem, jwt: jwt))
        }
        return out
    }

    static func weakSecret(alg: String, given: Bool) -> Finding {
        Finding(
            .tokenWeakSecret,
            detail: given
                ? "The signature verifies, but the \(alg) secret is a well-known weak one (from tutorials and wordlists): anyone can forge tokens this API accepts."
                : "The \(alg) signature verifies with a well-known weak secret from why401's built-in list: anyone can forge tokens that an API using this secret accepts.",
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
            detail = "The header has no alg, so no verifier can check the signature (RFC 7515 §4.1.1 makes alg required)."
        case .unsupportedAlgorithm(let a):
            detail = "The header's alg \(a) is not a JWS signature algorithm why401 can verify (HS*, RS*, PS*, ES*, EdDSA)."
        case .badSignature(_, let key):
            detail = "The \(alg) signature does not verify with the \(key): the token was signed with another key or secret, or altered."
            evidence.append("key: \(key)")
        case .noKeyForKid(let kid, let available):
            detail = "The JWKS has no key with kid \(kid): the token was signed with a key this JWKS does not publish (rotated, another issuer or environment)."
            evidence.append("no key with kid \(kid)")
            evidence.append("JWKS kids: \(available.isEmpty ? "(none)" : available.joined(separator: ", "))")
        case .keyDoesNotFit(_, let key):
            detail = "A token signed with \(alg) cannot be verified with an \(key)."
            evidence.append("key: \(key)")
            fix.append("Give the key type that matches alg \(alg): --secret for HS*, --key PEM for RS*/PS*/ES*/EdDSA, or --jwks.")
        case .algorithmConfusion(_, let forged):
            detail =
                forged
                ? "Algorithm confusion: the token says \(alg) (HMAC) and its HMAC verifies with the RSA/EC public key used as the secret. Anyone holding the public key can forge such tokens; a verifier that accepts them is vulnerable (RFC 8725 §2.1)."
                : "Algorithm confusion: the token says \(alg) (HMAC) but the key given is an RSA/EC public key. Using a public key as an HMAC secret is the algorithm-confusion attack (RFC 8725 §2.1); the HMAC does not verify with it either."
            evidence.append("key: a PEM public key used as the HMAC secret")
            fix.append("Admin: pin the algorithms the verifier accepts to the key's type (e.g. only RS256 for an RSA key) and never use a public key as an HMAC secret.")
        case .unusableKey(let why):
            detail = "The signature could not be checked: the key given is unusable (\(why))."
            evidence.append("key: \(why)")
        }
        return Finding(.tokenSignatureInvalid, detail: detail, evidence: evidence, fix: fix)
    }

    // MARK: - Times

    static func times(_ jwt: DecodedJWT, options: TokenInspectionOptions, now: Double) -> [Finding] {
        var out: [Finding] = []
        let leeway = options.leeway
        let clock = "now \(TokenTime.iso8601(now)), leeway \(Int(leeway)) s"
        if let exp = jwt.expiresAt, isExpired(exp: exp, now: now, leeway: leeway) {
            let ago = TokenTime.span(now - exp)
            var lines = ["exp \(TokenTime.iso8601(exp)), expired \(ago) ago", clock]
            if let iat = jwt.issuedAt { lines.append("iat \(TokenTime.iso8601(iat))") }
            out.append(Finding(.tokenExpired, detail: "The token expired \(ago) ago.", evidence: lines))
        }
        for (claim, value) in [("nbf", jwt.notBefore), ("iat", jwt.issuedAt)] {
            guard let value, isInFuture(value, now: now, leeway: leeway) else { continue }
            let span = TokenTime.span(value - now)
            out.append(
                Finding(
                    .tokenNotYetValid,
                    detail: claim == "nbf"
                        ? "The token's nbf is \(span) in the future: it must not be accepted before then."
                        : "The token's iat is \(span) in the future: it claims to be issued later than now, so the issuer's clock is ahead of this one.",
                    evidence: ["\(claim) \(TokenTime.iso8601(value)), in \(span)", clock]))
            break
        }
        for claim in ["exp", "nbf", "iat"] {
            if let value = jwt.claims[claim], value.number == nil {
                var finding = Finding(
                    .tokenExpired, detail: "The \(claim) claim is not a NumericDate (seconds since 1970), so verifiers reject the token.",
                    evidence: ["\(claim): not a number"])
                if claim != "exp" { finding = Finding(.tokenNotYetValid, detail: finding.detail, evidence: finding.evidence) }
                out.append(finding)
            }
        }
        return out
    }

    // MARK: - Audience and issuer

    static func audience(_ jwt: DecodedJWT, options: TokenInspectionOptions) -> [Finding] {
        var out: [Finding] = []
        if let expected = options.audience, !jwt.audience.contains(expected) {
            out.append(
                Finding(
                    .tokenAudienceMismatch,
                    detail: "The token's aud does not include \(expected): it was issued for another API.",
                    evidence: ["aud \(jwt.audience.isEmpty ? "(absent)" : jwt.audience.joined(separator: ", ")), expected \(expected)"]))
        }
        if let expected = options.issuer, jwt.issuer != expected {
            out.append(
                Finding(
                    .tokenAudienceMismatch,
                    detail: "The token's iss is not \(expected): it was issued by another authorization server (or tenant, or environment).",
                    evidence: ["iss \(jwt.issuer ?? "(absent)"), expected \(expected)"]))
        }
        return out
    }
}
