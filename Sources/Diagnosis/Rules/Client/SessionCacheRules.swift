import Evidence
import HTTPAuth

/// `session.stale-cookie`: with cookies 401, without them success or a plain login challenge.
public enum SessionStaleCookieRule: ClientRule {
    public static let description = RuleDescription<CheckEvidence>(
        id: "session.stale-cookie",
        triggering: [
            CheckSample.make(sent: .none, CheckSample.step(.asGiven, 401), CheckSample.step(.withoutCookies, 200, credentialed: false)) {
                $0.cookieNames = ["session"]
            }
        ],
        nonTriggering: [
            CheckSample.make(sent: .none, CheckSample.step(.asGiven, 401), CheckSample.step(.withoutCookies, 401, credentialed: false)) {
                $0.cookieNames = ["session"]
            }
        ])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard !e.cookieNames.isEmpty, let final = e.final, final.isUnauthorized, let without = e.first(.withoutCookies) else { return [] }
        let loginChallenge = without.isUnauthorized && without.header("WWW-Authenticate") != final.header("WWW-Authenticate")
        guard without.isSuccess || loginChallenge else { return [] }
        return [
            Finding(
                description.id,
                evidence: ["with cookies \(e.cookieNames.joined(separator: ", ")): " + final.line, "without cookies: " + without.line])
        ]
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
        xCacheHit = step.headers("X-Cache").contains { $0.lowercased().contains("hit") } || step.headers("CF-Cache-Status").contains { $0.lowercased() == "hit" }
        expires = step.header("Expires")
    }

    var forbidsStorage: Bool { directives.keys.contains("no-store") }
    var maxAge: Int? { (directives["s-maxage"] ?? directives["max-age"])?.flatMap { Int($0) } }
    var isPublic: Bool { directives.keys.contains("public") }
    var isPrivate: Bool { directives.keys.contains("private") }
}


/// `cache.cacheable-401`: a 401 a cache may store, or did serve.
public enum CacheCacheable401Rule: ClientRule {
    public static let description = RuleDescription<CheckEvidence>(
        id: "cache.cacheable-401",
        triggering: [
            CheckSample.make(CheckSample.step(.asGiven, 401, ["WWW-Authenticate": "Basic realm=\"x\"", "Cache-Control": "public, max-age=3600", "Age": "120"])),
            CheckSample.make(CheckSample.step(.asGiven, 401, ["X-Cache": "HIT from edge"])),
        ],
        nonTriggering: [CheckSample.make(CheckSample.step(.asGiven, 401, ["Cache-Control": "no-store"]))])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let final = e.final, final.isUnauthorized else { return [] }
        let cache = CacheHeaders(final)
        var lines: [String] = []
        if !cache.forbidsStorage, let maxAge = cache.maxAge, maxAge > 0 { lines.append("Cache-Control: " + final.headers("Cache-Control").joined(separator: ", ")) }
        if let age = cache.age, age > 0 { lines.append("Age: \(age) — this 401 came from a cache") }
        if cache.xCacheHit { lines.append("cache hit: " + (final.headers("X-Cache") + final.headers("CF-Cache-Status")).joined(separator: ", ")) }
        if !cache.forbidsStorage, let expires = cache.expires, cache.maxAge == nil, expires != "0", expires != "-1" { lines.append("Expires: \(expires)") }
        return lines.isEmpty ? [] : [Finding(description.id, evidence: [final.line] + lines)]
    }
}

/// `cache.shared-authenticated`: an authenticated 2xx a shared cache may store for everyone.
public enum CacheSharedAuthenticatedRule: ClientRule {
    public static let description = RuleDescription<CheckEvidence>(
        id: "cache.shared-authenticated",
        triggering: [CheckSample.make(CheckSample.step(.asGiven, 200, ["Cache-Control": "public, max-age=600"]))],
        nonTriggering: [
            CheckSample.make(CheckSample.step(.asGiven, 200, ["Cache-Control": "private, max-age=600"])),
            CheckSample.make(CheckSample.step(.asGiven, 200, ["Cache-Control": "public, max-age=600", "Vary": "Authorization"])),
        ])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        guard let step = e.steps.first(where: { $0.credentialed && $0.isSuccess }) else { return [] }
        let cache = CacheHeaders(step)
        let varies = step.headers("Vary").contains { $0.lowercased().contains("authorization") || $0.contains("*") }
        guard (cache.isPublic || cache.directives.keys.contains("s-maxage")), !cache.isPrivate, !cache.forbidsStorage, !varies else { return [] }
        return [Finding(description.id, evidence: [step.line, "Cache-Control: " + step.headers("Cache-Control").joined(separator: ", ")])]
    }
}

/// `session.expired-cookie`: a cookie in the jar for this site has expired.
public enum SessionExpiredCookieRule: ClientRule {
    public static let description = RuleDescription<CheckEvidence>(
        id: "session.expired-cookie",
        triggering: [
            CheckSample.make(sent: .none, CheckSample.step(.asGiven, 401)) {
                $0.unsentCookies = [.init(name: "session", reason: "expired", expired: true, expiredAt: 1_600_000_000)]
            }
        ],
        nonTriggering: [
            CheckSample.make(sent: .none, CheckSample.step(.asGiven, 401)) {
                $0.unsentCookies = [.init(name: "session", reason: "its path /admin does not match the request path", expired: false)]
            }
        ])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        let expired = e.unsentCookies.filter(\.expired)
        guard !expired.isEmpty else { return [] }
        return [
            Finding(
                description.id,
                evidence: expired.map { cookie in
                    "cookie \(cookie.name) expired" + (cookie.expiredAt.map { " \(TokenTime.iso8601($0)), \(TokenTime.span(e.localTime - $0)) ago" } ?? "")
                })
        ]
    }
}

/// `session.cookie-not-sent`: a stored cookie a browser would not send to this URL.
public enum SessionCookieNotSentRule: ClientRule {
    public static let description = RuleDescription<CheckEvidence>(
        id: "session.cookie-not-sent",
        triggering: [
            CheckSample.make(sent: .none, CheckSample.step(.asGiven, 401)) {
                $0.unsentCookies = [.init(name: "session", reason: "it is Secure and the URL is plain http", expired: false)]
            }
        ],
        nonTriggering: [
            CheckSample.make(sent: .none, CheckSample.step(.asGiven, 401)) {
                $0.unsentCookies = [.init(name: "session", reason: "expired", expired: true)]
            }
        ])

    public static func check(_ e: CheckEvidence) -> [Finding] {
        let unsent = e.unsentCookies.filter { !$0.expired }
        guard !unsent.isEmpty, e.final?.isUnauthorized ?? true else { return [] }
        return [Finding(description.id, evidence: unsent.map { "cookie \($0.name) not sent: \($0.reason)" })]
    }
}
