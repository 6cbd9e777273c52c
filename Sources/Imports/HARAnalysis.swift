import CredentialModel
import Evidence
import HTTPAuth

/// An earlier entry of the file that asked the same method and URL and succeeded.
public struct HARPrior: Sendable, Hashable {
    public var index: Int
    /// Names of the cookies it carried (names only).
    public var cookieNames: [String]
    /// `entry 3: GET https://…/me → 200 at 2026-…Z` (masked).
    public var line: String
    /// The same Authorization, API-key header and Cookie values as the diagnosed entry (compared, never kept).
    public var sameCredentials: Bool
    public var started: Double?
}

/// One diagnosed entry (a 401, a 407, a 403 with a challenge or an auth-looking body) as check
/// evidence: its exchange is the as-given step; the redirect hops that led to it, the preflight
/// before it and identical later requests are the other steps.
public struct HARCase: Sendable {
    public var index: Int
    public var method: String
    /// Masked.
    public var url: String
    public var status: Int
    public var evidence: CheckEvidence
    /// Earlier identical requests that succeeded, most recent first.
    public var earlierSuccesses: [HARPrior]
}

public enum HARAnalysis {
    /// Whether an entry is diagnosed: 401, 407, or a 403 that carries a challenge or a body about authentication.
    public static func isDiagnosed(_ entry: HAREntry) -> Bool {
        switch entry.status {
        case 401, 407: return true
        case 403:
            if entry.responseHeader("WWW-Authenticate") != nil { return true }
            let text = String(decoding: entry.body.prefix(4096), as: UTF8.self).lowercased()
            return authWords.contains { text.contains($0) }
        default: return false
        }
    }

    static let authWords = [
        "unauthori", "not authenticated", "authentication", "credential", "token", "not logged in", "login required",
        "log in",
        "sign in", "api key", "apikey", "session expired", "session has expired",
    ]

    /// Every diagnosed entry of the file, in file order. `now` stands in for an entry without `startedDateTime`.
    public static func cases(_ file: HARFile, now: Double) -> [HARCase] {
        let entries = file.entries
        let recordsRequestCookies = entries.contains { !$0.requestCookies.isEmpty || $0.requestHeader("Cookie") != nil }
        var jar = HARCookieJar()
        var out: [HARCase] = []
        let index = FileIndex(entries)
        for entry in entries {
            if isDiagnosed(entry) {
                let time = entry.started ?? entry.responseHeader("Date").flatMap(HTTPDate.parse) ?? now
                var evidence = checkEvidence(for: entry.index, in: entries, index: index, time: time)
                evidence.unsentCookies = jar.unsent(for: entry, at: time, judgeDropped: recordsRequestCookies)
                out.append(
                    HARCase(
                        index: entry.index, method: entry.method, url: SecretMasking.maskURL(entry.url),
                        status: entry.status,
                        evidence: evidence, earlierSuccesses: earlier(entry.index, in: entries, index: index)))
            }
            jar.store(from: entry)
        }
        return out
    }

    /// Lookups computed once per file, so each diagnosed entry costs what its neighbours cost, not the file.
    struct FileIndex {
        /// Normalized URL per entry.
        var urls: [String]
        var fingerprints: [Int]
        /// Entry indexes (ascending) per `METHOD url`.
        var byRequest: [String: [Int]] = [:]
        /// Entry indexes (ascending) per URL.
        var byURL: [String: [Int]] = [:]
        /// CORS preflights (ascending) per URL.
        var preflights: [String: [Int]] = [:]
        /// 3xx entries (ascending) per normalized target.
        var redirectsTo: [String: [Int]] = [:]

