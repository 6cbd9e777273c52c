import CredentialModel
import HTTPAuth

/// Everything a client-side check gathered about one URL: the plan's exchanges plus the facts
/// around them (DNS, clock, the token's claims). Rules read only this; they never see a socket.
/// Secrets are absent: exchanges are masked when recorded, the token is kept as decoded claims.
public struct CheckEvidence: Sendable {
    /// Why a request of the plan was made.
    public enum StepKind: String, Sendable, Hashable {
        /// The user's request, exactly as asked for.
        case asGiven = "as given"
        /// The same request without credentials: shows what the server asks for and whether it answers differently.
        case anonymous = "without credentials"
        /// A correct answer to a challenge the request as given did not answer.
        case answer = "answer to the challenge"
        /// A Digest retry with the new nonce of a `stale=true` challenge.
        case freshNonce = "fresh nonce after stale=true"
        /// An identical repeat of the request, to tell a flapping backend from a steady rejection.
        case repeated = "identical repeat"
        /// The request sent to one of several resolved addresses, to find the backend that disagrees.
        case address = "one resolved address"
        /// The request without cookies, to tell a stale session from bad credentials.
        case withoutCookies = "without cookies"
        /// A nearby URL (trailing slash, https, www.) that a misconfigured area may treat differently.
        case variant = "nearby URL"
        /// The request with a variant of the password (trimmed, Caps Lock inverted, ISO-8859-1).
        case passwordVariant = "password variant"
        /// The CORS preflight (`OPTIONS`) a browser would send first.
        case preflight = "CORS preflight"
        /// One hop of the redirect chain that the request as given started.
        case redirect = "redirect hop"
        /// RFC 9728 protected-resource metadata, fetched for OAuth discovery.
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
        /// Records one failed discovery step; `message` must be secret-free.
        public init(step: String, message: String) {
            self.step = step
            self.message = message
        }
        /// The evidence line: `authorization server metadata: 404`.
        public var line: String { "\(step): \(message)" }
    }

    /// One request of the plan with what came back: the unit every client rule reads.
    public struct Step: Sendable {
        /// Which request of the plan this was, typed: rules match it, never the display text.
        public var plan: PlanStep
        /// The request and response, masked when recorded.
        public var exchange: Exchange
        /// Whether this request carried the user's credentials.
        public var credentialed: Bool
        /// Records a step of the live plan with its typed `PlanStep`.
        public init(_ plan: PlanStep, exchange: Exchange, credentialed: Bool) {
            self.plan = plan
            self.exchange = exchange
            self.credentialed = credentialed
        }
        /// For imports and hand-built examples: a known (kind, label) pair becomes its typed step
        /// (`.passwordVariant` + `caps-lock inverted`), anything else is kept as `.recorded`.
        public init(kind: StepKind, exchange: Exchange, credentialed: Bool, label: String? = nil) {
            self.init(PlanStep(kind: kind, label: label), exchange: exchange, credentialed: credentialed)
        }
        /// The step's group (every password variant is `.passwordVariant`); setting it keeps the label.
        public var kind: StepKind {
            get { plan.kind }
            set { plan = PlanStep(kind: newValue, label: plan.label) }
        }
        /// What distinguishes it: `trailing slash toggled`, `127.0.0.2`, `caps-lock inverted`, `hop 2`.
        public var label: String? {
            get { plan.label }
            set { plan = PlanStep(kind: plan.kind, label: newValue) }
        }
        /// The response status, nil when no response came.
        public var status: Int? { exchange.response?.status }
    }

    /// The scheme of the credentials the user gave.
    public enum SentScheme: Sendable, Hashable {
        /// No credentials at all.
        case none
        /// Basic, with the user name (never the password).
        case basic(user: String)
        /// Digest, with the user name.
        case digest(user: String)
        /// A Bearer token (kept decoded in `token`, never as sent).
        case bearer
        /// An `Authorization` header with another scheme, named as the user wrote it.
        case other(String)
        /// An API key in a header of its own (`X-API-Key`, `PRIVATE-TOKEN`…): no Authorization scheme.
        case apiKey(header: String)

        /// The scheme as it appears in `Authorization`, or nil when no such header was sent.
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
        /// What kind of problem it is; Diagnosis maps each kind to its finding.
        public enum Kind: String, Sendable, Hashable, CaseIterable {
            /// A colon in the user name (Basic cannot carry it).
            case colonInUser
            /// Non-ASCII characters without a charset the server announced.
            case nonASCII
            /// Leading or trailing whitespace, or a line break.
            case whitespace
            /// Anything else that makes the header unparseable (control characters, empty name).
            case malformed
        }
        /// Which kind of problem, for the rule that turns it into a finding.
        public var kind: Kind
        /// Secret-free description (`trailing newline in the password`).
        public var message: String
        /// Records a problem found before sending; `message` must be secret-free.
        public init(_ kind: Kind, message: String) {
            self.kind = kind
            self.message = message
        }
    }

