// Findings about what the client sent: the `Authorization` header and the credentials in it.

extension FindingID {
    /// `credentials.missing`: The server wants credentials and the request sent none.
    public static let credentialsMissing = FindingID("credentials.missing")
    /// `credentials.scheme-mismatch`: The Authorization scheme sent is not one the server offered.
    public static let credentialsSchemeMismatch = FindingID("credentials.scheme-mismatch")
    /// `credentials.rejected`: Well-formed credentials of an offered scheme were refused.
    public static let credentialsRejected = FindingID("credentials.rejected")
    /// `credentials.malformed`: The Authorization header value is malformed.
    public static let credentialsMalformed = FindingID("credentials.malformed")
    /// `credentials.whitespace`: Whitespace or a newline inside the user name, password or token.
    public static let credentialsWhitespace = FindingID("credentials.whitespace")
    /// `credentials.non-ascii`: Non-ASCII Basic credentials without charset="UTF-8" in the challenge.
    public static let credentialsNonAscii = FindingID("credentials.non-ascii")
    /// `credentials.colon-in-user`: The Basic user name contains a colon.
    public static let credentialsColonInUser = FindingID("credentials.colon-in-user")
    /// `credentials.caps-lock`: The password works with its letter case inverted (Caps Lock).
    public static let credentialsCapsLock = FindingID("credentials.caps-lock")
    /// `credentials.insecure-transport`: Credentials are sent over plain http.
    public static let credentialsInsecureTransport = FindingID("credentials.insecure-transport")
    /// `credentials.in-url`: User name and password are embedded in the URL (user:pass@host).
    public static let credentialsInUrl = FindingID("credentials.in-url")
    /// `credentials.in-query`: A token or API key travels in the query string, where this server does not read it.
    public static let credentialsInQuery = FindingID("credentials.in-query")
    /// `credentials.not-received`: Credentials were sent but the server answered as if none arrived.
    public static let credentialsNotReceived = FindingID("credentials.not-received")
    /// `server.auth-backend-error`: The server cannot check passwords: 401 without credentials, 5xx or 403 with them.
    public static let serverAuthBackendError = FindingID("server.auth-backend-error")
    /// `digest.stale-nonce`: Digest answer refused as stale (stale=true); a fresh nonce works.
    public static let digestStaleNonce = FindingID("digest.stale-nonce")
}