        init(_ entries: [HAREntry]) {
            urls = entries.map { HARAnalysis.normalized($0.url) }
            fingerprints = entries.map(HARAnalysis.credentialFingerprint)
            for (i, e) in entries.enumerated() {
                byRequest[e.method + " " + urls[i], default: []].append(i)
                byURL[urls[i], default: []].append(i)
                if e.method == "OPTIONS" && e.requestHeader("Access-Control-Request-Method") != nil {
                    preflights[urls[i], default: []].append(i)
                }
                if [301, 302, 303, 307, 308].contains(e.status), let target = HARAnalysis.redirectTarget(of: e) {
                    redirectsTo[HARAnalysis.normalized(target), default: []].append(i)
                }
            }
        }

        func key(_ i: Int, _ entries: [HAREntry]) -> String { entries[i].method + " " + urls[i] }
    }

    /// The check evidence of entry `index`.
    static func checkEvidence(for position: Int, in entries: [HAREntry], index: FileIndex, time: Double)
        -> CheckEvidence
    {
        let entry = entries[position]
        var steps: [CheckEvidence.Step] = []
        let chain = redirectChain(to: position, in: entries, index: index)
        let first = entries[chain[0]]
        let isPreflight = entry.method == "OPTIONS" && entry.requestHeader("Access-Control-Request-Method") != nil
        // The preflight the browser sent before this request (same URL), if the file has it.
        if !isPreflight, let p = index.preflights[index.urls[chain[0]]]?.last(where: { $0 < chain[0] }) {
            let preflight = entries[p]
            steps.append(
                .init(
                    kind: .preflight, exchange: preflight.exchange, credentialed: carriesCredentials(preflight),
                    label: "entry \(preflight.index)"))
        }
        steps.append(
            .init(
                kind: .asGiven, exchange: first.exchange, credentialed: carriesCredentials(first),
                label: "entry \(first.index)"))
        if isPreflight {
            steps.append(
                .init(
                    kind: .preflight, exchange: entry.exchange, credentialed: carriesCredentials(entry),
                    label: "entry \(entry.index)"))
        }
        for (hop, position) in chain.dropFirst().enumerated() {
            let e = entries[position]
            steps.append(
                .init(
                    kind: .redirect, exchange: e.exchange, credentialed: carriesCredentials(e),
                    label: "hop \(hop + 1), entry \(e.index)"))
        }
        // Identical later requests are the file's repeats (a retry that worked, or flapping).
        let later = (index.byRequest[index.key(position, entries)] ?? []).lazy.filter {
            $0 > position && index.fingerprints[$0] == index.fingerprints[position] && entries[$0].status != 0
        }.prefix(4).map { entries[$0] }
        for e in later {
            steps.append(
                .init(
                    kind: .repeated, exchange: e.exchange, credentialed: carriesCredentials(e),
                    label: "entry \(e.index), later in the file"))
        }
        var evidence = CheckEvidence(
            url: SecretMasking.maskURL(first.url), sent: sentScheme(first.requestHeaders),
            cookieNames: cookieNames(first),
            origin: entry.requestHeader("Origin")
                ?? steps.first(where: { $0.kind == .preflight })?.exchange.request.headers.first("Origin"),
            steps: steps, token: bearerToken(first.requestHeaders).map(JWT.decode), localTime: time,
            serverDate: entry.responseHeader("Date").flatMap(HTTPDate.parse), isLoopback: isLoopback(first.url))
        evidence.credentialedRequests = steps.filter(\.credentialed).count
        evidence.credentialBudget = max(evidence.credentialedRequests, 1)
        evidence.credentialsInURL = userInfoHasPassword(first.url)
        return evidence
    }

    /// Entry indexes from the first request of the redirect chain that ends at `index`, to `index`.
    static func redirectChain(to position: Int, in entries: [HAREntry], index: FileIndex) -> [Int] {
        var chain = [position]
        var current = position
        while chain.count < 20 {
            let target = index.urls[current]
            guard let previous = index.redirectsTo[target]?.last(where: { $0 < current }),
                // The hop is the first request to the target after the redirect, not a later visit.
                !(index.byURL[target] ?? []).contains(where: { $0 > previous && $0 < current })
            else { break }
            chain.insert(previous, at: 0)
            current = previous
        }
        return chain
    }

