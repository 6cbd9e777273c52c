import Credentials
import HTTPAuth

/// Everything a client-side check gathered about one URL: the plan's exchanges plus the facts
/// around them (DNS, clock, the token's claims). Rules read only this; they never see a socket.
/// Secrets are absent: exchanges are masked when recorded, the token is kept as decoded claims.
public struct CheckEvidence: Sendable {
    /// Why a request of the plan was made.
    public enum StepKind: String, Sendable, Hashable {
        case asGiven = "as given"
        case anonymous = "without credentials"
        case answer = "answer to the challenge"
        case freshNonce = "fresh nonce after stale=true"
        case repeated = "identical repeat"
        case address = "one resolved address"
        case withoutCookies = "without cookies"
        case variant = "nearby URL"
        case passwordVariant = "password variant"
        case preflight = "CORS preflight"
        case redirect = "redirect hop"
        case resourceMetadata = "resource metadata"
        /// RFC 8414 / OpenID Connect discovery document of the authorization server.
        case authorizationServerMetadata = "authorization server metadata"
        /// A JWK Set: `--jwks URL` or the authorization server's `jwks_uri`.
        case jwks = "JWKS"
    }

    /// The label of a resource-metadata step derived from the origin's well-known URL because the
    /// challenge named none (RFC 9728 §3): a 404 there only means the server does not publish metadata.
    public static let wellKnownMetadataLabel = "well-known URL of the origin (the challenge names none)"

    /// One failed step of OAuth discovery (RFC 9728 → RFC 8414 → jwks_uri), secret-free.
    public struct DiscoveryProblem: Sendable, Hashable {
        /// `protected resource metadata`, `authorization server metadata`, `jwks_uri`.
        public var step: String
        /// `404`, `Content-Type text/html, not application/json`, `issuer mismatch: metadata says X, token says Y`.
        public var message: String
        public init(step: String, message: String) {
            self.step = step
            self.message = message
        }
        /// The evidence line: `authorization server metadata: 404`.
        public var line: String { "\(step): \(message)" }
    }

    public struct Step: Sendable {
        public var kind: StepKind
        public var exchange: Exchange
        /// Whether this request carried the user's credentials.
        public var credentialed: Bool
        /// What distinguishes it: `trailing slash`, `127.0.0.2`, `caps-lock inverted`, `hop 2`.
        public var label: String?
        public init(kind: StepKind, exchange: Exchange, credentialed: Bool, label: String? = nil) {
            self.kind = kind
            self.exchange = exchange
            self.credentialed = credentialed
            self.label = label
        }
        public var status: Int? { exchange.response?.status }
    }

    /// The scheme of the credentials the user gave.
    public enum SentScheme: Sendable, Hashable {
        case none
        case basic(user: String)
        case digest(user: String)
        case bearer
        case other(String)
        /// An API key in a header of its own (`X-API-Key`, `PRIVATE-TOKEN`…): no Authorization scheme.
        case apiKey(header: String)

        public var schemeName: String? {
            switch self {
            case .none, .apiKey: nil
            case .basic: "Basic"
            case .digest: "Digest"
            case .bearer: "Bearer"
            case .other(let name): name
            }
        }
    }

    /// A problem found in the credentials before sending them (whitespace, colon, `Bearer Bearer`).
    public struct CredentialIssue: Sendable, Hashable {
        /// The finding id it maps to (`credentials.whitespace`, `credentials.colon-in-user`, …).
        public var findingID: String
        /// Secret-free description (`trailing newline in the password`).
        public var message: String
        public init(findingID: String, message: String) {
            self.findingID = findingID
            self.message = message
        }
    }

    /// A stored cookie (from a cookie jar or HAR) that was not sent, and why. Values are not kept.
    public struct UnsentCookie: Sendable, Hashable {
        public var name: String
        /// `expired`, `its path /admin does not match the request path`, …
        public var reason: String
        public var expired: Bool
        public var expiredAt: Double?
        public init(name: String, reason: String, expired: Bool, expiredAt: Double? = nil) {
            self.name = name
            self.reason = reason
            self.expired = expired
            self.expiredAt = expiredAt
        }
    }

    /// `--audience` / `--issuer`: what the API expects in the token (nil: not given).
    public var expectedAudience: String?
    public var expectedIssuer: String?