    /// A stored cookie (from a cookie jar or HAR) that was not sent, and why. Values are not kept.
    public struct UnsentCookie: Sendable, Hashable {
        /// The cookie's name; its value is a secret and is never kept.
        public var name: String
        /// `expired`, `its path /admin does not match the request path`, …
        public var reason: String
        /// Whether the reason is expiry (which points at a stale session rather than a scope mismatch).
        public var expired: Bool
        /// When it expired, seconds since the epoch, when known.
        public var expiredAt: Double?
        /// Records a stored cookie that was not sent.
        public init(name: String, reason: String, expired: Bool, expiredAt: Double? = nil) {
            self.name = name
            self.reason = reason
            self.expired = expired
            self.expiredAt = expiredAt
        }
    }

    /// `--audience` / `--issuer`: what the API expects in the token (nil: not given).
    public var expectedAudience: String?
    /// `--issuer`: the `iss` the API expects (nil: not given).
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
    /// Which scheme the user's credentials used; decides which credential rules apply.
    public var sent: SentScheme
    /// Problems found in the credentials before they were sent.
    public var credentialIssues: [CredentialIssue]
    /// The user put `user:pass@` in the URL.
    public var credentialsInURL: Bool
    /// Names of the cookies the user sent (values are secrets and are not kept).
    public var cookieNames: [String]
    /// `--origin`: the browser origin to judge CORS with (nil: not a browser scenario).
    public var origin: String?
    /// Every request of the plan in the order made, with what came back.
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
    /// The most credentialed requests the plan was allowed to make (`--max-credentialed`).
    public var credentialBudget: Int
    /// The host is a loopback address or `localhost` (plain http is then fine).
    public var isLoopback: Bool

    /// Assembles check evidence; the plan runner and the HAR/curl imports build it, tests build it by hand.
    public init(
        url: String, sent: SentScheme = .none, credentialIssues: [CredentialIssue] = [], credentialsInURL: Bool = false,
        cookieNames: [String] = [], origin: String? = nil, steps: [Step] = [],
        token: Result<DecodedJWT, JWTDecodeFailure>? = nil,
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

    /// The steps of one kind, in order.
    public func steps(_ kind: StepKind) -> [Step] { steps.filter { $0.kind == kind } }
    /// The first step of one kind, if any.
    public func first(_ kind: StepKind) -> Step? { steps.first { $0.kind == kind } }

    /// The answer to the request as given, after its redirects: the last hop of the main chain.
    public var final: Step? {
        steps.last { $0.kind == .redirect } ?? first(.asGiven)
    }
    /// The status of the final answer (see `final`).
    public var finalStatus: Int? { final?.status }

    /// The first credentialed step's response, if any.
    public var credentialedResponse: Step? { steps.first { $0.credentialed && $0.status != nil } }

    /// Challenges of the final response.
    public var finalChallenges: ChallengeEvidence? {
        final?.exchange.response.map(ChallengeEvidence.init(response:))
    }
}

extension CheckEvidence {
    /// Which request of the plan a step was. Rules match these cases; `kind` groups them (every
    /// password variant is a `.passwordVariant`) and `label` / `purpose` are the display text,
    /// the same strings as before the enum (JSON `purpose` and text output do not change).
    public enum PlanStep: Sendable, Hashable {
        /// The user's request; `scheme` is the answer the plan gave for `--digest` / `--anyauth`.
        case asGiven(scheme: String?)
        /// The request without credentials.
        case anonymous
        /// A correct answer to an offered challenge the request as given did not answer.
        case answer(scheme: String)
        /// A Digest answer with the fresh nonce of a `stale=true` challenge.
        case freshNonce(scheme: String)
        /// `index` of `count` identical requests (the first is the request as given).
        case repeated(index: Int, count: Int)
        /// The request sent to one address the name resolves to.
        case address(String)
        /// The request without cookies.
        case withoutCookies
        /// A nearby URL.
        case variant(URLVariant)
        /// A variant of the password.
        case passwordVariant(PasswordVariant)
        /// The CORS preflight.
        case preflight
        /// One hop of the redirect chain, counted from 1.
        case redirect(hop: Int)
        /// RFC 9728 metadata: from the challenge's `resource_metadata`, or guessed at the origin's
        /// well-known URL (where a 404 only means the server publishes none).
        case resourceMetadata(wellKnown: Bool)
        /// The RFC 8414 / OpenID Connect metadata of the token's issuer.
        case authorizationServerMetadata
        /// The JWK Set, from `--jwks` or discovered.
        case jwks(JWKSSource)
        /// A step recorded outside the live plan (a HAR entry) with free text.
        case recorded(StepKind, label: String?)

        /// Which nearby URL a `.variant` step tried.
        public enum URLVariant: String, Sendable, Hashable, CaseIterable {
            /// The path with its trailing slash added or removed.
            case trailingSlash = "trailing slash toggled"
            /// Asked first without credentials after a plain rejection.
            case trailingSlashWithoutCredentials = "trailing slash toggled, without credentials"
            /// The https URL for an http one.
            case https = "https instead of http"
            /// The host with `www.` added or removed.
            case www = "www. toggled"
        }

