import Evidence
import HTTPAuth

/// `session.stale-cookie`: with cookies 401, without them success, a plain login challenge, or a
/// redirect to a login page (a cookie-session application sends anonymous visitors there).
public enum SessionStaleCookieRule: Rule {
    /// Raises `session.stale-cookie`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .sessionStaleCookie,
        triggering: [
            CheckSample.make(
                sent: .none, CheckSample.step(.asGiven, 401),
                CheckSample.step(.withoutCookies, 200, credentialed: false)
            ) {
                $0.cookieNames = ["session"]
            },
            CheckSample.make(
                sent: .none, CheckSample.step(.asGiven, 401),
                CheckSample.step(.withoutCookies, 302, ["Location": "/accounts/login/?next=/me"], credentialed: false)
            ) { $0.cookieNames = ["sessionid"] },
        ],
        nonTriggering: [
            CheckSample.make(
                sent: .none, CheckSample.step(.asGiven, 401),
                CheckSample.step(.withoutCookies, 401, credentialed: false)
            ) {
                $0.cookieNames = ["session"]
            },
            CheckSample.make(
                sent: .none, CheckSample.step(.asGiven, 401),
                CheckSample.step(.withoutCookies, 302, ["Location": "/maintenance.html"], credentialed: false)
            ) { $0.cookieNames = ["session"] },
        ])

    /// A redirect that sends an anonymous visitor to a sign-in page (`/login`, `/accounts/login/`,
    /// `/signin`, `/auth/…`, an SSO `/authorize` endpoint).
    static func isLoginRedirect(_ step: CheckEvidence.Step) -> Bool {
        guard let status = step.status, [301, 302, 303, 307, 308].contains(status),
            let location = step.header("Location")
        else {
            return false
        }
        var path = location.lowercased()
        if let schemeEnd = path.firstRange(of: "://") {
            path = String(path[schemeEnd.upperBound...].drop(while: { $0 != "/" }))
        }
        path = String(path.prefix(while: { $0 != "?" && $0 != "#" }))
        let words = [
            "login", "log-in", "logon", "signin", "sign-in", "sign_in", "authorize", "authenticate", "sso", "/auth",
        ]
        return words.contains { path.contains($0) }
    }

    /// One finding when the request with cookies gets 401 and the same request without them succeeds, gets a plain
    /// login challenge, or is sent to a login page.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard !e.cookieNames.isEmpty, var final = e.final, final.isUnauthorized, let without = e.first(.withoutCookies)
        else { return [] }
        // Compare like with like: an unsafe request went once, so its GET repeat (with the cookies)
        // is what the GET without cookies is measured against.
        if final.method != without.method {
            guard let sameMethod = e.steps(.repeated).last(where: { $0.method == without.method }),
                sameMethod.isUnauthorized
            else { return [] }
            final = sameMethod
        }
        let loginChallenge =
            without.isUnauthorized && without.header("WWW-Authenticate") != final.header("WWW-Authenticate")
        let loginRedirect = isLoginRedirect(without)
        guard without.isSuccess || loginChallenge || loginRedirect else { return [] }
        var lines = [
            "with cookies \(e.cookieNames.joined(separator: ", ")): " + final.line, "without cookies: " + without.line,
        ]
        var detail: String?
        if loginRedirect, let location = without.header("Location") {
            lines.append("without cookies the site sends you to its login page: Location: \(location)")
            detail =
                """
                With the cookies the server answers 401; without them it redirects to its login page, as for any \
                new visitor. The session in the cookie is no longer valid: log in again.
                """
        }
        return [Finding(description.id, detail: detail, evidence: lines)]
    }

    /// True when the stale-cookie proof rests on a login redirect: the site authenticates with a
    /// session cookie and a login page, so a 401 without `WWW-Authenticate` is its way of saying so.
    static func provenByLoginRedirect(_ e: CheckEvidence) -> Bool {
        guard let without = e.first(.withoutCookies) else { return false }
        return !check(e).isEmpty && isLoginRedirect(without)
    }
}

/// Cache directives of one response, parsed once.
struct CacheHeaders {
    var directives: [String: String?] = [:]
    var age: Int?
    var xCacheHit = false
    var expires: String?

    init(_ step: CheckEvidence.Step) {
        for value in step.headers("Cache-Control") {
            for item in value.split(separator: ",") {
                let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingOWS }
                guard let name = parts.first?.lowercased(), !name.isEmpty else { continue }
                directives[name] = parts.count > 1 ? parts[1] : nil
            }
        }
        age = step.header("Age").flatMap { Int($0.trimmingOWS) }
        xCacheHit =
            step.headers("X-Cache").contains { $0.lowercased().contains("hit") }
            || step.headers("CF-Cache-Status").contains { $0.lowercased() == "hit" }
        expires = step.header("Expires")
    }

    var forbidsStorage: Bool { directives.keys.contains("no-store") }
    var maxAge: Int? { (directives["s-maxage"] ?? directives["max-age"])?.flatMap { Int($0) } }
    var isPublic: Bool { directives.keys.contains("public") }
    var isPrivate: Bool { directives.keys.contains("private") }
}

