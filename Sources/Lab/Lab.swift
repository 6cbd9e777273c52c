import HTTPAuth

// Lab: an embedded HTTP/1.1 server that reproduces, one path per scenario, each cause of a 401
// that why401 diagnoses. `why401 demo` starts it on a free loopback port and diagnoses every
// scenario; `why401 lab --port N` runs it for people to try with curl or a browser.
//
// This file holds the public scenario model; the server is in LabServer.swift, the behaviour of
// each path in LabRouter.swift.
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What the demo (or a person with curl) sends to a scenario's path.
///
/// The credentials are the lab's fixed demo values (see `LabScenarios`); they are not secrets and
/// may be shown. A `.digest` client must do the challenge–response dance (first request without
/// credentials, answer the challenge); a `.basic` or `.bearer` client sends `Authorization` on the
/// first request.
public struct ClientSetup: Sendable, Hashable {
    public enum Credentials: Sendable, Hashable {
        case none
        case basic(user: String, password: String)
        case digest(user: String, password: String)
        /// The exact text after `Authorization: Bearer ` (it may itself be malformed on purpose).
        case bearer(token: String)
    }

    public var credentials: Credentials
    /// A `Cookie` header value to send, e.g. `session=old`.
    public var cookie: String?
    /// An `Origin` header value to send (a browser's cross-origin call, so a CORS preflight applies).
    public var origin: String?
    /// The request method, `GET` unless said otherwise.
    public var method: String

    public init(credentials: Credentials, cookie: String? = nil, origin: String? = nil, method: String = "GET") {
        self.credentials = credentials
        self.cookie = cookie
        self.origin = origin
        self.method = method
    }

    public static let none = ClientSetup(credentials: .none)

    public static func none(cookie: String? = nil, origin: String? = nil, method: String = "GET") -> ClientSetup {
        ClientSetup(credentials: .none, cookie: cookie, origin: origin, method: method)
    }

    public static func basic(
        user: String, password: String, cookie: String? = nil, origin: String? = nil,
        method: String = "GET"
    ) -> ClientSetup {
        ClientSetup(credentials: .basic(user: user, password: password), cookie: cookie, origin: origin, method: method)
    }

    public static func digest(
        user: String, password: String, cookie: String? = nil, origin: String? = nil,
        method: String = "GET"
    ) -> ClientSetup {
        ClientSetup(
            credentials: .digest(user: user, password: password), cookie: cookie, origin: origin, method: method)
    }

    public static func bearer(token: String, cookie: String? = nil, origin: String? = nil, method: String = "GET")
        -> ClientSetup
    {
        ClientSetup(credentials: .bearer(token: token), cookie: cookie, origin: origin, method: method)
    }

    /// The `Authorization` value a client sends up front (Basic, Bearer); nil for none and for
    /// Digest, which needs the server's challenge first.
    public var preemptiveAuthorization: String? {
        switch credentials {
        case .none, .digest: nil
        case .basic(let user, let password): "Basic " + Base64.encode(Array("\(user):\(password)".utf8))
        case .bearer(let token): "Bearer " + token
        }
    }

    /// The headers a client sends on its first request, in order (no Host / Connection).
    public var initialHeaders: [(name: String, value: String)] {
        var headers: [(name: String, value: String)] = []
        if let authorization = preemptiveAuthorization { headers.append(("Authorization", authorization)) }
        if let cookie { headers.append(("Cookie", cookie)) }
        if let origin { headers.append(("Origin", origin)) }
        return headers
    }
}

/// One reproducible cause of a 401, on its own path of the lab.
///
/// Notes for the diagnosis side (`why401 demo`):
/// - Send `client.initialHeaders` on the first request to `url(on:)` with `client.method`; for
///   `.digest` start without credentials and answer the lab's challenge (the lab verifies qop=auth
///   answers by recomputation, checks nc for replays, and nonces live 300 s of the lab's clock).
/// - Some scenarios end in a non-401 yet have a cause: `bearer-insufficient-scope` is a 403
///   (RFC 6750), `proxy-407` a 407, `cors-preflight` a 200 GET whose OPTIONS preflight is 401,
///   `digest-stale` a 200 after one `stale=true` retry. Healthy controls (`expectedCause == nil`)
///   end in 200 and must exit 0 even with warnings (digest-md5 offers only MD5).
/// - Causes that compete and must win: `cache.cacheable-401` over `credentials.rejected`,
///   `session.stale-cookie` over `credentials.rejected`, `clock.skew` over `token.invalid` (the
///   JWT is valid by the local clock, the lab's `Date` is 2 h ahead), `oauth.resource-metadata-broken`
///   over `credentials.missing`, `challenge.missing` over `credentials.missing`.
public struct LabScenario: Sendable, Hashable, Identifiable {
    /// Stable, unique: `basic-wrong-password`.
    public let id: String
    /// Unique path on the main listener, always with a trailing slash: `/basic/`.
    public let path: String
    /// One line for the demo table and the lab's index page.
    public let summary: String
    /// What a correct diagnosis of this path concludes (the demo compares against it).
    public let expectation: LabExpectation
    /// What the demo sends.
    public let client: ClientSetup
    /// What the server does on this path, for the index page and `why401 demo --verbose`.
    public let behaviour: String
    /// How the path answers a request: the code that does what `behaviour` says.
    let answer: LabAnswer
    /// For the discovery scenarios: the authorization server (a path under the lab) that the path's
    /// RFC 9728 metadata names.
    let authorizationServer: String?