        /// Which change to the password a `.passwordVariant` step tried.
        public enum PasswordVariant: String, Sendable, Hashable, CaseIterable {
            /// Surrounding whitespace removed.
            case trimmed
            /// The letters' case swapped, as if Caps Lock was on.
            case capsLockInverted = "caps-lock inverted"
            /// The non-ASCII password in ISO-8859-1: proves the server's charset.
            case latin1 = "ISO-8859-1"
        }

        /// Where the JWK Set URL came from.
        public enum JWKSSource: String, Sendable, Hashable, CaseIterable {
            /// `--jwks URL`.
            case given = "--jwks"
            /// The authorization server metadata's `jwks_uri`.
            case discovered = "jwks_uri"
        }

        /// The step's group, for rules that match any step of a kind (every `.passwordVariant`).
        public var kind: StepKind {
            switch self {
            case .asGiven: .asGiven
            case .anonymous: .anonymous
            case .answer: .answer
            case .freshNonce: .freshNonce
            case .repeated: .repeated
            case .address: .address
            case .withoutCookies: .withoutCookies
            case .variant: .variant
            case .passwordVariant: .passwordVariant
            case .preflight: .preflight
            case .redirect: .redirect
            case .resourceMetadata: .resourceMetadata
            case .authorizationServerMetadata: .authorizationServerMetadata
            case .jwks: .jwks
            case .recorded(let kind, _): kind
            }
        }

        /// What distinguishes this step within its kind (`caps-lock inverted`, `hop 2`), as shown in text output.
        public var label: String? {
            switch self {
            case .asGiven(let scheme): scheme
            case .answer(let scheme), .freshNonce(let scheme): scheme
            case .repeated(let index, let count): "\(index) of \(count)"
            case .address(let address): address
            case .variant(let variant): variant.rawValue
            case .passwordVariant(let variant): variant.rawValue
            case .redirect(let hop): "hop \(hop)"
            case .resourceMetadata(let wellKnown): wellKnown ? CheckEvidence.wellKnownMetadataLabel : nil
            case .jwks(let source): source.rawValue
            case .recorded(_, let label): label
            case .anonymous, .withoutCookies, .preflight, .authorizationServerMetadata: nil
            }
        }

        /// The request's `purpose` in the exchange: `as given`, `password variant, trimmed`,
        /// `redirect hop 2`.
        public var purpose: String {
            if case .redirect(let hop) = self { return "redirect hop \(hop)" }
            return kind.rawValue + (label.map { ", \($0)" } ?? "")
        }

        /// The typed step a recorded (kind, label) pair names: the inverse of `kind` + `label`
        /// for every step the live plan makes; free text stays `.recorded`.
        public init(kind: StepKind, label: String?) {
            self = Self.typed(kind: kind, label: label) ?? .recorded(kind, label: label)
        }

        private static func typed(kind: StepKind, label: String?) -> PlanStep? {
            let schemes = ["Basic", "Digest"]
            switch kind {
            case .asGiven:
                guard let label else { return .asGiven(scheme: nil) }
                return schemes.contains(label) ? .asGiven(scheme: label) : nil
            case .anonymous: return label == nil ? .anonymous : nil
            case .answer: return label.flatMap { schemes.contains($0) ? .answer(scheme: $0) : nil }
            case .freshNonce: return label.flatMap { schemes.contains($0) ? .freshNonce(scheme: $0) : nil }
            case .repeated: return label.flatMap(repeatedStep)
            case .address: return label.map { .address($0) }
            case .withoutCookies: return label == nil ? .withoutCookies : nil
            case .variant: return label.flatMap(URLVariant.init(rawValue:)).map { .variant($0) }
            case .passwordVariant: return label.flatMap(PasswordVariant.init(rawValue:)).map { .passwordVariant($0) }
            case .preflight: return label == nil ? .preflight : nil
            case .redirect: return label.flatMap(redirectStep)
            case .resourceMetadata:
                guard let label else { return .resourceMetadata(wellKnown: false) }
                return label == CheckEvidence.wellKnownMetadataLabel ? .resourceMetadata(wellKnown: true) : nil
            case .authorizationServerMetadata: return label == nil ? .authorizationServerMetadata : nil
            case .jwks: return label.flatMap(JWKSSource.init(rawValue:)).map { .jwks($0) }
            }
        }

        /// `2 of 3`.
        private static func repeatedStep(_ label: String) -> PlanStep? {
            let words = label.split(separator: " ", omittingEmptySubsequences: false)
            guard words.count == 3, words[1] == "of" else { return nil }
            guard let index = Int(words[0]), let count = Int(words[2]) else { return nil }
            guard String(index) == words[0], String(count) == words[2] else { return nil }
            return .repeated(index: index, count: count)
        }

        /// `hop 2`.
        private static func redirectStep(_ label: String) -> PlanStep? {
            guard label.hasPrefix("hop "), let hop = Int(label.dropFirst(4)), "hop \(hop)" == label else { return nil }
            return .redirect(hop: hop)
        }
    }
}