    /// The token's signature checked with a key: `--secret`, `--key`, `--jwks`, or the JWKS that OAuth
    /// discovery found (`jwks_uri`). nil when nothing verified it.
    public var tokenVerification: JWTVerification?
    /// Where that key came from: `--secret`, `--key key.pem`, `jwks_uri https://… (discovered)`. Never key material.
    public var tokenKeySource: String?
    /// No key was given and the HS* token verifies with a well-known weak secret.
    public var tokenWeakSecretGuessed = false
    /// What failed in OAuth discovery, in order; empty when it passed or did not run.
    public var discoveryProblems: [DiscoveryProblem] = []

    /// Stored cookies for this host that were not sent.
    public var unsentCookies: [UnsentCookie] = []

    /// The URL as the user gave it (masked).
    public var url: String
    public var sent: SentScheme
    public var credentialIssues: [CredentialIssue]
    /// The user put `user:pass@` in the URL.
    public var credentialsInURL: Bool
    /// Names of the cookies the user sent (values are secrets and are not kept).
    public var cookieNames: [String]
    public var origin: String?
    public var steps: [Step]
    /// The Bearer token decoded without verification (nil when no Bearer token was sent).
    public var token: Result<DecodedJWT, JWTDecodeFailure>?
    /// Local clock when the check ran, seconds since the epoch.
    public var localTime: Double
    /// The server's `Date` from the first response, seconds since the epoch.
    public var serverDate: Double?
    /// Addresses the host name resolved to, in order.
    public var addresses: [String]
    /// Addresses `/etc/hosts` pins the name to.
    public var hostsFileAddresses: [String]
    /// Addresses forced by `--resolve`.
    public var resolveOverride: [String]
    /// Why resolution failed, if it did.
    public var dnsFailure: String?
    /// The redirect chain did not end within the limit.
    public var redirectLimitHit: Bool
    /// Credentialed requests made, and the budget they came from.
    public var credentialedRequests: Int
    public var credentialBudget: Int
    /// The host is a loopback address or `localhost` (plain http is then fine).
    public var isLoopback: Bool

    public init(
        url: String, sent: SentScheme = .none, credentialIssues: [CredentialIssue] = [], credentialsInURL: Bool = false,
        cookieNames: [String] = [], origin: String? = nil, steps: [Step] = [], token: Result<DecodedJWT, JWTDecodeFailure>? = nil,
        localTime: Double = 0, serverDate: Double? = nil, addresses: [String] = [], hostsFileAddresses: [String] = [],
        resolveOverride: [String] = [], dnsFailure: String? = nil, redirectLimitHit: Bool = false,
        credentialedRequests: Int = 0, credentialBudget: Int = 4, isLoopback: Bool = false
    ) {
        self.url = url
        self.sent = sent
        self.credentialIssues = credentialIssues
        self.credentialsInURL = credentialsInURL
        self.cookieNames = cookieNames
        self.origin = origin
        self.steps = steps
        self.token = token
        self.localTime = localTime
        self.serverDate = serverDate
        self.addresses = addresses
        self.hostsFileAddresses = hostsFileAddresses
        self.resolveOverride = resolveOverride
        self.dnsFailure = dnsFailure
        self.redirectLimitHit = redirectLimitHit
        self.credentialedRequests = credentialedRequests
        self.credentialBudget = credentialBudget
        self.isLoopback = isLoopback
    }

    // MARK: derived views the rules share

    public func steps(_ kind: StepKind) -> [Step] { steps.filter { $0.kind == kind } }
    public func first(_ kind: StepKind) -> Step? { steps.first { $0.kind == kind } }

    /// The answer to the request as given, after its redirects: the last hop of the main chain.
    public var final: Step? {
        steps.last { $0.kind == .redirect } ?? first(.asGiven)
    }
    public var finalStatus: Int? { final?.status }

    /// The first credentialed step's response, if any.
    public var credentialedResponse: Step? { steps.first { $0.credentialed && $0.status != nil } }

    /// Challenges of the final response.
    public var finalChallenges: ChallengeEvidence? {
        final?.exchange.response.map(ChallengeEvidence.init(response:))
    }
}