    init(
        id: String, path: String, summary: String, expectation: LabExpectation, client: ClientSetup, behaviour: String,
        answer: LabAnswer, authorizationServer: String? = nil
    ) {
        self.id = id
        self.path = path
        self.summary = summary
        self.expectation = expectation
        self.client = client
        self.behaviour = behaviour
        self.answer = answer
        self.authorizationServer = authorizationServer
    }

    /// The finding id the diagnosis must put first; nil for a healthy control (expect exit 0).
    public var expectedCause: String? { expectation.cause }

    /// The scenario's URL on a running lab.
    public func url(on server: LabServer) -> String { server.baseURL + path }
    public func url(base: String) -> String {
        (base.hasSuffix("/") ? String(base.dropLast()) : base) + path
    }

    /// Scenarios are told apart by what they are, not by their code (a closure has no equality).
    public static func == (lhs: LabScenario, rhs: LabScenario) -> Bool {
        lhs.id == rhs.id && lhs.path == rhs.path && lhs.summary == rhs.summary && lhs.expectation == rhs.expectation
            && lhs.client == rhs.client && lhs.behaviour == rhs.behaviour
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(path)
        hasher.combine(client)
    }
}

/// What a correct diagnosis of a scenario concludes.
public enum LabExpectation: Sendable, Hashable {
    /// A healthy control: the resource answers 200 and the diagnosis exits 0 (warnings allowed,
    /// e.g. digest-md5 offers only MD5).
    case healthy
    /// This finding id comes first, and the outcome is a failure (still 401, or a problem found).
    case cause(String)

    public var cause: String? {
        switch self {
        case .healthy: nil
        case .cause(let id): id
        }
    }
}

/// The demo values and the scenario list.
public enum LabScenarios {
    /// The one user every area knows.
    public static let user = "alice"
    public static let password = "correct horse"
    /// The deliberately wrong password (not a case variant of the right one, so `--try-variants`
    /// cannot turn it into `credentials.caps-lock`).
    public static let wrongPassword = "battery staple"
    /// HS256 key of every JWT the lab issues and checks (`why401 jwt TOKEN --secret why401-lab-secret`).
    public static let jwtSecret = "why401-lab-secret"
    /// A session cookie value the session area accepts; any other `session=` value is stale.
    public static let validSession = "lab-session-valid"
    /// The Origin the CORS scenario's client sends.
    public static let corsOrigin = "http://app.example"
    /// The API key the missing-challenge area wants in `X-API-Key` (it never says so).
    public static let apiKey = "lab-api-key"
    /// How far ahead of the real clock the clock-skew area's `Date` is.
    public static let clockSkewSeconds = 7200

    /// Every scenario, with tokens minted for the current time.
    public static var all: [LabScenario] { all(now: Date()) }

