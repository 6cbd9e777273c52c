// Findings about URLs, redirects, repeated requests, DNS, CORS and which component answered.

extension FindingID {
    /// `redirect.authorization-dropped`: A redirect to another origin made the client drop the credentials.
    public static let redirectAuthorizationDropped = FindingID("redirect.authorization-dropped")
    /// `redirect.downgrade`: A redirect leads from https to plain http.
    public static let redirectDowngrade = FindingID("redirect.downgrade")
    /// `redirect.loop`: Redirects do not end within the limit.
    public static let redirectLoop = FindingID("redirect.loop")
    /// `url.variant-succeeds`: A nearby URL answers without 401.
    public static let urlVariantSucceeds = FindingID("url.variant-succeeds")
    /// `transient.flapping`: Identical requests get mixed answers (401 and 2xx).
    public static let transientFlapping = FindingID("transient.flapping")
    /// `transient.recovered`: A plain retry cured the 401.
    public static let transientRecovered = FindingID("transient.recovered")
    /// `dns.address-mismatch`: The addresses this name resolves to answer differently.
    public static let dnsAddressMismatch = FindingID("dns.address-mismatch")
    /// `dns.hosts-override`: /etc/hosts or --resolve pins the name to a fixed address.
    public static let dnsHostsOverride = FindingID("dns.hosts-override")
    /// `dns.resolution-failed`: The host name does not resolve.
    public static let dnsResolutionFailed = FindingID("dns.resolution-failed")
    /// `cors.preflight-unauthorized`: The CORS preflight (OPTIONS) is answered 401.
    public static let corsPreflightUnauthorized = FindingID("cors.preflight-unauthorized")
    /// `cors.preflight-failed`: The CORS preflight does not allow the request, so the browser never sends it.
    public static let corsPreflightFailed = FindingID("cors.preflight-failed")
    /// `responder.identified`: Which component produced the 401.
    public static let responderIdentified = FindingID("responder.identified")
    /// `status.forbidden-semantics`: 401 used where 403 is meant, or 403 where a challenge is meant.
    public static let statusForbiddenSemantics = FindingID("status.forbidden-semantics")
    /// `authz.forbidden`: The credentials were accepted, and this account lacks permission.
    public static let authzForbidden = FindingID("authz.forbidden")
    /// `proxy.second-auth-layer`: Two authentication layers: a front layer took the credentials, a layer behind it
    /// challenges.
    public static let proxySecondAuthLayer = FindingID("proxy.second-auth-layer")
}