    /// Where a redirect entry points, absolute.
    static func redirectTarget(of entry: HAREntry) -> String? {
        guard let location = entry.redirectURL ?? entry.responseHeader("Location") else { return nil }
        return resolve(location, against: entry.url)
    }

    static func resolve(_ reference: String, against base: String) -> String {
        if reference.contains("://") { return reference }
        guard let schemeEnd = base.firstRange(of: "://") else { return reference }
        let scheme = base[..<schemeEnd.lowerBound]
        if reference.hasPrefix("//") { return scheme + ":" + reference }
        let authorityEnd = base[schemeEnd.upperBound...].firstIndex(where: { "/?#".contains($0) }) ?? base.endIndex
        let origin = base[..<authorityEnd]
        if reference.hasPrefix("/") { return origin + reference }
        let path = base[authorityEnd...].prefix(while: { $0 != "?" && $0 != "#" })
        let directory = path.lastIndex(of: "/").map { path[...$0] } ?? "/"
        return origin + directory + reference
    }

    /// Same URL, fragment ignored, scheme and host case-insensitive.
    static func sameResource(_ a: String, _ b: String) -> Bool { normalized(a) == normalized(b) }

    static func normalized(_ url: String) -> String {
        let noFragment = url.prefix { $0 != "#" }
        guard let schemeEnd = noFragment.firstRange(of: "://") else { return String(noFragment) }
        let authorityEnd =
            noFragment[schemeEnd.upperBound...].firstIndex(where: { "/?".contains($0) }) ?? noFragment.endIndex
        var rest = String(noFragment[authorityEnd...])
        if rest.isEmpty { rest = "/" }
        return noFragment[..<authorityEnd].lowercased() + rest
    }

    /// Earlier identical requests that succeeded (2xx), most recent first, at most 3.
    static func earlier(_ position: Int, in entries: [HAREntry], index: FileIndex) -> [HARPrior] {
        let fingerprints = index.fingerprints
        return (index.byRequest[index.key(position, entries)] ?? []).reversed().lazy.filter {
            $0 < position && (200..<300).contains(entries[$0].status)
        }.prefix(3).map { entries[$0] }.map { e in
            HARPrior(
                index: e.index, cookieNames: cookieNames(e),
                line: "entry \(e.index): \(e.method) \(SecretMasking.maskURL(e.url)) → \(e.status)"
                    + (e.started.map { " at " + HTTPDate.iso8601($0) } ?? ""),
                sameCredentials: fingerprints[e.index] == fingerprints[position], started: e.started)
        }
    }

    // MARK: credentials of a request

    /// Headers that carry an API key outside Authorization and Cookie (`X-API-Key`…); the browser's
    /// own `Sec-*` headers and CSRF tokens are not credentials.
    static func isAPIKeyHeader(_ name: String) -> Bool {
        let lower = name.lowercased()
        if ["authorization", "proxy-authorization", "cookie"].contains(lower) || lower.hasPrefix("sec-")
            || lower.hasPrefix(":") || lower.contains("csrf")
            || lower.contains("xsrf") || lower.contains("authenticat")
        {
            return false
        }
        return SecretMasking.isCredentialHeader(name)
    }

    static func carriesCredentials(_ entry: HAREntry) -> Bool {
        entry.requestHeaders.contains {
            $0.name.lowercased() == "authorization" || $0.name.lowercased() == "proxy-authorization"
                || isAPIKeyHeader($0.name)
        }
    }

    /// A hash of the credential-bearing values: equal hashes mean the same credentials were sent.
    static func credentialFingerprint(_ entry: HAREntry) -> Int {
        var hasher = Hasher()
        for field in entry.requestHeaders {
            let lower = field.name.lowercased()
            guard
                lower == "authorization" || lower == "proxy-authorization" || lower == "cookie"
                    || isAPIKeyHeader(field.name)
            else { continue }
            hasher.combine(lower)
            hasher.combine(field.value)
        }
        return hasher.finalize()
    }

