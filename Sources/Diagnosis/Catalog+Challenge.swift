// Findings about what the server asked for: the `WWW-Authenticate` / `Proxy-Authenticate` challenges.

extension FindingID {
    /// `challenge.missing`: The 401 response carries no WWW-Authenticate challenge.
    public static let challengeMissing = FindingID("challenge.missing")
    /// `challenge.malformed`: A WWW-Authenticate or Proxy-Authenticate value does not parse.
    public static let challengeMalformed = FindingID("challenge.malformed")
    /// `challenge.basic-no-realm`: Basic challenge without a realm parameter.
    public static let challengeBasicNoRealm = FindingID("challenge.basic-no-realm")
    /// `challenge.digest-weak`: Digest is offered only with MD5 or without qop.
    public static let challengeDigestWeak = FindingID("challenge.digest-weak")
    /// `challenge.unsupported-algorithm`: A Digest challenge names an algorithm outside RFC 7616 that clients cannot
    /// compute.
    public static let challengeUnsupportedAlgorithm = FindingID("challenge.unsupported-algorithm")
    /// `challenge.digest-unanswerable`: A Digest challenge lacks what a client needs to answer it (realm, nonce or a
    /// usable qop).
    public static let challengeDigestUnanswerable = FindingID("challenge.digest-unanswerable")
    /// `challenge.unsupported-scheme`: The server offers only authentication schemes why401 cannot answer.
    public static let challengeUnsupportedScheme = FindingID("challenge.unsupported-scheme")
    /// `challenge.proxy`: A proxy, not the site, asks for credentials (407 Proxy-Authenticate).
    public static let challengeProxy = FindingID("challenge.proxy")
}