extension Catalog {
    static let networkEntries: [CatalogEntry] = [
        CatalogEntry(
            id: .redirectAuthorizationDropped, severity: .error, audience: .user,
            title: "A redirect to another origin made the client drop the credentials",
            explanation: """
                Conforming clients do not carry `Authorization` across a redirect to a different origin \
                (scheme, host or port, RFC 6454): the Fetch standard removes it and curl keeps it only with \
                `--location-trusted`. The redirect target therefore receives no credentials and answers the \
                final 401. Common cases: http→https, example.com→www.example.com, an API host redirecting to a CDN.
                """,
            fix: [
                """
                Call the final URL directly (the last hop in the evidence), e.g. `curl -u alice \
                https://www.example.com/api/`.
                """,
                "Only if you trust every host in the chain: `curl --location-trusted -u alice URL`.",
                "Admin: do not redirect authenticated API endpoints across origins; publish the canonical URL instead.",
            ],
            references: [
                "Fetch standard, HTTP-redirect fetch", "RFC 6454 §4", "RFC 9110 §15.4", "curl --location-trusted",
            ]),

        CatalogEntry(
            id: .redirectDowngrade, severity: .error, audience: .admin,
            title: "A redirect leads from https to plain http",
            explanation: """
                A hop sends the client from an https URL to an http one. Clients that follow it either drop \
                the credentials (the origin changed, so the next request is a 401) or send cookies and \
                credentials in clear text, which is a security hole. It usually comes from an application \
                behind a TLS-terminating proxy that believes it is served over http.
                """,
            fix: [
                """
                Make redirects keep https: Apache `Redirect permanent / https://example.com/`; nginx `return 301 \
                https://$host$request_uri;`.
                """,
                """
                Behind a TLS-terminating proxy, tell the application the original scheme: nginx `proxy_set_header \
                X-Forwarded-Proto $scheme;`, Apache `RequestHeader set X-Forwarded-Proto https`; WordPress then \
                needs `$_SERVER['HTTPS'] = 'on';` when that header is `https` (in wp-config.php).
                """,
                "Add HSTS once https works: `Strict-Transport-Security: max-age=31536000`.",
            ],
            references: ["RFC 9110 §4.2.2", "RFC 9110 §15.4", "RFC 6797 §6.1"]),

        CatalogEntry(
            id: .redirectLoop, severity: .error, audience: .admin,
            title: "Redirects do not end within the limit",
            explanation: """
                The chain of redirects repeats or exceeds the limit, so the client never reaches a response it \
                can authenticate against. Typical causes: a login page that itself requires login, http↔https \
                ping-pong behind a proxy that hides the original scheme, or a `www`/non-`www` rule fighting \
                the application's canonical URL.
                """,
            fix: [
                "See the chain: `curl -sIL --max-redirs 10 https://example.com/path | grep -iE '^(HTTP|location)'`.",
                """
                Exclude the login page and its assets from the protected area (Apache `<Location /login> Require \
                all granted </Location>`).
                """,
                """
                Behind a TLS proxy, forward the scheme (`proxy_set_header X-Forwarded-Proto $scheme;`); WordPress: \
                make `wp option get home` and `wp option get siteurl` use the same scheme and host.
                """,
            ],
            references: ["RFC 9110 §15.4"]),

        CatalogEntry(
            id: .urlVariantSucceeds, severity: .warning, audience: .user,
            title: "A nearby URL answers without 401",
            explanation: """
                A variant of the URL (trailing slash, https, `www.`, different letter case) gets a non-401 \
                answer. Either the URL used is not the one the service expects, or the protection covers only \
                some spellings of the path — e.g. a `<Location>` or `location` that matches `/admin/` but not \
                `/admin`, or case-insensitive files behind a case-sensitive rule — which is a security hole for the \
                admin.
                """,
            fix: [
                "Use the variant shown in the evidence (e.g. add the trailing slash, or switch to https).",
                #"""
                Admin: protect the directory rather than a path spelling (`<Directory "/var/www/html/admin">`), \#
                or use a prefix that covers every form (`<Location "/admin">`, nginx `location /admin`).
                """#,
                """
                Admin: redirect variants to one canonical URL before authentication (`DirectorySlash On`, https \
                and www redirects).
                """,
            ],
            references: ["RFC 3986 §6", "Apache core <Location>", "Apache core <Directory>"]),

        CatalogEntry(
            id: .transientFlapping, severity: .error, audience: .admin,
            title: "Identical requests get mixed answers (401 and 2xx)",
            explanation: """
                The same request with the same credentials is sometimes accepted and sometimes refused. \
                Behind a load balancer this means the backends disagree: one has an old password file, a \
                different JWT key or secret, a local session store, or a clock that is off. Rate limiting or \
                lockout after a number of attempts looks the same.
                """,
            fix: [
                """
                Find the odd backend: `for i in $(seq 20); do curl -s -o /dev/null -w '%{http_code} \
                %{remote_ip}\\n' -u alice https://example.com/path; done | sort | uniq -c`.
                """,
                """
                Keep authentication data identical on every node (e.g. `rsync -a /etc/apache2/.htpasswd \
                node2:/etc/apache2/`, the same JWKS/secret, a shared session store or sticky sessions).
                """,
                "Check each node's clock (`timedatectl status`) and any rate-limit or lockout settings.",
            ],
            references: ["RFC 9110 §15.5.2", "nginx ngx_http_upstream_module"]),

        CatalogEntry(
            id: .transientRecovered, severity: .warning, audience: .user,
            title: "A plain retry cured the 401",
            explanation: """
                The first request got 401 and the identical retry succeeded. The cause was temporary: a token \
                that was being rotated, a backend restarting, a session being re-established, or a cache that \
                expired. It is likely to come back under the same conditions.
                """,
            fix: [
                """
                In clients, retry an idempotent request once after a 401 only when something changed (token \
                refreshed, new nonce); never loop on it.
                """,
                "Run `why401 URL --repeat 20` to see whether the answers flap between backends.",
                "Admin: compare the time of the 401 with deployments and restarts in the server logs.",
            ],
            references: ["RFC 9110 §15.5.2", "RFC 9110 §9.2.2"]),

        CatalogEntry(
            id: .dnsAddressMismatch, severity: .error, audience: .admin,
            title: "The addresses this name resolves to answer differently",
            explanation: """
                The name resolves to several addresses and they do not give the same answer to the same \
                request: one of them is an old server, a node with other credentials, or a different \
                service. Which one a client reaches depends on its resolver and cache, so the 401 appears \
                for some users and not others.
                """,
            fix: [
                """
                Admin: remove or fix the stale record (`dig +short example.com A` and `dig +short example.com \
                AAAA` list them); make every address serve the same configuration.
                """,
                """
                Compare the addresses directly: `curl -u alice --resolve example.com:443:203.0.113.10 \
                https://example.com/path`.
                """,
                """
                User, after the records are fixed, flush the local DNS cache: Linux `resolvectl flush-caches`; \
                macOS `sudo dscacheutil -flushcache; sudo killall -HUP mDNSResponder`; Windows `ipconfig \
                /flushdns`.
                """,
            ],
            references: ["RFC 1034 §4.3.1", "RFC 8305"]),

        CatalogEntry(
            id: .dnsHostsOverride, severity: .warning, audience: .user,
            title: "/etc/hosts or --resolve pins the name to a fixed address",
            explanation: """
                A hosts-file entry (or `--resolve`) sends this name to a fixed address instead of the one in \
                DNS, often a staging server or the old machine after a migration. That server may have \
                other users, passwords or keys, so the same credentials get a 401 there.
                """,
            fix: [
                """
                Look for the entry: `grep -n example.com /etc/hosts` (Windows: \
                `C:\\Windows\\System32\\drivers\\etc\\hosts`).
                """,
                """
                Remove or comment out the line (`sudo nano /etc/hosts`; on Windows edit the file as \
                administrator), or drop the `--resolve` option.
                """,
                """
                Then flush the DNS cache: Linux `resolvectl flush-caches`; macOS `sudo dscacheutil -flushcache; \
                sudo killall -HUP mDNSResponder`; Windows `ipconfig /flushdns`.
                """,
            ],
            references: ["hosts(5)", "curl --resolve"]),

        CatalogEntry(
            id: .dnsResolutionFailed, severity: .error, audience: .user,
            title: "The host name does not resolve",
            explanation: """
                The resolver found no address for the name, so no request could be sent and no 401 could be \
                examined. The name may be misspelled, exist only on a VPN or internal DNS, or a cached \
                negative answer may still be in effect.
                """,
            fix: [
                "Check the spelling and look the name up: `dig +short example.com` or `nslookup example.com`.",
                """
                Connect the VPN if the host is internal; check `resolvectl status` (Linux) for which DNS server is \
                used.
                """,
                """
                Flush the DNS cache: Linux `resolvectl flush-caches`; macOS `sudo dscacheutil -flushcache; sudo \
                killall -HUP mDNSResponder`; Windows `ipconfig /flushdns`.
                """,
            ],
            references: ["RFC 1034 §5", "RFC 2308"]),

        CatalogEntry(
            id: .corsPreflightUnauthorized, severity: .error, audience: .admin,
            title: "The CORS preflight (OPTIONS) is answered 401",
            explanation: """
                Before a cross-origin request with an `Authorization` header, the browser sends an OPTIONS \
                preflight that never carries credentials (Fetch standard). If the server protects OPTIONS too, \
                the preflight gets a 401, the browser reports "Response to preflight request doesn't pass \
                access control check" and the real request is never sent, whatever the credentials.
                """,
            fix: [
                """
                Apache: protect every method except OPTIONS: `<LimitExcept OPTIONS> Require valid-user \
                </LimitExcept>`.
                """,
                """
                nginx: answer preflights before the auth phase: `if ($request_method = OPTIONS) { add_header \
                Access-Control-Allow-Origin $http_origin always; add_header Access-Control-Allow-Headers \
                \"Authorization, Content-Type\" always; return 204; }`.
                """,
                """
                Let the preflight response allow the header: `Access-Control-Allow-Headers: Authorization` (and \
                `Access-Control-Allow-Credentials: true` with an explicit origin for cookies).
                """,
            ],
            references: ["Fetch standard, CORS-preflight fetch", "Apache core <LimitExcept>", "RFC 9110 §9.3.7"]),

        CatalogEntry(
            id: .corsPreflightFailed, severity: .error, audience: .admin,
            title: "The CORS preflight does not allow the request, so the browser never sends it",
            explanation: """
                Before a cross-origin request with an `Authorization` header the browser sends an OPTIONS \
                preflight. Unless the answer is a 2xx whose `Access-Control-Allow-Origin` matches the page's \
                origin (or is `*` for requests without cookies) and whose `Access-Control-Allow-Headers` \
                lists `authorization`, the browser blocks the real request: the page sees a network error or \
                a 401 that its code reports, while curl, which sends no preflight, works. A 405 means the \
                server does not route OPTIONS at all.
                """,
            fix: [
                """
                Answer OPTIONS on this path with 204 and `Access-Control-Allow-Origin: <the page's origin>`, \
                `Access-Control-Allow-Methods: GET, POST, …`, `Access-Control-Allow-Headers: Authorization, \
                Content-Type` (and `Access-Control-Allow-Credentials: true` for cookies).
                """,
                """
                Framework middleware does this: Django `django-cors-headers` (`CORS_ALLOWED_ORIGINS`), \
                FastAPI/Starlette `CORSMiddleware(allow_origins=[…], allow_headers=[\"Authorization\"])`, Flask \
                `flask-cors`, Express `cors()`.
                """,
                """
                nginx: `if ($request_method = OPTIONS) { add_header Access-Control-Allow-Origin $http_origin \
                always; add_header Access-Control-Allow-Headers \"Authorization, Content-Type\" always; return \
                204; }`.
                """,
            ],
            references: ["Fetch standard, CORS-preflight fetch", "Fetch standard, CORS check", "RFC 9110 §9.3.7"]),

        CatalogEntry(
            id: .responderIdentified, severity: .info, audience: .admin,
            title: "Which component produced the 401",
            explanation: """
                The 401 was matched to the component that generated it by its `Server` header, body and \
                other fingerprints: nginx ("401 Authorization Required"), Apache ("401 Unauthorized", \
                iso-8859-1 body), an upstream behind a proxy (`Server: nginx` with Apache's body), IIS, an \
                application framework or an API gateway. The fix belongs in that component's configuration, \
                not necessarily in the one the client talks to.
                """,
            fix: [
                """
                Look in the named component's logs: Apache `/var/log/apache2/error.log`, nginx \
                `/var/log/nginx/error.log`, the application's or gateway's own log.
                """,
                """
                If the 401 came from an upstream behind the proxy, fix authentication there, and check the proxy \
                forwards `Authorization` (`proxy_set_header Authorization $http_authorization;`).
                """,
            ],
            references: ["RFC 9110 §10.2.4", "RFC 9110 §15.5.2"]),

        CatalogEntry(
            id: .statusForbiddenSemantics, severity: .warning, audience: .admin,
            title: "401 used where 403 is meant, or 403 where a challenge is meant",
            explanation: """
                401 means "no valid credentials: authenticate with this challenge"; 403 means "refused, and \
                other credentials will not help". A 401 for a user who is logged in but not permitted makes \
                clients re-prompt or discard a good token; a 403 for missing credentials hides that logging \
                in would work. Apache answers `Require user bob` with 401 (not 403) when another valid user logs in.
                """,
            fix: [
                """
                Application: return 401 with `WWW-Authenticate` only when credentials are missing or invalid; \
                return 403 when the authenticated user lacks permission.
                """,
                """
                Apache `Require user`: add the user (`Require user alice bob`) or use groups (`AuthGroupFile \
                /etc/apache2/groups` + `Require group editors`).
                """,
                "If credentials would help, answer 401 with a challenge instead of 403.",
            ],
            references: ["RFC 9110 §15.5.2", "RFC 9110 §15.5.4", "Apache mod_authz_user"]),
        CatalogEntry(
            id: .authzForbidden, severity: .info, audience: .user,
            title: "The credentials were accepted, and this account lacks permission",
            explanation: """
                Without credentials the server answers 401 with a challenge; with them it answers 403. The \
                authentication step succeeded (otherwise the answer would still be 401) and the authorization \
                step refused: the user, token or key is valid but lacks the role, group, scope or object \
                permission this resource needs. A different password will not help; a grant will.
                """,
            fix: [
                """
                Ask the administrator or API owner for the permission (role, group, scope) this resource needs, or \
                use an account that has it.
                """,
                """
                For an OAuth token, request the scopes the API documents and get a new token; check its \
                `scope`/`scp` claim with `why401 jwt @token.txt`.
                """,
                """
                Admin: check the rule that refused it, e.g. Apache `Require user`/`Require group`, Django REST \
                framework `permission_classes`, FastAPI `Security(..., scopes=[…])`.
                """,
            ],
            references: ["RFC 9110 §15.5.4", "RFC 9110 §15.5.2", "RFC 6750 §3.1"]),

        CatalogEntry(
            id: .proxySecondAuthLayer, severity: .error, audience: .admin,
            title: "Two authentication layers: a front layer took the credentials, a layer behind it challenges",
            explanation: """
                The anonymous request and the credentialed one got different challenges (another scheme or \
                realm) or came from a different responder (`Server`). A component in front — a reverse proxy \
                with its own Basic auth, an API gateway, an SSO proxy — checked the credentials, accepted \
                them, and forwarded the request without them (or with its own); the application behind it \
                then asks for credentials of its own. Retyping the password cannot fix that.
                """,
            fix: [
                """
                Decide which layer authenticates. If the front layer should, let the back end trust it (e.g. a \
                header the proxy sets, `REMOTE_USER`, or no auth on the internal port).
                """,
                """
                If the back end should, make the front layer pass `Authorization` through: nginx `proxy_set_header \
                Authorization $http_authorization;` and no `auth_basic` there; mitmproxy/other proxies: do not \
                strip the header after `--proxyauth`.
                """,
                """
                If both must check, give the client two channels: `Proxy-Authorization` for a forward proxy, or a \
                different header for one layer (e.g. an API key header) so each reads its own.
                """,
            ],
            references: ["RFC 9110 §11.6.2", "RFC 9110 §11.7.1", "RFC 9110 §15.5.2"]),
    ]
}
