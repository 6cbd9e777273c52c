import Evidence
import HTTPAuth

/// The cookies the file's responses set, replayed in file order, so each diagnosed request can be
/// compared with what a browser would have sent: a cookie that expired since the login, one scoped
/// to another path or domain, a Secure cookie on http, a SameSite cookie on a cross-site request,
/// or one set by a response and simply missing from the next request. Values are never kept.
struct HARCookieJar {
    struct Stored {
        var cookie: CookieJar.Cookie
        var sameSite: String?
        var hostOnly: Bool
        /// The entry whose response set it.
        var setBy: Int
        var setByLine: String
    }

    /// Keyed by name, domain and path (RFC 6265 §5.3 step 11: a new cookie replaces the old one).
    var stored: [String: Stored] = [:]
    var order: [String] = []

    mutating func store(from entry: HAREntry) {
        let host = HARAnalysis.host(of: entry.url) ?? ""
        let time = entry.started ?? 0
        var parsed: [(CookieJar.Cookie, String?, Bool, Bool)] = entry.responseHeaders.values("Set-Cookie").flatMap {
            value in
            // Some producers join several Set-Cookie lines with newlines into one header value.
            value.split(whereSeparator: \.isNewline).compactMap {
                Self.parseSetCookie(String($0), host: host, requestPath: HARAnalysis.path(of: entry.url), now: time)
            }
        }
        if parsed.isEmpty {
            parsed = entry.responseCookies.map { c in
                let domain = c.domain.map { $0.lowercased() }
                let bare = domain.map { $0.hasPrefix(".") ? String($0.dropFirst()) : $0 } ?? host
                let deleted = c.expires.map { $0 <= time } ?? false
                return (
                    CookieJar.Cookie(
                        domain: bare, includeSubdomains: domain != nil,
                        path: c.path ?? Self.defaultPath(HARAnalysis.path(of: entry.url)),
                        secure: c.secure, expires: c.expires ?? 0, name: c.name, value: "", httpOnly: c.httpOnly),
                    c.sameSite, domain == nil, deleted
                )
            }
        }
        for (cookie, sameSite, hostOnly, deleted) in parsed {
            let key = "\(cookie.name)\u{0}\(cookie.domain)\u{0}\(cookie.path)"
            if deleted {
                stored[key] = nil
                order.removeAll { $0 == key }
                continue
            }
            if stored[key] == nil { order.append(key) }
            stored[key] = Stored(
                cookie: cookie, sameSite: sameSite, hostOnly: hostOnly, setBy: entry.index,
                setByLine: "entry \(entry.index): \(entry.method) \(SecretMasking.maskURL(entry.url))")
        }
    }

    /// `name=value; Path=/; Domain=example.com; Max-Age=3600; Secure; HttpOnly; SameSite=Lax`.
    /// Returns the cookie (value dropped), SameSite, host-only, and whether it deletes the cookie.
    static func parseSetCookie(_ line: String, host: String, requestPath: String, now: Double) -> (
        CookieJar.Cookie, String?, Bool, Bool
    )? {
        let parts = line.split(separator: ";", omittingEmptySubsequences: false)
        guard let pair = parts.first, let eq = pair.firstIndex(of: "=") else { return nil }
        let name = pair[..<eq].trimmingOWS
        guard !name.isEmpty else { return nil }
        var domain: String?
        var path: String?
        var expires: Double?
        var maxAge: Double?
        var secure = false
        var httpOnly = false
        var sameSite: String?
        for attribute in parts.dropFirst() {
            let kv = attribute.split(separator: "=", maxSplits: 1).map { $0.trimmingOWS }
            guard let key = kv.first?.lowercased() else { continue }
            let value = kv.count > 1 ? kv[1] : ""
            switch key {
            case "domain":
                if !value.isEmpty { domain = (value.hasPrefix(".") ? String(value.dropFirst()) : value).lowercased() }
            case "path": if value.hasPrefix("/") { path = value }
            case "expires": expires = HTTPDate.parse(value)
            case "max-age": maxAge = Double(value)
            case "secure": secure = true
            case "httponly": httpOnly = true
            case "samesite": sameSite = value
            default: break
            }
        }
        var expiry = expires ?? 0
        if let maxAge { expiry = now + maxAge }
        let deleted =
            (maxAge.map { $0 <= 0 } ?? false) || (maxAge == nil && expires.map { now > 0 && $0 <= now } ?? false)
        let cookie = CookieJar.Cookie(
            domain: domain ?? host, includeSubdomains: domain != nil, path: path ?? defaultPath(requestPath),
            secure: secure,
            expires: expiry == 0 && (expires != nil || maxAge != nil) ? 1 : expiry, name: name, value: "",
            httpOnly: httpOnly)
        return (cookie, sameSite, domain == nil, deleted)
    }