    /// Every scenario, with JWTs minted relative to `now` (pass the lab's clock). `issuer` is the
    /// tokens' `iss`: a running lab passes its base URL, the issuer its OAuth metadata publishes
    /// (RFC 8414), so discovery finds the token's issuer consistent.
    public static func all(now: Date, issuer: String = "why401-lab") -> [LabScenario] {
        let t = Int(now.timeIntervalSince1970)
        let good = LabJWT.mint(
            subject: user, scope: "read", issuedAt: t - 60, notBefore: t - 60, expires: t + 86_400, issuer: issuer)
        let expired = LabJWT.mint(
            subject: user, scope: "read", issuedAt: t - 4 * 3600, notBefore: t - 4 * 3600, expires: t - 3 * 3600,
            issuer: issuer)
        // Valid for one more hour by the client's clock, long expired by the lab's (2 h ahead).
        let skewed = LabJWT.mint(
            subject: user, scope: "read", issuedAt: t - 60, notBefore: t - 60, expires: t + 3600, issuer: issuer)
        let opaque = "lab-opaque-7f3c9a1e5b2d4f60"
        let es256Good = LabJWT.mintES256(
            subject: user, scope: "read", issuedAt: t - 60, notBefore: t - 60, expires: t + 86_400, issuer: issuer)
        let es256Forged = LabJWT.mintES256(
            subject: user, scope: "read", issuedAt: t - 60, notBefore: t - 60, expires: t + 86_400,
            issuer: issuer, key: LabJWT.rogueES256Key)
        let rightBasic = ClientSetup.basic(user: user, password: password)
        let rightDigest = ClientSetup.digest(user: user, password: password)

        return [
            LabScenario(
                id: "healthy", path: "/healthy/",
                summary: "Basic area, right password: 200 (control)",
                expectation: .healthy, client: rightBasic,
                behaviour:
                    "Basic realm=\"lab\"; alice / correct horse gets 200, anything else 401 with the same challenge.",
                answer: .basic),
            LabScenario(
                id: "basic-wrong-password", path: "/basic/",
                summary: "Basic area, wrong password",
                expectation: .cause("credentials.rejected"), client: .basic(user: user, password: wrongPassword),
                behaviour: "Basic realm=\"lab\"; a wrong password gets 401 with the same challenge.",
                answer: .basic),
            LabScenario(
                id: "no-credentials", path: "/no-credentials/",
                summary: "Basic area, client sends no credentials",
                expectation: .cause("credentials.missing"), client: .none,
                behaviour: "Basic realm=\"lab\"; no Authorization gets 401 with the challenge.",
                answer: .basic),
            LabScenario(
                id: "digest-md5", path: "/digest/md5/",
                summary: "Digest MD5 (qop=auth), right password: 200 (control)",
                expectation: .healthy, client: rightDigest,
                behaviour:
                    """
                    Digest realm=\"lab\", qop=\"auth\", algorithm=MD5, nonce issued by the lab; the response is \
                    recomputed and nc checked for replays.
                    """,
                answer: .digest(.md5)),
            LabScenario(
                id: "digest-sha256", path: "/digest/sha256/",
                summary: "Digest SHA-256 (qop=auth), right password: 200 (control)",
                expectation: .healthy, client: rightDigest,
                behaviour: "Digest realm=\"lab\", qop=\"auth\", algorithm=SHA-256; the response is recomputed.",
                answer: .digest(.sha256)),
            LabScenario(
                id: "digest-stale", path: "/digest/stale/",
                summary: "Digest: the first nonce is stale on first use, a fresh one works",
                expectation: .cause("digest.stale-nonce"), client: rightDigest,
                behaviour:
                    """
                    Digest SHA-256; a right answer with a nonce from a plain 401 gets 401 stale=true and a fresh \
                    nonce, which then gets 200.
                    """,
                answer: .digest(.sha256, firstNonceStale: true)),
            LabScenario(
                id: "bearer-ok", path: "/bearer/",
                summary: "Bearer area, valid token: 200 (control); valid RFC 9728 metadata",
                expectation: .healthy, client: .bearer(token: good),
                behaviour:
                    """
                    Bearer realm=\"lab\" with resource_metadata (valid, naming the lab as authorization server, \
                    RFC 8414 metadata and JWKS served); HS256 JWTs signed by the lab with exp in the future get \
                    200.
                    """,
                answer: .bearer { BearerArea(resourceMetadata: $0.resourceMetadataURL) }),
            LabScenario(
                id: "bearer-jwks-ok", path: "/bearer/jwks/",
                summary:
                    "Bearer area, ES256 token verifiable through discovery (RFC 9728 → RFC 8414 → JWKS): 200 (control)",
                expectation: .healthy, client: .bearer(token: es256Good),
                behaviour:
                    """
                    ES256 JWTs signed with the key published in /.well-known/jwks.json (kid lab-es256) get 200; \
                    the anonymous 401 links the resource metadata.
                    """,
                answer: .bearer { BearerArea(resourceMetadata: $0.resourceMetadataURL) }),
            LabScenario(
                id: "bearer-jwks-bad-signature", path: "/bearer/jwks-bad-signature/",
                summary: "Bearer: ES256 token with the lab's kid but signed by another key",
                expectation: .cause("token.signature-invalid"), client: .bearer(token: es256Forged),
                behaviour:
                    """
                    The token names kid lab-es256 but its signature was made with an unpublished key: 401 \
                    error=\"invalid_token\"; the JWKS found by discovery does not verify it.
                    """,
                answer: .bearer { BearerArea(resourceMetadata: $0.resourceMetadataURL) }),
            LabScenario(
                id: "bearer-invalid-token", path: "/bearer/invalid-token/",
                summary: "Bearer: the server rejects the (opaque) token as invalid_token",
                expectation: .cause("token.invalid"), client: .bearer(token: opaque),
                behaviour:
                    """
                    Every token gets 401 Bearer realm=\"lab\", error=\"invalid_token\", error_description=\"The \
                    access token expired\".
                    """,
                answer: .bearer(BearerArea(rejectEveryToken: true))),
            LabScenario(
                id: "bearer-insufficient-scope", path: "/bearer/admin/",
                summary: "Bearer: valid token without the admin scope",
                expectation: .cause("token.insufficient-scope"), client: .bearer(token: good),
                behaviour:
                    """
                    A valid token without scope admin gets 403 Bearer error=\"insufficient_scope\", \
                    scope=\"admin\" (RFC 6750 §3.1).
                    """,
                answer: .bearer(BearerArea(requiredScope: "admin"))),
            LabScenario(
                id: "bearer-invalid-request", path: "/bearer/invalid-request/",
                summary: "Bearer: the Authorization header reads \"Bearer Bearer …\"",
                expectation: .cause("credentials.malformed"), client: .bearer(token: "Bearer " + good),
                behaviour:
                    """
                    A malformed Bearer value gets 401 Bearer error=\"invalid_request\" naming the problem (RFC \
                    6750 prefers 400; many gateways send 401).
                    """,
                answer: .bearer(BearerArea())),
            LabScenario(
                id: "bearer-expired-jwt", path: "/bearer/expired-jwt/",
                summary: "Bearer: the JWT expired 3 hours ago; the server says only invalid_token",
                expectation: .cause("token.expired"), client: .bearer(token: expired),
                behaviour:
                    """
                    The JWT's exp is checked against the lab's clock; expired gets 401 Bearer realm=\"lab\", \
                    error=\"invalid_token\" without a description.
                    """,
                answer: .bearer(BearerArea(describeErrors: false))),
            LabScenario(
                id: "bearer-not-received", path: "/bearer/not-received/",
                summary: "Bearer: a layer in front strips Authorization; the token never arrives",
                expectation: .cause("credentials.not-received"), client: .bearer(token: good),
                behaviour:
                    "Authorization is ignored; every request gets the anonymous 401 Bearer realm=\"lab\" (no error=).",
                answer: .bearer(BearerArea(ignoreAuthorization: true))),
            LabScenario(
                id: "missing-challenge", path: "/no-challenge/",
                summary: "401 without any WWW-Authenticate",
                expectation: .cause("challenge.missing"), client: .none,
                behaviour:
                    """
                    An API that wants an undocumented X-API-Key header answers everything else 401 with a JSON \
                    body and no WWW-Authenticate.
                    """,
                answer: .missingChallenge),
            LabScenario(
                id: "scheme-mismatch", path: "/digest-only/",
                summary: "Area offers only Digest, client sends Basic",
                expectation: .cause("credentials.scheme-mismatch"), client: rightBasic,
                behaviour:
                    """
                    Digest SHA-256 only; Basic credentials (even right ones) get 401 with the Digest challenge; a \
                    Digest answer gets 200.
                    """,
                answer: .digest(.sha256)),
            LabScenario(
                id: "cross-origin-redirect", path: "/redirect/",
                summary: "302 to another origin (second port), which wants Basic",
                expectation: .cause("redirect.authorization-dropped"), client: rightBasic,
                behaviour:
                    """
                    302 to http://HOST:SECONDPORT/redirect-target/; there Basic realm=\"lab second origin\" wants \
                    alice again; a conforming client has dropped Authorization, so 401.
                    """,
                answer: .crossOriginRedirect),
            LabScenario(
                id: "flapping", path: "/flapping/",
                summary: "Identical authenticated requests alternate 401 / 200 (two backends)",
                expectation: .cause("transient.flapping"), client: rightBasic,
                behaviour:
                    """
                    Right Basic credentials get 401 (X-Backend: b), 200 (X-Backend: a), 401, 200 … counted per \
                    path, restarting with 401 after 10 s idle; anything else 401.
                    """,
                answer: .flapping),
            LabScenario(
                id: "cached-401", path: "/cached/",
                summary: "A cache serves a stored 401 even for the right password",
                expectation: .cause("cache.cacheable-401"), client: rightBasic,
                behaviour:
                    "Always 401 Basic realm=\"lab\" with Cache-Control: public, max-age=3600, Age: 120, X-Cache: HIT.",
                answer: .cachedUnauthorized),
            LabScenario(
                id: "stale-cookie", path: "/session/",
                summary: "A stale session cookie wins over the right password",
                expectation: .cause("session.stale-cookie"),
                client: .basic(user: user, password: password, cookie: "session=old"),
                behaviour:
                    """
                    Cookie session=old (any value but lab-session-valid) gets 401 Basic realm=\"lab\" whatever the \
                    Authorization; without the cookie the right password gets 200 and a fresh session cookie.
                    """,
                answer: .staleCookie),
            LabScenario(
                id: "cors-preflight", path: "/cors/",
                summary: "CORS: OPTIONS preflight is behind auth (401); the GET itself works",
                expectation: .cause("cors.preflight-unauthorized"),
                client: .basic(user: user, password: password, origin: corsOrigin),
                behaviour:
                    """
                    OPTIONS without credentials (as browsers send preflights) gets 401 Basic; GET with the right \
                    password gets 200 with Access-Control-Allow-Origin.
                    """,
                answer: .corsPreflight),
            LabScenario(
                id: "clock-skew", path: "/bearer/clock-skew/",
                summary: "Server clock 2 h ahead: a JWT valid for the client is expired for the server",
                expectation: .cause("clock.skew"), client: .bearer(token: skewed),
                behaviour:
                    """
                    Date is 2 h ahead of the real clock; the JWT (exp in 1 h) is checked against that clock: 401 \
                    Bearer error=\"invalid_token\", error_description=\"The access token expired\".
                    """,
                answer: .bearer(BearerArea(clockOffset: clockSkewSeconds))),
            LabScenario(
                id: "resource-metadata-broken", path: "/bearer/metadata-broken/",
                summary: "Bearer challenge points at RFC 9728 metadata that is 404",
                expectation: .cause("oauth.resource-metadata-broken"), client: .none,
                behaviour:
                    """
                    401 Bearer realm=\"lab\", \
                    resource_metadata=\"http://HOST:PORT/.well-known/oauth-protected-resource/broken\", which \
                    answers 404.
                    """,
                answer: .bearer { BearerArea(resourceMetadata: $0.brokenResourceMetadataURL) }),
            LabScenario(
                id: "as-metadata-404", path: "/bearer/as-metadata-404/",
                summary: "RFC 9728 metadata names an authorization server whose RFC 8414 metadata is 404",
                expectation: .cause("oauth.resource-metadata-broken"), client: .none,
                behaviour:
                    """
                    401 Bearer with resource_metadata; that document names http://HOST:PORT/as/missing, whose \
                    /.well-known/oauth-authorization-server/as/missing and OpenID configuration both answer 404.
                    """,
                answer: .discovery, authorizationServer: "/as/missing"),
            LabScenario(
                id: "as-metadata-html", path: "/bearer/as-metadata-html/",
                summary: "Authorization server metadata is served as text/html (an SPA's catch-all page)",
                expectation: .cause("oauth.resource-metadata-broken"), client: .none,
                behaviour:
                    """
                    401 Bearer with resource_metadata; the authorization server http://HOST:PORT/as/html answers \
                    its RFC 8414 metadata URL with 200 text/html.
                    """,
                answer: .discovery, authorizationServer: "/as/html"),
            LabScenario(
                id: "issuer-mismatch", path: "/bearer/issuer-mismatch/",
                summary: "Authorization server metadata says another issuer than the one it was fetched for",
                expectation: .cause("oauth.resource-metadata-broken"), client: .none,
                behaviour:
                    """
                    401 Bearer with resource_metadata; the metadata of http://HOST:PORT/as/mismatch says issuer \
                    https://login.example.test (RFC 8414 §3.3 requires them identical).
                    """,
                answer: .discovery, authorizationServer: "/as/mismatch"),
            LabScenario(
                id: "proxy-407", path: "/proxy/",
                summary: "A proxy wants its own credentials (407)",
                expectation: .cause("challenge.proxy"), client: rightBasic,
                behaviour:
                    """
                    407 with Proxy-Authenticate: Basic realm=\"lab proxy\" unless Proxy-Authorization carries \
                    alice / correct horse; Authorization is ignored.
                    """,
                answer: .proxy),
        ]
    }
}