extension Catalog {
    static let credentialsEntries: [CatalogEntry] = [
        CatalogEntry(
            id: .credentialsMissing, severity: .error, audience: .user,
            title: "The server wants credentials and the request sent none",
            explanation: """
                The resource is protected and the request carried no `Authorization` header (and no session \
                cookie the server accepted), so the server answers with its challenge. Typical causes: curl \
                without `-u`, an empty token variable, a client that sends credentials only after a challenge \
                it does not recognise, or a browser `fetch()` that omits cookies on a cross-origin call.
                """,
            fix: [
                """
                curl: `curl -u alice https://example.com/path` (prompts for the password) or `curl -H \
                \"Authorization: Bearer $TOKEN\" https://example.com/path`; check `echo ${#TOKEN}` is not 0.
                """,
                """
                JavaScript: `fetch(url, { headers: { Authorization: 'Bearer ' + token } })`; for a cookie session \
                on another origin add `credentials: 'include'`.
                """,
                """
                Python requests: `requests.get(url, auth=('alice', password))` or `headers={'Authorization': \
                f'Bearer {token}'}`.
                """,
            ],
            references: ["RFC 9110 §11.6.2", "RFC 9110 §15.5.2"]),

        CatalogEntry(
            id: .credentialsSchemeMismatch, severity: .error, audience: .user,
            title: "The Authorization scheme sent is not one the server offered",
            explanation: """
                The server evaluates only the schemes it lists in `WWW-Authenticate`; credentials in another \
                scheme (a Bearer token sent to a Basic area, Basic sent to a Digest area) are ignored or \
                refused, whatever their value. Apache logs this as `AH01614: client used wrong authentication \
                scheme` (Basic) or `AH01781` (Digest).
                """,
            fix: [
                """
                Answer with an offered scheme: `curl --basic -u alice URL`, `curl --digest -u alice URL`, or let \
                curl choose with `curl --anyauth -u alice URL`.
                """,
                """
                If the API is meant to take Bearer tokens, the web server must not demand Basic in front of it: \
                remove `AuthType Basic`/`Require valid-user` (Apache) or `auth_basic` (nginx) from that location \
                and let the application check the token.
                """,
            ],
            references: ["RFC 9110 §11.6.1", "RFC 9110 §11.6.2", "Apache mod_auth_basic"]),

        CatalogEntry(
            id: .credentialsRejected, severity: .error, audience: .user,
            title: "Well-formed credentials of an offered scheme were refused",
            explanation: """
                The request answered the server's challenge correctly in form, and the server still answered \
                401: it does not accept this user name and password (or token). Either the user does not \
                exist, the password is wrong, the account is locked or disabled, or the stored hash is one the \
                server cannot verify; the server's error log says which (Apache AH01617/AH01618, nginx \
                "password mismatch" / "was not found in").
                """,
            fix: [
                """
                Retype the password; user names are case-sensitive. Try `why401 URL -u alice --try-variants` to \
                test Caps-Lock and trimmed variants (counts against any lockout).
                """,
                """
                Admin: verify the password offline with `htpasswd -v /etc/apache2/.htpasswd alice` (exit 0 match, \
                3 mismatch, 6 no such user).
                """,
                """
                Admin: reset it with `htpasswd -B /etc/apache2/.htpasswd alice`, then read the reason with `grep \
                -E 'AH0161[78]|password mismatch|was not found in' /var/log/apache2/error.log \
                /var/log/nginx/error.log`.
                """,
                """
                For a token, obtain a new one from the issuer; for an account lockout, wait or ask the admin to \
                unlock it.
                """,
            ],
            references: ["RFC 9110 §15.5.2", "RFC 7617 §2"]),

        CatalogEntry(
            id: .credentialsMalformed, severity: .error, audience: .user,
            title: "The Authorization header value is malformed",
            explanation: """
                Basic credentials must be `Basic ` followed by the base64 of `user:password`, and a Bearer \
                token must be one token without spaces or quotes. Invalid base64, a missing colon, a doubled \
                `Bearer Bearer`, quotes around the token or spaces inside it make the server unable to read \
                the credentials at all, so it treats the request as unauthenticated (Apache logs \
                `AH01618: user  not found` with an empty name).
                """,
            fix: [
                """
                Let the client build the header: `curl -u 'alice:secret' URL` instead of a hand-made `-H \
                'Authorization: Basic …'`.
                """,
                """
                If you must build it, use `printf '%s' 'alice:secret' | base64` (not `echo`, which adds a newline) \
                and send `Authorization: Basic <result>`.
                """,
                """
                Bearer: exactly `Authorization: Bearer <token>` — one space, no quotes, no second `Bearer` (check \
                code that prepends `Bearer ` to a value that already has it).
                """,
            ],
            references: ["RFC 7617 §2", "RFC 6750 §2.1", "RFC 9110 §11.4"]),

        CatalogEntry(
            id: .credentialsWhitespace, severity: .error, audience: .user,
            title: "Whitespace or a newline inside the user name, password or token",
            explanation: """
                Servers compare credentials byte for byte, so a trailing newline, a carriage return from a \
                Windows-edited file, or a leading space copied from a web page makes otherwise correct \
                credentials wrong. Bearer tokens may not contain whitespace at all (RFC 6750 b64token), \
                and a newline inside a header value can break the request.
                """,
            fix: [
                """
                Read secrets without line endings: `TOKEN=$(tr -d '[:space:]' < token.txt)`; convert Windows files \
                with `dos2unix token.txt` or `tr -d '\\r'`.
                """,
                """
                Use `printf '%s'` instead of `echo` when piping a secret; in code call `.trim()` (JavaScript), \
                `.strip()` (Python) or `.trimmingCharacters(in: .whitespacesAndNewlines)` (Swift) before use.
                """,
                """
                When copying from a password manager or web page, paste into a plain-text field first to check for \
                leading and trailing spaces.
                """,
            ],
            references: ["RFC 7617 §2", "RFC 6750 §2.1"]),

        CatalogEntry(
            id: .credentialsNonAscii, severity: .error, audience: .user,
            title: "Non-ASCII Basic credentials without charset=\"UTF-8\" in the challenge",
            explanation: """
                Basic credentials are bytes; unless the challenge says `charset="UTF-8"` (RFC 7617 §2.1) the \
                encoding of non-ASCII characters is unspecified, and clients differ (ISO-8859-1, UTF-8, the \
                terminal's locale). If the client encodes `ü` differently from the way the password was \
                hashed, the server sees a different password and refuses it.
                """,
            fix: [
                """
                Quickest: change the password to ASCII characters only (admin: `htpasswd -B /etc/apache2/.htpasswd \
                alice`).
                """,
                """
                Send UTF-8: run curl in a UTF-8 locale (`LC_ALL=C.UTF-8 curl -u alice URL`), or in code encode \
                `user:password` as UTF-8 before base64.
                """,
                #"""
                Application servers: announce the encoding with `WWW-Authenticate: Basic realm="Private", \#
                charset="UTF-8"` and decode UTF-8.
                """#,
            ],
            references: ["RFC 7617 §2.1", "RFC 7617 §2"]),

        CatalogEntry(
            id: .credentialsColonInUser, severity: .error, audience: .user,
            title: "The Basic user name contains a colon",
            explanation: """
                Basic sends `user:password` and the server splits at the first colon, so a user name such as \
                `corp:alice` arrives as user `corp` with password `alice:…`; RFC 7617 forbids colons in the \
                user-id for that reason. The login can never succeed as written.
                """,
            fix: [
                "Use a user name without `:` (e.g. `corp-alice` or an e-mail address).",
                """
                Admin: create the new name with `htpasswd -B /etc/apache2/.htpasswd corp-alice` (htpasswd itself \
                refuses names with a colon) and update `Require user` lines.
                """,
            ],
            references: ["RFC 7617 §2"]),

        CatalogEntry(
            id: .credentialsCapsLock, severity: .error, audience: .user,
            title: "The password works with its letter case inverted (Caps Lock)",
            explanation: """
                With `--try-variants`, why401 retried the password with upper and lower case swapped and the \
                server accepted it. The password was typed (or stored) with Caps Lock on; passwords are \
                case-sensitive, so the original attempt was refused.
                """,
            fix: [
                "Turn Caps Lock off and type the password again.",
                """
                If the stored password was set with Caps Lock on, set it again: `htpasswd -B \
                /etc/apache2/.htpasswd alice` (admin) or the site's password-change page.
                """,
            ],
            references: ["RFC 7617 §2", "RFC 9110 §15.5.2"]),

        CatalogEntry(
            id: .credentialsInsecureTransport, severity: .warning, audience: .user,
            title: "Credentials are sent over plain http",
            explanation: """
                Basic credentials are only base64-encoded and Bearer tokens are sent as they are; over plain \
                http anyone on the path (Wi-Fi, proxy, ISP) can read and reuse them. RFC 7617 and RFC 6750 \
                require TLS for that reason, and some servers and clients refuse to send or accept them \
                without it (WordPress application passwords need https).
                """,
            fix: [
                "Use the https URL: `curl -u alice https://example.com/path`.",
                """
                Admin: enable TLS (`sudo certbot --apache -d example.com` or `sudo certbot --nginx -d \
                example.com`) and redirect port 80: Apache `Redirect permanent / https://example.com/`, nginx \
                `return 301 https://$host$request_uri;`.
                """,
                "If the password already travelled over http on an untrusted network, change it.",
            ],
            references: ["RFC 7617 §4", "RFC 6750 §5.3", "RFC 9110 §17.16"]),

        CatalogEntry(
            id: .credentialsInUrl, severity: .warning, audience: .user,
            title: "User name and password are embedded in the URL (user:pass@host)",
            explanation: """
                RFC 9110 deprecates userinfo in http(s) URLs: browsers strip it or refuse such URLs for \
                subresources, `fetch()` throws a TypeError, and many libraries ignore it, so the request goes \
                out without credentials and gets the 401. Where it works, the password ends up in shell \
                history, logs and Referer headers.
                """,
            fix: [
                "curl: `curl -u alice https://example.com/path` instead of `https://alice:secret@example.com/path`.",
                """
                Code: send an `Authorization` header built by the HTTP library (e.g. `requests.get(url, \
                auth=('alice', pw))`).
                """,
                """
                Remove the URL from shell history (`history -d N`) and change the password if the URL was shared \
                or logged.
                """,
            ],
            references: ["RFC 9110 §4.2.4", "RFC 3986 §3.2.1"]),

        CatalogEntry(
            id: .credentialsInQuery, severity: .warning, audience: .user,
            title: "A token or API key travels in the query string, where this server does not read it",
            explanation: """
                The URL carries a credential as a query parameter (`access_token=`, `api_key=`, `token=`, \
                `key=`…) and the server still answers 401 with a challenge for a header. RFC 6750 §2.3 makes \
                the query form optional and most servers do not accept it; those that do leak the token into \
                access logs, browser history and `Referer` headers. The server reads the credential from the \
                header its challenge names.
                """,
            fix: [
                """
                Send the token in the header the server reads: `curl -H \"Authorization: Bearer $TOKEN\" URL` \
                (without the query parameter).
                """,
                "For an API key, use the header the API documents (often `X-API-Key: KEY`), not `?api_key=`.",
                """
                Rotate the key or token if the URL was logged or shared: query strings land in access logs and \
                proxies.
                """,
            ],
            references: ["RFC 6750 §2.3", "RFC 6750 §5.3", "RFC 9110 §11.6.2"]),

        CatalogEntry(
            id: .credentialsNotReceived, severity: .error, audience: .admin,
            title: "Credentials were sent but the server answered as if none arrived",
            explanation: """
                A credentialed request got exactly the anonymous challenge, e.g. a Bearer challenge without \
                `error=` after a token was sent (RFC 6750 §3.1 says a server that received a bad token \
                returns `error="invalid_token"`). Something between the client and the code that checks \
                the credentials removes `Authorization`: Apache does not pass it to CGI/FastCGI/PHP-FPM \
                without `CGIPassAuth On`, and a proxy can drop or overwrite it.
                """,
            fix: [
                """
                Apache 2.4.13+ with CGI/PHP-FPM: `CGIPassAuth On` in the `<Directory>` block (or `.htaccess` with \
                `AllowOverride AuthConfig`).
                """,
                #"""
                Older Apache: `SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1`, or `RewriteEngine On` + \#
                `RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]`.
                """#,
                """
                nginx with PHP-FPM: `fastcgi_param HTTP_AUTHORIZATION $http_authorization;` in the `location ~ \
                \\.php$` block.
                """,
                #"""
                nginx as a proxy: remove `proxy_set_header Authorization "";` or set `proxy_set_header \#
                Authorization $http_authorization;`; check load balancers and CDNs in front for header filtering.
                """#,
                """
                Reload (`sudo apachectl configtest && sudo systemctl reload apache2`, `sudo nginx -t && sudo \
                systemctl reload nginx`) and rerun why401.
                """,
            ],
            references: [
                "RFC 6750 §3.1", "Apache core CGIPassAuth", "nginx ngx_http_fastcgi_module fastcgi_param",
                "nginx ngx_http_proxy_module proxy_set_header",
            ]),

        CatalogEntry(
            id: .serverAuthBackendError, severity: .error, audience: .admin,
            title: "The server cannot check passwords: 401 without credentials, 5xx or 403 with them",
            explanation: """
                Anonymous requests get the normal 401 challenge, but any credentialed request fails with a \
                server error, so no password can ever succeed. Measured on real servers: Apache answers 500 \
                when AuthUserFile is missing or unreadable (error log AH01620 "Could not open password file"); \
                nginx answers 403 when auth_basic_user_file is missing and 500 when it is unreadable \
                (`open() "…" failed`). LDAP, database or SSO backends that are down behave the same way.
                """,
            fix: [
                #"""
                Read the reason: `grep -E 'AH01620|open\(\) ".*" failed' /var/log/apache2/error.log \#
                /var/log/nginx/error.log`.
                """#,
                """
                Check the file exists and the worker can read it: `ls -l /etc/apache2/.htpasswd`, `sudo -u \
                www-data cat /etc/apache2/.htpasswd > /dev/null`, `namei -l /etc/apache2/.htpasswd`.
                """,
                """
                Fix ownership and mode: `chmod 640 /etc/apache2/.htpasswd && chown root:www-data \
                /etc/apache2/.htpasswd`; create a missing file with `htpasswd -c -B /etc/apache2/.htpasswd alice` \
                (`-c` only for a new file: it overwrites).
                """,
                """
                For LDAP/database backends, check the backend is reachable from the web server (`ldapsearch -H \
                ldap://ldap.example.com -x -b '' -s base`) and its bind credentials.
                """,
            ],
            references: [
                "Apache mod_authn_file AuthUserFile", "nginx ngx_http_auth_basic_module auth_basic_user_file",
                "RFC 9110 §15.6.1",
            ]),

        CatalogEntry(
            id: .digestStaleNonce, severity: .error, audience: .user,
            title: "Digest answer refused as stale (stale=true); a fresh nonce works",
            explanation: """
                The server's new challenge says `stale=true`: the user name and password were right, but the \
                nonce they were computed with has expired (RFC 7616 §3.3). A client should retry at once with \
                the new nonce without asking for the password again; clients that reuse or cache an old \
                nonce, or give up on the first 401, stay unauthorized.
                """,
            fix: [
                """
                Use a client that handles `stale=true` (curl `--digest` does); in your own code, on a 401 with \
                `stale=true` recompute the response with the new nonce and retry once.
                """,
                "Do not cache Digest nonces across long pauses; start each session with a fresh challenge.",
                "Admin (Apache): lengthen the nonce lifetime if clients are slow, `AuthDigestNonceLifetime 300`.",
            ],
            references: ["RFC 7616 §3.3", "RFC 7616 §3.4", "Apache mod_auth_digest AuthDigestNonceLifetime"]),
    ]
}