extension Catalog {
    static let challengeEntries: [CatalogEntry] = [
        CatalogEntry(
            id: .challengeMissing, severity: .error, audience: .admin,
            title: "The 401 response carries no WWW-Authenticate challenge",
            explanation: """
                RFC 9110 requires every 401 to carry at least one challenge in `WWW-Authenticate` that tells \
                the client which scheme and realm to answer. Without it browsers show no login dialog and \
                clients that wait for a challenge (curl --anyauth or --digest, most Digest libraries) never send \
                credentials, so the request stays 401. It usually means an application or framework answers \
                401 for "not logged in" on its own, or a proxy drops the header.
                """,
            fix: [
                #"""
                Send a challenge with every 401, e.g. `WWW-Authenticate: Basic realm="Private", charset="UTF-8"` \#
                or `WWW-Authenticate: Bearer realm="api"`.
                """#,
                #"""
                Apache sends it for you when the area uses `AuthType Basic` + `AuthName "Private"` \#
                (mod_auth_basic); nginx when `auth_basic "Private";` is set.
                """#,
                """
                If the application uses a login form or cookie session instead of HTTP authentication, answer 303 \
                to the login page (browsers) or 403 (APIs) rather than a bare 401.
                """,
                """
                Behind a proxy, remove any `proxy_hide_header WWW-Authenticate;` (nginx) or `Header unset \
                WWW-Authenticate` (Apache) that hides the upstream's challenge.
                """,
                "Check: `curl -sI https://example.com/path | grep -i '^www-authenticate'` must print a line.",
            ],
            references: ["RFC 9110 §15.5.2", "RFC 9110 §11.6.1"]),

        CatalogEntry(
            id: .challengeMalformed, severity: .error, audience: .admin,
            title: "A WWW-Authenticate or Proxy-Authenticate value does not parse",
            explanation: """
                A challenge is `scheme` followed by either one token68 or comma-separated `name=value` \
                parameters, where a value containing spaces, commas or quotes must be a quoted-string \
                (RFC 9110 §11). Unbalanced quotes, missing commas, typographic quotes or an unquoted realm \
                with spaces make strict clients skip the challenge, so they never send credentials and the \
                401 remains. The finding's evidence names the header and the character offset where parsing failed.
                """,
            fix: [
                #"""
                Quote every parameter value and separate parameters with commas: `WWW-Authenticate: Digest \#
                realm="Private Area", qop="auth", algorithm=SHA-256, nonce="…"`.
                """#,
                #"""
                Apache: quote the realm in the configuration, `AuthName "Private Area"`; nginx: `auth_basic \#
                "Private Area";`.
                """#,
                """
                In application code, build the header with a library or escape `\\` and `\"` inside quoted values \
                instead of concatenating strings.
                """,
                """
                Check: `curl -sI https://example.com/path | grep -i 'authenticate'` and compare with the grammar \
                in RFC 9110 §11.
                """,
            ],
            references: ["RFC 9110 §11.2", "RFC 9110 §11.6.1", "RFC 9110 §11.7.1"]),

        CatalogEntry(
            id: .challengeBasicNoRealm, severity: .warning, audience: .admin,
            title: "Basic challenge without a realm parameter",
            explanation: """
                RFC 7617 makes `realm` a required parameter of the Basic challenge: it names the protection \
                space, which clients use to decide which stored credentials to send and browsers show in the \
                login dialog. Some clients reject or ignore a Basic challenge without it, and password \
                managers cannot match saved credentials, which leads to repeated prompts or a 401 with no retry.
                """,
            fix: [
                #"Send `WWW-Authenticate: Basic realm="Private", charset="UTF-8"`."#,
                #"""
                Apache: add `AuthName "Private"` next to `AuthType Basic`; nginx: give `auth_basic` a text, \#
                `auth_basic "Private";` (`auth_basic off;` disables authentication).
                """#,
            ],
            references: ["RFC 7617 §2", "RFC 9110 §11.5"]),

        CatalogEntry(
            id: .challengeDigestWeak, severity: .warning, audience: .admin,
            title: "Digest is offered only with MD5 or without qop",
            explanation: """
                RFC 7616 adds SHA-256 and SHA-512-256 and recommends `qop="auth"`; a Digest challenge offering \
                only MD5, or no `qop` at all (the RFC 2069 compatibility mode without a client nonce), is open \
                to offline guessing and replay. Stored Digest hashes (`user:realm:MD5(user:realm:password)`) \
                are password-equivalent, and newer clients may refuse MD5, which leaves them with a 401. \
                Apache mod_auth_digest implements only MD5.
                """,
            fix: [
                #"""
                If the server can, offer SHA-256 first: `WWW-Authenticate: Digest realm="Private", qop="auth", \#
                algorithm=SHA-256, nonce="…"` followed by the MD5 challenge for old clients.
                """#,
                """
                Apache: keep `AuthDigestQop auth` (never `none`); since mod_auth_digest has only MD5, prefer \
                `AuthType Basic` over HTTPS with bcrypt hashes made by `htpasswd -B /etc/apache2/.htpasswd alice`.
                """,
                """
                Serve the protected area only over https (`Redirect permanent / https://example.com/` in the \
                port-80 virtual host).
                """,
            ],
            references: ["RFC 7616 §3.3", "RFC 7616 §3.4", "Apache mod_auth_digest"]),

        CatalogEntry(
            id: .challengeUnsupportedAlgorithm, severity: .warning, audience: .admin,
            title: "A Digest challenge names an algorithm outside RFC 7616 that clients cannot compute",
            explanation: """
                RFC 7616 §3.3 and the IANA "HTTP Digest Hash Algorithms" registry define exactly MD5, SHA-256 \
                and SHA-512-256, each also as a `-sess` variant. A server that writes anything else, such as \
                `algorithm=SHA-512` (which is not SHA-512-256: that is SHA-512/256 with its own initial values) \
                or `algorithm=SHA-1`, asks for a hash no conforming client implements: why401, curl and browsers \
                skip the challenge (RFC 7616 §3.3: an unrecognised algorithm is ignored), so unless another \
                challenge in the response can be answered, every login stays at 401. It is not a weak algorithm; \
                it is an unknown one, usually from a hand-written or misconfigured Digest implementation.
                """,
            fix: [
                #"""
                Offer a registered algorithm, strongest first: `WWW-Authenticate: Digest realm="Private", \#
                qop="auth", algorithm=SHA-256, nonce="…"` and, for old clients, the same challenge with \#
                `algorithm=MD5`.
                """#,
                """
                If the configuration says `SHA-512`, the intended algorithm is `SHA-512-256`: change the name and \
                the stored hashes (computed with SHA-512/256, not a truncated SHA-512).
                """,
                """
                Or offer Basic over https alongside (`WWW-Authenticate: Basic realm=\"Private\", \
                charset=\"UTF-8\"`), which every client can answer.
                """,
                """
                Check: `curl -sI https://example.com/path | grep -i '^www-authenticate'` must show `algorithm=` \
                with one of MD5, SHA-256, SHA-512-256 (optionally `-sess`).
                """,
            ],
            references: ["RFC 7616 §3.3", "RFC 7616 §6.1", "IANA HTTP Digest Hash Algorithms"]),

        CatalogEntry(
            id: .challengeDigestUnanswerable, severity: .error, audience: .admin,
            title: "A Digest challenge lacks what a client needs to answer it (realm, nonce or a usable qop)",
            explanation: """
                A Digest response is a hash over the user name, the `realm`, the password, the server's `nonce` \
                and, with `qop`, a client nonce and counter (RFC 7616 §3.4). RFC 7616 §3.3 therefore requires \
                `realm` and `nonce` in every Digest challenge; without either, and with a `qop` list that names \
                neither `auth` nor `auth-int`, or a `-sess` algorithm without any `qop`, no conforming client can \
                compute an answer. Browsers and curl ignore such a challenge and the request stays 401. This is \
                not a weak challenge but an unusable one, typically from an application that builds the header \
                by hand or a proxy that cuts it.
                """,
            fix: [
                #"""
                Send a complete challenge with a fresh nonce per response: `WWW-Authenticate: Digest \#
                realm="Private", qop="auth", algorithm=SHA-256, nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", \#
                opaque="5ccc069c403ebaf9f0171e9517f40e41"`.
                """#,
                """
                `qop` takes `auth` and/or `auth-int` (quoted, comma-separated: `qop=\"auth, auth-int\"`); a \
                `-sess` algorithm needs `qop`.
                """,
                """
                Apache: use mod_auth_digest (`AuthType Digest`, `AuthName \"Private\"`, `AuthDigestProvider \
                file`), which writes the whole challenge itself.
                """,
                """
                Check: `curl -sI https://example.com/path | grep -i '^www-authenticate'` and compare with RFC 7616 \
                §3.3.
                """,
            ],
            references: ["RFC 7616 §3.3", "RFC 7616 §3.4"]),

        CatalogEntry(
            id: .challengeUnsupportedScheme, severity: .info, audience: .user,
            title: "The server offers only authentication schemes why401 cannot answer",
            explanation: """
                The challenges name only schemes such as Negotiate (Kerberos/SPNEGO), NTLM or a custom scheme, \
                which need a domain login or a vendor client rather than a user name, password or bearer token. \
                why401 can parse the challenge but cannot take part in the exchange, so the diagnosis stops \
                here; a client that speaks the scheme is needed.
                """,
            fix: [
                """
                Negotiate (Kerberos): get a ticket with `kinit alice@EXAMPLE.COM`, then `curl --negotiate -u : \
                https://intranet.example.com/`.
                """,
                #"NTLM: `curl --ntlm -u 'EXAMPLE\alice' https://intranet.example.com/` (prompts for the password)."#,
                """
                Browsers use Negotiate only for allow-listed hosts: Chrome/Edge policy `AuthServerAllowlist`, \
                Firefox `about:config` › `network.negotiate-auth.trusted-uris`.
                """,
                """
                For a custom scheme, use the vendor's SDK or documentation; ask the admin whether Basic or Bearer \
                is also available for scripts.
                """,
            ],
            references: ["RFC 9110 §11.1", "RFC 4559", "IANA HTTP Authentication Scheme Registry"]),

        CatalogEntry(
            id: .challengeProxy, severity: .error, audience: .user,
            title: "A proxy, not the site, asks for credentials (407 Proxy-Authenticate)",
            explanation: """
                A 407 status or a `Proxy-Authenticate` header comes from a forward proxy between you and the \
                site. The proxy reads `Proxy-Authorization`, not `Authorization`, so sending the site's \
                credentials, however correct, does not satisfy it, and the site never sees the request. \
                Proxy credentials belong to your network (company proxy), not to the site.
                """,
            fix: [
                """
                curl: `curl -x http://proxy.example.com:3128 --proxy-user alice https://site.example.com/` \
                (prompts for the proxy password).
                """,
                """
                Environment: `export https_proxy=http://alice@proxy.example.com:3128` (put the password in \
                `~/.netrc` rather than the variable); `export no_proxy=.internal.example.com` for hosts that must \
                bypass the proxy.
                """,
                """
                Browsers take the proxy from the OS settings and prompt for proxy credentials themselves; ask your \
                network team for the account to use.
                """,
            ],
            references: ["RFC 9110 §15.5.8", "RFC 9110 §11.7.1", "RFC 9110 §11.7.2"]),
    ]
}
