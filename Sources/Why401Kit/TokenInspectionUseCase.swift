import CredentialModel
import Credentials
import Diagnosis
import HTTPAuth
import Report

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `why401 jwt TOKEN`: decode a JWT, check its times, audience and issuer, verify its signature.
public struct TokenInspectionRequest: Sendable {
    /// The token itself. A secret: results and reports show it masked, and never its signature.
    public var token: String
    /// The key that verifies the signature; nil: none (an HS* token is then tried against a short
    /// list of well-known weak secrets).
    public var key: TokenKeySource?
    /// Expected audience: an error unless the token's `aud` contains it.
    public var audience: String?
    /// Expected issuer: an error unless the token's `iss` equals it.
    public var issuer: String?
    /// Clock tolerance for `exp`, `nbf` and `iat`, in seconds.
    public var leeway: Double
    /// The time the token is judged at (seconds since 1970); nil: the wall clock.
    public var now: Double?
    /// Seconds to wait for a JWKS URL.
    public var timeout: Double
    /// Accept any TLS certificate when fetching a JWKS URL.
    public var insecure: Bool

    public init(
        token: String, key: TokenKeySource? = nil, audience: String? = nil, issuer: String? = nil,
        leeway: Double = TokenEvidence.defaultLeeway, now: Double? = nil, timeout: Double = 10, insecure: Bool = false
    ) {
        self.token = token
        self.key = key
        self.audience = audience
        self.issuer = issuer
        self.leeway = leeway
        self.now = now
        self.timeout = timeout
        self.insecure = insecure
    }

    /// The token without surrounding whitespace (a pasted token often ends in a newline).
    var trimmedToken: String {
        String(token.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
    }

    /// Each value's own limits, named by the CLI flag that sets it (the CLI's exit-2 lines).
    func validate() throws {
        if trimmedToken.isEmpty { throw AuditFailure.usage("jwt: the token is empty") }
        if !(timeout > 0 && timeout <= 600) { throw AuditFailure.usage("--timeout must be between 0 and 600 seconds") }
        if !leeway.isFinite || leeway < 0 || leeway > 1e9 {
            throw AuditFailure.usage("--leeway must be a number of seconds, 0 or more")
        }
        if let now, !now.isFinite { throw AuditFailure.usage("--now must be seconds since 1970") }
    }
}

extension UseCase {
    /// Reads the key (a JWKS URL is fetched within `timeout`), decodes the token, verifies its
    /// signature with the key — or, with no key, tries an HS* token against the well-known weak
    /// secrets — and judges it with the token rules (`TokenInspection.set`, the same rules a check
    /// applies to the Bearer token it sends). Offline unless the key is a JWKS URL.
    /// Throws `AuditFailure.usage` for a bad request, `.incomplete` for a key that cannot be read.
    public static func inspectToken(_ request: TokenInspectionRequest) async throws -> TokenInspectionResult {
        try request.validate()
        var key: TokenKey?
        if let source = request.key {
            key = try await readTokenKey(source, timeout: request.timeout, insecure: request.insecure)
        }
        let decoded = JWT.decode(request.token)
        var verification: JWTVerification?
        var weakSecretGuessed = false
        if case .success(let jwt) = decoded {
            if let key {
                verification = await JWTVerifier.verify(request.token, header: jwt.header, key: key.key)
            } else {
                weakSecretGuessed = await JWTVerifier.weakSecretVerifies(request.token, header: jwt.header)
            }
        }
        let evidence = TokenEvidence(
            token: decoded, verification: verification, weakSecretGuessed: weakSecretGuessed, keySource: key?.source,
            expectedAudience: request.audience, expectedIssuer: request.issuer, localTime: request.now ?? preciseNow(),
            leeway: request.leeway, context: .inspection)
        return TokenInspectionResult(
            subject: SecretMasking.maskOpaque(request.trimmedToken), evidence: evidence,
            findings: TokenInspection.findings(evidence))
    }

    /// The wall clock with its fraction (a token's times are compared to the second, shown to the second).
    static func preciseNow() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
