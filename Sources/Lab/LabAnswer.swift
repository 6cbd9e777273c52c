// How each scenario's path answers: one value per kind of area, attached to the scenario itself in
// `LabScenarios.all`, so the list, the router and the demo's expectations come from one place.
import HTTPAuth

/// The code behind a scenario's path: request, the lab's state and the scenario's own path in,
/// response out (the path is passed, not repeated, so an answer that needs it cannot disagree).
struct LabAnswer: Sendable {
    let respond: @Sendable (_ request: LabRequest, _ state: LabState, _ path: String) -> LabResponse

    init(_ respond: @escaping @Sendable (_ request: LabRequest, _ state: LabState, _ path: String) -> LabResponse) {
        self.respond = respond
    }

    private typealias R = LabRouter

    /// Basic realm="lab": alice / correct horse gets 200, anything else 401 naming what was wrong.
    static let basic = LabAnswer { request, _, _ in
        R.basicArea(request, realm: R.realm, greeting: "Hello, \(LabScenarios.user): the right password, so 200.")
    }

    /// Digest realm="lab" with the lab's nonces (`firstNonceStale`: the first answer gets stale=true).
    static func digest(_ algorithm: DigestAlgorithm, firstNonceStale: Bool = false) -> LabAnswer {
        LabAnswer { request, state, _ in
            R.digestArea(
                request, state: state,
                area: DigestArea(realm: R.realm, algorithm: algorithm, firstNonceStale: firstNonceStale))
        }
    }

    /// A Bearer area; `area` may depend on the running lab (its metadata URLs).
    static func bearer(_ area: @escaping @Sendable (LabState) -> BearerArea) -> LabAnswer {
        LabAnswer { request, state, _ in R.bearerArea(request, state: state, area: area(state)) }
    }

    static func bearer(_ area: BearerArea) -> LabAnswer { bearer { _ in area } }

    /// A Bearer area whose RFC 9728 metadata (at the well-known URL of the scenario's path) names a
    /// broken authorization server (the scenario's `authorizationServer`).
    static let discovery = LabAnswer { request, state, path in
        R.bearerArea(
            request, state: state, area: BearerArea(resourceMetadata: R.discoveryMetadataURL(path, state: state)))
    }

    /// An API that wants an undocumented X-API-Key and says nothing about it.
    static let missingChallenge = LabAnswer { request, _, _ in
        if request.header("X-API-Key") == LabScenarios.apiKey {
            return .json(200, #"{"ok":true,"user":"alice"}"#)
        }
        // A framework's bare 401: no WWW-Authenticate, so no client can know what to send.
        return .json(401, #"{"error":"unauthorized"}"#)
    }

    /// 302 from the scenario's path to the same suffix under /redirect-target/ on the second origin.
    static let crossOriginRedirect = LabAnswer { request, state, path in
        let suffix = request.target.dropFirst(path.count)
        let location = state.secondBaseURL + "/redirect-target/" + suffix
        return .text(302, "Moved to \(location)\n", headers: [("Location", location)])
    }

    /// Right Basic credentials alternate 401 (backend b) / 200 (backend a), counted per path.
    static let flapping = LabAnswer { request, state, key in
        guard R.checkBasic(request.header("Authorization")) == .accepted else {
            return R.unauthorizedBasic(R.realm, "401: the password was not accepted.\n")
        }
        // The series restarts after a pause, so every fresh diagnosis (or curl) begins with the 401.
        let now = state.now()
        if let last = state.lastSeen[key], now - last > LabRouter.flapResetSeconds { state.counters[key] = 0 }
        state.lastSeen[key] = now
        let count = (state.counters[key] ?? 0) + 1
        state.counters[key] = count
        if count % 2 == 1 {
            // Backend b lost its user file; the balancer alternates between a and b.
            return R.unauthorizedBasic(R.realm, "401 from backend b.\n", extra: [("X-Backend", "b")])
        }
        return .text(200, "200 from backend a.\n", headers: [("X-Backend", "a")])
    }

    /// A cache in front serves a stored 401, whatever the request carries.
    static let cachedUnauthorized = LabAnswer { _, _, _ in
        var response = R.unauthorizedBasic(R.realm, "401 Unauthorized (served from cache)\n")
        response.headers += [
            ("Cache-Control", "public, max-age=3600"), ("Age", "120"), ("X-Cache", "HIT"), ("Via", "1.1 lab-cache"),
        ]
        return response
    }

    /// The app trusts its session cookie first: a stale one wins over the right password.
    static let staleCookie = LabAnswer { request, _, _ in
        if let session = request.cookies.last(where: { $0.name == "session" })?.value {
            if session == LabScenarios.validSession {
                return .text(200, "Hello, \(LabScenarios.user) (session cookie).\n")
            }
            // The app trusts its session cookie first and never looks at Authorization.
            return R.unauthorizedBasic(R.realm, "401: your session has expired. Log in again.\n")
        }
        switch R.checkBasic(request.header("Authorization")) {
        case .accepted:
            return .text(
                200, "Hello, \(LabScenarios.user): logged in, new session.\n",
                headers: [
                    ("Set-Cookie", "session=\(LabScenarios.validSession); Path=/session/; HttpOnly; SameSite=Lax")
                ])
        default:
            return R.unauthorizedBasic(R.realm, "401: log in.\n")
        }
    }

    /// Authentication runs before CORS: the OPTIONS preflight (never credentialed) gets 401.
    static let corsPreflight = LabAnswer { request, _, _ in
        let origin = request.header("Origin")
        guard R.checkBasic(request.header("Authorization")) == .accepted else {
            // Auth runs before CORS: a preflight (which never carries credentials) gets 401.
            return R.unauthorizedBasic(R.realm, "401 Unauthorized\n")
        }
        var cors: [(name: String, value: String)] = [("Vary", "Origin")]
        if let origin {
            cors += [("Access-Control-Allow-Origin", origin), ("Access-Control-Allow-Credentials", "true")]
        }
        if request.method == "OPTIONS" {
            cors += [
                ("Access-Control-Allow-Methods", "GET, OPTIONS"),
                ("Access-Control-Allow-Headers", "Authorization"), ("Access-Control-Max-Age", "600"),
            ]
            return LabResponse(status: 204, headers: cors)
        }
        return .json(200, #"{"ok":true,"user":"alice"}"#, headers: cors)
    }

    /// A proxy that wants its own Basic credentials (407) and ignores Authorization.
    static let proxy = LabAnswer { request, _, _ in
        if R.checkBasic(request.header("Proxy-Authorization")) == .accepted {
            return .text(200, "The proxy let you through.\n")
        }
        return .text(
            407, "407 Proxy Authentication Required\n",
            headers: [("Proxy-Authenticate", R.basicChallenge(R.proxyRealm))])
    }
}