    /// RFC 6265 §5.1.4 default-path.
    static func defaultPath(_ path: String) -> String {
        guard path.hasPrefix("/"), let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }

    /// Stored cookies this request did not carry, and why.
    func unsent(for entry: HAREntry, at time: Double, judgeDropped: Bool) -> [CheckEvidence.UnsentCookie] {
        guard let host = HARAnalysis.host(of: entry.url), !stored.isEmpty else { return [] }
        let sent = Set(HARAnalysis.cookieNames(entry))
        let candidates = order.compactMap { stored[$0] }.filter { !sent.contains($0.cookie.name) }
        var jar = CookieJar(text: "")
        jar.cookies = candidates.map(\.cookie)
        let selection = jar.select(
            scheme: HARAnalysis.scheme(of: entry.url), host: host, path: HARAnalysis.path(of: entry.url), now: time)
        func origin(_ cookie: CookieJar.Cookie) -> Stored? { candidates.first { $0.cookie == cookie } }
        var out: [CheckEvidence.UnsentCookie] = []
        for (cookie, exclusion) in selection.excluded {
            guard let info = origin(cookie) else { continue }
            let setBy = "set by \(info.setByLine)"
            switch exclusion {
            case .expired(let at):
                out.append(.init(name: "\(cookie.name) (\(setBy))", reason: "expired", expired: true, expiredAt: at))
            case .domain:
                let scope =
                    info.hostOnly
                    ? "it is host-only (set without Domain) for \(cookie.domain)"
                    : "its domain \(cookie.domain) does not match \(host)"
                out.append(.init(name: cookie.name, reason: "\(scope); \(setBy)", expired: false))
            case .path(let path):
                out.append(
                    .init(
                        name: cookie.name,
                        reason: "its path \(path) does not match \(HARAnalysis.path(of: entry.url)); \(setBy)",
                        expired: false))
            case .secureOnly:
                out.append(
                    .init(name: cookie.name, reason: "it is Secure and the URL is plain http; \(setBy)", expired: false)
                )
            }
        }
        guard judgeDropped else { return out }
        let crossSite = entry.requestHeader("Sec-Fetch-Site")?.lowercased() == "cross-site"
        let topLevelGET = entry.method == "GET" && entry.requestHeader("Sec-Fetch-Mode")?.lowercased() == "navigate"
        for cookie in selection.send {
            guard let info = origin(cookie) else { continue }
            let sameSite = info.sameSite?.lowercased()
            let reason: String
            if crossSite && sameSite == "strict" {
                reason = "SameSite=Strict and the request is cross-site; set by \(info.setByLine)"
            } else if crossSite && (sameSite == "lax" || sameSite == nil) && !topLevelGET {
                reason =
                    """
                    SameSite=\(info.sameSite ?? "Lax (the default)") and the request is a cross-site \
                    \(entry.method) that is not a top-level navigation; set by \(info.setByLine)
                    """
            } else {
                reason =
                    """
                    set by \(info.setByLine) and in scope here, but this request did not carry it (the client \
                    dropped it)
                    """
            }
            out.append(.init(name: cookie.name, reason: reason, expired: false))
        }
        return out
    }
}