    static func sentScheme(_ headers: [HeaderField]) -> CheckEvidence.SentScheme {
        if let value = headers.first("Authorization")?.drop(while: { $0 == " " }) {
            let scheme = value.prefix { $0 != " " && $0 != "\t" }
            let rest = value.dropFirst(scheme.count).drop { $0 == " " || $0 == "\t" }
            switch scheme.lowercased() {
            case "basic":
                if let bytes = Base64.decode(String(rest)), let text = String(validating: bytes, as: UTF8.self),
                    let colon = text.firstIndex(of: ":")
                {
                    return .basic(
                        user: SecretMasking.displayUser(
                            String(text[..<colon]), passwordIsEmpty: text[text.index(after: colon)...].isEmpty))
                }
                return .basic(user: "?")
            case "bearer": return .bearer
            case "digest":
                if let range = rest.firstRange(of: "username=\"") {
                    let user = rest[range.upperBound...].prefix { $0 != "\"" }
                    return .digest(user: SecretMasking.displayUser(String(user), passwordIsEmpty: false))
                }
                return .digest(user: "?")
            default: return .other(String(scheme))
            }
        }
        if let key = headers.first(where: { isAPIKeyHeader($0.name) }) { return .apiKey(header: key.name) }
        return .none
    }

    static func bearerToken(_ headers: [HeaderField]) -> String? {
        guard let value = headers.first("Authorization")?.trimmingOWS else { return nil }
        let scheme = value.prefix { $0 != " " }
        guard scheme.lowercased() == "bearer" else { return nil }
        return String(value.dropFirst(scheme.count)).trimmingOWS
    }

    /// Names of the cookies the request carried (values are not kept).
    static func cookieNames(_ entry: HAREntry) -> [String] {
        var names: [String] = []
        for value in entry.requestHeaders.values("Cookie") {
            for pair in value.split(separator: ";") {
                let name = pair.split(separator: "=", maxSplits: 1).first.map { String($0).trimmingOWS } ?? ""
                if !name.isEmpty, !names.contains(name) { names.append(name) }
            }
        }
        for cookie in entry.requestCookies where !names.contains(cookie.name) { names.append(cookie.name) }
        return names
    }

    static func host(of url: String) -> String? {
        guard let schemeEnd = url.firstRange(of: "://") else { return nil }
        var authority = url[schemeEnd.upperBound...].prefix { !"/?#".contains($0) }
        if let at = authority.lastIndex(of: "@") { authority = authority[authority.index(after: at)...] }
        if authority.hasPrefix("[") { return String(authority.dropFirst().prefix { $0 != "]" }).lowercased() }
        return String(authority.prefix { $0 != ":" }).lowercased()
    }

    static func scheme(of url: String) -> String { String(url.prefix { $0 != ":" }).lowercased() }

    static func path(of url: String) -> String {
        guard let schemeEnd = url.firstRange(of: "://") else { return "/" }
        let rest = url[schemeEnd.upperBound...].drop { !"/?#".contains($0) }
        let path = rest.prefix { $0 != "?" && $0 != "#" }
        return path.isEmpty ? "/" : String(path)
    }

    static func isLoopback(_ url: String) -> Bool {
        guard let host = host(of: url) else { return false }
        return host == "localhost" || host.hasSuffix(".localhost") || host.hasPrefix("127.") || host == "::1"
    }

    static func userInfoHasPassword(_ url: String) -> Bool {
        guard let schemeEnd = url.firstRange(of: "://") else { return false }
        let authority = url[schemeEnd.upperBound...].prefix { !"/?#".contains($0) }
        guard let at = authority.lastIndex(of: "@") else { return false }
        return authority[..<at].contains(":")
    }
}
