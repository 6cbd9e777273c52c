import CredentialModel
import Evidence

/// What the token rules judge: one bearer token decoded without verification, what checking its
/// signature concluded (when a key was given or discovered), what the API expects, and the clock.
///
/// `why401 jwt` (`UseCase.inspectToken`) builds it from its flags; a client check builds it from its
/// `CheckEvidence` (`init?(_:)`), so both paths judge a token with the same rules (`TokenInspection.set`)
/// and the same words. Secret-free: claims and a description of the key's source, never the token's
/// signature or key material.
public struct TokenEvidence: Sendable {
    /// Seconds of clock tolerance for `exp`, `nbf` and `iat`, for `why401 jwt` (unless `--leeway`)
    /// and for every check, HAR and curl diagnosis.
    ///
    /// 60 s because it is what widespread verifiers allow by default (Spring Security's
    /// `JwtTimestampValidator`, Nimbus JOSE+JWT's `DefaultJWTClaimsVerifier`) and what the catalog
    /// advises (PyJWT `leeway=60`, jsonwebtoken `clockTolerance: 60`): why401 calls a token expired or
    /// not yet valid only beyond ordinary clock drift, so it never blames a token that a typical
    /// verifier still accepts. The same figure is the `clock.skew` threshold: a skew within the
    /// leeway cannot change a token's verdict, one beyond it can.
    public static let defaultLeeway = 60.0

    /// Who handed the token over, which decides how much a token that is not a JWT matters.
    public enum Context: Sendable, Hashable {
        /// `why401 jwt`: the input was given as a JWT, so one that is not is a warning (exit 1).
        case inspection
        /// A Bearer credential sent to an API (`check`, `curl`, `har`): an opaque token is normal, info.
        case bearer
    }

    /// The token decoded without verification, or why it is not a JWS.
    public var token: Result<DecodedJWT, JWTDecodeFailure>
    /// The signature checked with a key; nil when no key was given or found.
    public var verification: JWTVerification?
    /// No key was given and the HS* signature verifies with a well-known weak secret.
    public var weakSecretGuessed: Bool
    /// Where the key came from (`--secret @hs.key`, `jwks_uri https://… (discovered)`); never key material.
    public var keySource: String?
    /// What the API expects in `aud` (nil: not checked).
    public var expectedAudience: String?
    /// What the API expects in `iss` (nil: not checked).
    public var expectedIssuer: String?
    /// The local clock (or the time the caller fixes), seconds since 1970.
    public var localTime: Double
    /// The server's `Date`, when a server answered: the token is judged by the clock of the server
    /// that judges it, and a skew that alone explains the verdict is `clock.skew`'s.
    public var serverDate: Double?
    /// Clock tolerance in seconds (`defaultLeeway` unless `why401 jwt --leeway`).
    public var leeway: Double
    /// Who handed the token over: `why401 jwt` or a Bearer credential of a check.
    public var context: Context

    /// The evidence for a token given directly (`why401 jwt`, or a caller with its own clock).
    public init(
        token: Result<DecodedJWT, JWTDecodeFailure>, verification: JWTVerification? = nil,
        weakSecretGuessed: Bool = false, keySource: String? = nil, expectedAudience: String? = nil,
        expectedIssuer: String? = nil, localTime: Double, serverDate: Double? = nil,
        leeway: Double = TokenEvidence.defaultLeeway, context: Context = .inspection
    ) {
        self.token = token
        self.verification = verification
        self.weakSecretGuessed = weakSecretGuessed
        self.keySource = keySource
        self.expectedAudience = expectedAudience
        self.expectedIssuer = expectedIssuer
        self.localTime = localTime
        self.serverDate = serverDate
        self.leeway = leeway
        self.context = context
    }

    /// The Bearer token a check sent, with the key, expectations and clocks of that check; nil when
    /// no Bearer token was sent.
    public init?(_ e: CheckEvidence) {
        guard let token = e.token else { return nil }
        self.init(
            token: token, verification: e.tokenVerification, weakSecretGuessed: e.tokenWeakSecretGuessed,
            keySource: e.tokenKeySource, expectedAudience: e.expectedAudience, expectedIssuer: e.expectedIssuer,
            localTime: e.localTime, serverDate: e.serverDate, context: .bearer)
    }

    /// The decoded token, when it is a JWS.
    public var jwt: DecodedJWT? {
        if case .success(let jwt) = token { return jwt }
        return nil
    }

    /// The time the token is judged at: the server's `Date` when known, else the local clock.
    public var now: Double { serverDate ?? localTime }

    /// The clock evidence line every time finding carries: which clock, when, and the leeway.
    var clockLine: String {
        let which = serverDate == nil ? "the local clock" : "the server's Date"
        return "judged by \(which) \(TokenTime.iso8601(now)), leeway \(Int(leeway)) s"
    }

    /// RFC 7519 §4.1.4 with leeway: expired exactly when `exp + leeway < now`.
    public static func isExpired(exp: Double, now: Double, leeway: Double) -> Bool { exp + leeway < now }

    /// §4.1.5 / §4.1.6: `nbf` (or `iat`) more than `leeway` in the future.
    public static func isInFuture(_ time: Double, now: Double, leeway: Double) -> Bool { time - leeway > now }

    /// Whether the token's times pass at `time` (exp not passed, nbf reached, both with leeway).
    func timesValid(at time: Double) -> Bool {
        guard let jwt else { return true }
        if let exp = jwt.expiresAt, Self.isExpired(exp: exp, now: time, leeway: leeway) { return false }
        if let nbf = jwt.notBefore, Self.isInFuture(nbf, now: time, leeway: leeway) { return false }
        return true
    }

    /// The clocks differ by more than the leeway and that alone decides: the token is valid by the
    /// local clock but not by the server's `Date`. Then the cause is `clock.skew`, not the token.
    public var skewExplainsVerdict: Bool {
        guard let serverDate, abs(serverDate - localTime) > leeway, jwt != nil else { return false }
        return timesValid(at: localTime) && !timesValid(at: serverDate)
    }
}
