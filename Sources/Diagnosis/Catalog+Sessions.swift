// Findings about cookie sessions and caches that store or serve 401s and authenticated answers.

extension FindingID {
    /// `session.expired-cookie`: A cookie in the jar or HAR has expired.
    public static let sessionExpiredCookie = FindingID("session.expired-cookie")
    /// `session.cookie-not-sent`: A stored cookie is not sent with the request (Domain, Path, Secure, SameSite).
    public static let sessionCookieNotSent = FindingID("session.cookie-not-sent")
    /// `session.stale-cookie`: A stale session cookie causes the 401; without cookies the site works.
    public static let sessionStaleCookie = FindingID("session.stale-cookie")
    /// `cache.cacheable-401`: A cache may store, or did serve, the 401.
    public static let cacheCacheable401 = FindingID("cache.cacheable-401")
    /// `cache.shared-authenticated`: An authenticated response may be stored by a shared cache.
    public static let cacheSharedAuthenticated = FindingID("cache.shared-authenticated")
}

extension Catalog {
    static let sessionEntries: [CatalogEntry] = [
        CatalogEntry(
            id: .sessionExpiredCookie, severity: .warning, audience: .user,
            title: "A cookie in the jar or HAR has expired",
            explanation: """
                A stored cookie's `Expires`/`Max-Age` has passed, so clients drop it and no longer send it \
                (RFC 6265 §5.3). If it is the session cookie, the server sees an anonymous request and \
                answers 401 (or redirects to the login page); the fix is a new login, not the same request again.
                """,
            fix: [
                """
                Log in again to get a fresh session cookie; for curl, repeat the login request with `-c \
                cookies.txt` and then use `-b cookies.txt`.
                """,
                """
                Browsers: clear the site's cookies, then log in — Chrome: Settings › Privacy and security › \
                Third-party cookies › See all site data and permissions…; Firefox: Settings › Privacy & Security › \
                Cookies and Site Data › Manage Data…; Safari: Settings › Privacy › Manage Website Data….
                """,
                "Admin: if sessions expire too soon, lengthen the session lifetime or refresh the cookie on activity.",
            ],
            references: ["RFC 6265 §5.3", "RFC 6265 §4.1.2.1", "RFC 6265 §4.1.2.2"]),

        CatalogEntry(
            id: .sessionCookieNotSent, severity: .error, audience: .admin,
            title: "A stored cookie is not sent with the request (Domain, Path, Secure, SameSite)",
            explanation: """
                The client holds a session cookie but its attributes exclude this request: a `Domain` or \
                `Path` that does not match the URL, `Secure` on an http URL, or `SameSite=Lax/Strict` on a \
                cross-site request (RFC 6265 §5.4). The server then sees no session and answers 401. The \
                attributes are set by the server; the URL is chosen by the user.
                """,
            fix: [
                """
                User: use the same scheme and host you logged in on (e.g. https://www.example.com, not \
                http://example.com).
                """,
                """
                Admin: set the cookie for every host and path that needs it, e.g. `Set-Cookie: session=…; \
                Domain=example.com; Path=/; Secure; HttpOnly; SameSite=Lax`.
                """,
                """
                Admin, for cross-site API calls with cookies: `SameSite=None; Secure`, plus \
                `Access-Control-Allow-Credentials: true` and an explicit `Access-Control-Allow-Origin`; the page \
                must call `fetch(url, { credentials: 'include' })`.
                """,
            ],
            references: ["RFC 6265 §5.4", "RFC 6265 §4.1.2.3", "RFC 6265 §4.1.2.4", "RFC 6265 §4.1.2.5"]),

        CatalogEntry(
            id: .sessionStaleCookie, severity: .error, audience: .user,
            title: "A stale session cookie causes the 401; without cookies the site works",
            explanation: """
                Replayed with its cookies the request gets 401, but without them it gets the normal login \
                challenge or succeeds. The cookie refers to a session the server no longer knows (expired, \
                logged out elsewhere, server restarted, secret rotated), and some applications refuse the \
                request instead of starting over. Clearing this site's cookies fixes it.
                """,
            fix: [
                """
                Chrome: Settings › Privacy and security › Third-party cookies › See all site data and permissions… \
                › search the site › Delete.
                """,
                """
                Firefox: Settings › Privacy & Security › Cookies and Site Data › Manage Data… › select the site › \
                Remove Selected.
                """,
                "Safari: Settings › Privacy › Manage Website Data… › select the site › Remove.",
                "curl/scripts: delete the cookie jar (`rm cookies.txt`) and log in again.",
                """
                Admin: treat an unknown session cookie as no session (clear it with `Set-Cookie: session=; \
                Max-Age=0` and show the login).
                """,
            ],
            references: ["RFC 6265 §5.3", "RFC 6265 §5.4"]),

        CatalogEntry(
            id: .cacheCacheable401, severity: .error, audience: .admin,
            title: "A cache may store, or did serve, the 401",
            explanation: """
                A 401 is not cacheable by default, but explicit freshness (`Cache-Control: max-age`/`public`, \
                `Expires`) lets caches store it, and `Age` or `X-Cache: HIT` shows one served it. A stored 401 \
                is replayed to clients that do send valid credentials, so they keep getting 401 until it \
                expires or is purged.
                """,
            fix: [
                #"Apache: `Header always set Cache-Control "no-store" "expr=%{REQUEST_STATUS} == 401"` (mod_headers)."#,
                #"""
                nginx: in the protected location `add_header Cache-Control "no-store" always;`; with proxy_cache, \#
                `proxy_cache_valid 401 0;` and `proxy_no_cache $http_authorization;`.
                """#,
                """
                Purge the stored 401 from the CDN/reverse-proxy cache; a user can bypass it meanwhile with `curl \
                -H 'Cache-Control: no-cache' …`.
                """,
            ],
            references: ["RFC 9111 §3", "RFC 9111 §4.2.2", "RFC 9111 §5.2.2.5", "RFC 9111 §3.5"]),

        CatalogEntry(
            id: .cacheSharedAuthenticated, severity: .error, audience: .admin,
            title: "An authenticated response may be stored by a shared cache",
            explanation: """
                A 2xx answer to an authenticated request is marked cacheable for shared caches (`public`, \
                `s-maxage`, or authenticated by cookie) without `private` or `Vary: Authorization`/`Vary: Cookie`. \
                A CDN or reverse proxy may then serve one user's content to another, or an anonymous user's \
                cached answer to everyone: a security hole and a source of confusing 401/200 mixes.
                """,
            fix: [
                """
                Mark per-user answers `Cache-Control: private` (or `no-store` for sensitive data), and add `Vary: \
                Authorization` (or `Vary: Cookie` for cookie sessions).
                """,
                #"""
                Apache: `Header always set Cache-Control "private, no-store"` in the protected area; nginx: \#
                `add_header Cache-Control "private" always;`.
                """#,
                """
                nginx proxy_cache: `proxy_no_cache $http_authorization $cookie_session;` and `proxy_cache_bypass \
                $http_authorization $cookie_session;`.
                """,
            ],
            references: ["RFC 9111 §3.5", "RFC 9111 §5.2.2.7", "RFC 9110 §12.5.5"]),
    ]
}
