import CredentialModel
import Evidence
import Probe

/// What the user asked `why401 URL` to check: the request as given, plus plan settings.
/// Holds raw secrets (password, token, cookie values); they go only into requests, never into
/// evidence, which `RecordedRequest` masks.
public struct CheckRequest: Sendable {
    /// How to answer a password challenge: curl's `--basic` (the default, sent preemptively),
    /// `--digest`, or `--anyauth` (ask first, then answer what the server offers).
    public enum PasswordMode: String, Sendable {
        case basic, digest, any
    }

    public var url: String
    public var method = "GET"
    /// `-H` headers as given (may include the user's own Authorization).
    public var headers: [HeaderField] = []
    public var body: [UInt8] = []
    public var user: String?
    public var password: String?
    public var passwordMode: PasswordMode = .basic
    public var bearer: String?
    /// `-b name=value` cookies and those read from a cookie jar for this URL.
    public var cookies: [(name: String, value: String)] = []
    /// Cookies in the user's jar for this host that a browser would not send (expired, path…).
    public var unsentCookies: [CheckEvidence.UnsentCookie] = []
    public var origin: String?
    /// What the API expects in the token's `aud` / `iss` (`--audience`, `--issuer`).
    public var expectedAudience: String?
    public var expectedIssuer: String?
    /// A key to verify the Bearer token's signature with (`--secret`, `--key`, `--jwks FILE`).
    public var tokenKey: JWTKeyInput?
    /// Where it came from, for the evidence (`--secret`, `--key key.pem`); never key material.
    public var tokenKeySource: String?
    /// `--jwks URL`: fetched as a plan step (without credentials), then used like `tokenKey`.
    public var jwksURL: String?
    /// Identical requests in all, the first included (`--repeat`).
    public var repeatCount = 3
    public var tryVariants = false
    /// `--replay-unsafe`: let the plan's other steps send an unsafe method (POST, PUT, PATCH,
    /// DELETE…) and its body again. Off by default: the request as given goes once; the other
    /// steps learn with GET. Never applied after the request as given succeeded.
    public var replayUnsafe = false
    /// At most this many requests carry the user's credentials (servers lock accounts).
    public var credentialBudget = 4
    public var maxRedirects = 10
    public var probe = ProbeOptions()
    /// The whole run (`--max-time`): the plan stops early when it runs out.
    public var maxTime = 60.0
    /// Local clock override for tests (seconds since the epoch); nil = the system clock.
    public var now: Double?
    /// `/etc/hosts` text override for tests; nil = read /etc/hosts.
    public var hostsFileText: String?

    public init(url: String) { self.url = url }
}