/// `cache.cacheable-401`: a 401 a cache may store, or did serve.
public enum CacheCacheable401Rule: Rule {
    /// Raises `cache.cacheable-401`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .cacheCacheable401,
        triggering: [
            CheckSample.make(
                CheckSample.step(
                    .asGiven, 401,
                    ["WWW-Authenticate": "Basic realm=\"x\"", "Cache-Control": "public, max-age=3600", "Age": "120"])),
            CheckSample.make(CheckSample.step(.asGiven, 401, ["X-Cache": "HIT from edge"])),
        ],
        nonTriggering: [CheckSample.make(CheckSample.step(.asGiven, 401, ["Cache-Control": "no-store"]))])

    /// One finding when the final 401 may be stored by a cache (`max-age`, `Expires`) or was served by one (`Age`, a
    /// cache-hit header).
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let final = e.final, final.isUnauthorized else { return [] }
        let cache = CacheHeaders(final)
        var lines: [String] = []
        if !cache.forbidsStorage, let maxAge = cache.maxAge, maxAge > 0 {
            lines.append("Cache-Control: " + final.headers("Cache-Control").joined(separator: ", "))
        }
        if let age = cache.age, age > 0 { lines.append("Age: \(age) — this 401 came from a cache") }
        if cache.xCacheHit {
            lines.append(
                "cache hit: " + (final.headers("X-Cache") + final.headers("CF-Cache-Status")).joined(separator: ", "))
        }
        if !cache.forbidsStorage, let expires = cache.expires, cache.maxAge == nil, expires != "0", expires != "-1" {
            lines.append("Expires: \(expires)")
        }
        return lines.isEmpty ? [] : [Finding(description.id, evidence: [final.line] + lines)]
    }
}

/// `cache.shared-authenticated`: an authenticated 2xx a shared cache may store for everyone.
public enum CacheSharedAuthenticatedRule: Rule {
    /// Raises `cache.shared-authenticated`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .cacheSharedAuthenticated,
        triggering: [CheckSample.make(CheckSample.step(.asGiven, 200, ["Cache-Control": "public, max-age=600"]))],
        nonTriggering: [
            CheckSample.make(CheckSample.step(.asGiven, 200, ["Cache-Control": "private, max-age=600"])),
            CheckSample.make(
                CheckSample.step(.asGiven, 200, ["Cache-Control": "public, max-age=600", "Vary": "Authorization"])),
        ])

    /// One finding when a credentialed success is marked public (or `s-maxage`) without `private`, `no-store` or `Vary:
    /// Authorization`.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let step = e.steps.first(where: { $0.credentialed && $0.isSuccess }) else { return [] }
        let cache = CacheHeaders(step)
        let varies = step.headers("Vary").contains { $0.lowercased().contains("authorization") || $0.contains("*") }
        guard cache.isPublic || cache.directives.keys.contains("s-maxage"), !cache.isPrivate, !cache.forbidsStorage,
            !varies
        else { return [] }
        return [
            Finding(
                description.id,
                evidence: [step.line, "Cache-Control: " + step.headers("Cache-Control").joined(separator: ", ")])
        ]
    }
}

/// `session.expired-cookie`: a cookie in the jar for this site has expired.
public enum SessionExpiredCookieRule: Rule {
    /// Raises `session.expired-cookie`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .sessionExpiredCookie,
        triggering: [
            CheckSample.make(sent: .none, CheckSample.step(.asGiven, 401)) {
                $0.unsentCookies = [.init(name: "session", reason: "expired", expired: true, expiredAt: 1_600_000_000)]
            }
        ],
        nonTriggering: [
            CheckSample.make(sent: .none, CheckSample.step(.asGiven, 401)) {
                $0.unsentCookies = [
                    .init(name: "session", reason: "its path /admin does not match the request path", expired: false)
                ]
            }
        ])

    /// One finding listing the stored cookies that have expired, with when.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        let expired = e.unsentCookies.filter(\.expired)
        guard !expired.isEmpty else { return [] }
        return [
            Finding(
                description.id,
                evidence: expired.map { cookie in
                    "cookie \(cookie.name) expired"
                        + (cookie.expiredAt.map { " \(TokenTime.iso8601($0)), \(TokenTime.span(e.localTime - $0)) ago" }
                            ?? "")
                })
        ]
    }
}

/// `session.cookie-not-sent`: a stored cookie a browser would not send to this URL.
public enum SessionCookieNotSentRule: Rule {
    /// Raises `session.cookie-not-sent`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<CheckEvidence>(
        id: .sessionCookieNotSent,
        triggering: [
            CheckSample.make(sent: .none, CheckSample.step(.asGiven, 401)) {
                $0.unsentCookies = [
                    .init(name: "session", reason: "it is Secure and the URL is plain http", expired: false)
                ]
            }
        ],
        nonTriggering: [
            CheckSample.make(sent: .none, CheckSample.step(.asGiven, 401)) {
                $0.unsentCookies = [.init(name: "session", reason: "expired", expired: true)]
            }
        ])

    /// One finding listing stored cookies not sent for another reason (path, domain, `Secure`), unless the request
    /// succeeded.
    public static func check(_ e: CheckEvidence) -> [Finding] {
        let unsent = e.unsentCookies.filter { !$0.expired }
        guard !unsent.isEmpty, e.final?.isUnauthorized ?? true else { return [] }
        return [Finding(description.id, evidence: unsent.map { "cookie \($0.name) not sent: \($0.reason)" })]
    }
}
