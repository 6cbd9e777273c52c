// Findings from access and error logs.

extension FindingID {
    /// `logs.spike`: The rate of 401 responses jumped.
    public static let logsSpike = FindingID("logs.spike")
    /// `logs.brute-force`: One client gets many 401s: likely password guessing.
    public static let logsBruteForce = FindingID("logs.brute-force")
    /// `logs.never-succeeds`: A client, user or path gets only 401s, never a success.
    public static let logsNeverSucceeds = FindingID("logs.never-succeeds")
    /// `logs.password-mismatch`: Error log: a user's password did not match.
    public static let logsPasswordMismatch = FindingID("logs.password-mismatch")
    /// `logs.user-not-found`: Error log: the user is unknown.
    public static let logsUserNotFound = FindingID("logs.user-not-found")
    /// `logs.authfile-unreadable`: Error log: the user file could not be opened.
    public static let logsAuthfileUnreadable = FindingID("logs.authfile-unreadable")
    /// `logs.malformed-lines`: Some log lines did not parse.
    public static let logsMalformedLines = FindingID("logs.malformed-lines")
    /// `logs.wrong-scheme`: Error log: clients use another authentication scheme than the area.
    public static let logsWrongScheme = FindingID("logs.wrong-scheme")
    /// `logs.authorization-failure`: Error log: a valid user is refused by Require, with 401.
    public static let logsAuthorizationFailure = FindingID("logs.authorization-failure")
    /// `logs.auth-not-configured`: Error log: Require needs a user but no authentication is configured.
    public static let logsAuthNotConfigured = FindingID("logs.auth-not-configured")
    /// `logs.htaccess-not-allowed`: Error log: .htaccess uses AuthType where AllowOverride forbids it.
    public static let logsHtaccessNotAllowed = FindingID("logs.htaccess-not-allowed")
    /// `logs.no-credentials`: Error log: requests came without credentials.
    public static let logsNoCredentials = FindingID("logs.no-credentials")
    /// `logs.unrecognized-format`: A log was not recognised, so it was not analysed.
    public static let logsUnrecognizedFormat = FindingID("logs.unrecognized-format")
    /// `logs.input-incomplete`: An input could not be read completely.
    public static let logsInputIncomplete = FindingID("logs.input-incomplete")
}

extension Catalog {
    static let logsEntries: [CatalogEntry] = [
        CatalogEntry(
            id: .logsSpike, severity: .warning, audience: .admin,
            title: "The rate of 401 responses jumped",
            explanation: """
                From the time given in the evidence the share of 401s rose well above its earlier level. A \
                sudden jump usually follows a change: a deployment or configuration reload, a replaced \
                password file, a rotated signing key or secret, an expired client credential — or the start \
                of an attack.
                """,
            fix: [
                """
                Match the start time with changes: `journalctl -u apache2 -u nginx --since \"2026-11-29 08:00\"`, \
                `ls -l --time-style=full-iso /etc/apache2/.htpasswd`, your deploy history.
                """,
                """
                See who gets the 401s: `awk '$9 == 401 {print $1}' /var/log/apache2/access.log | sort | uniq -c | \
                sort -rn | head`.
                """,
                """
                Read the matching error-log lines (AH01617/AH01618/AH01620, nginx \"password mismatch\") for the \
                same minutes.
                """,
            ],
            references: ["Apache Log Files", "nginx ngx_http_log_module"]),

        CatalogEntry(
            id: .logsBruteForce, severity: .error, audience: .admin,
            title: "One client gets many 401s: likely password guessing",
            explanation: """
                A single address produced many failed logins in a short time (count and span in the \
                evidence), which is the pattern of password guessing or credential stuffing. Besides the \
                risk of a guessed password, it can trigger lockouts that give real users 401s.
                """,
            fix: [
                """
                Ban repeat offenders with fail2ban's stock jails, which read the error log: `[apache-auth]` \
                (logpath = /var/log/apache2/error.log) or `[nginx-http-auth]` (logpath = /var/log/nginx/error.log) \
                in /etc/fail2ban/jail.local with `enabled = true`, `maxretry = 5`, `findtime = 10m`, `bantime = \
                1h`; `sudo fail2ban-client status apache-auth` lists the bans.
                """,
                """
                nginx rate limit: `limit_req_zone $binary_remote_addr zone=auth:10m rate=10r/m;` (http) and \
                `limit_req zone=auth burst=5;` in the protected location.
                """,
                "Make sure passwords are strong and hashed with bcrypt (`htpasswd -B`).",
            ],
            references: ["fail2ban jail.conf: apache-auth, nginx-http-auth", "nginx ngx_http_limit_req_module"]),

        CatalogEntry(
            id: .logsNeverSucceeds, severity: .warning, audience: .admin,
            title: "A client, user or path gets only 401s, never a success",
            explanation: """
                Every request from this client (or for this user or path) was refused and none succeeded in \
                the period. Typically a script, monitor or integration still uses an old password or token, \
                or the path's protection is configured so nobody can pass it.
                """,
            fix: [
                """
                Identify it: `awk '$9 == 401 {print $1, $3, $7}' /var/log/apache2/access.log | sort | uniq -c | \
                sort -rn | head` (address, user, path); the user agent is in the last field.
                """,
                "Update the credentials stored in that client, or disable it.",
                """
                For a path, check its auth configuration and that its user file contains at least one valid user \
                (`why401 server`).
                """,
            ],
            references: ["Apache Log Files", "nginx ngx_http_log_module"]),

        CatalogEntry(
            id: .logsPasswordMismatch, severity: .error, audience: .admin,
            title: "Error log: a user's password did not match",
            explanation: """
                Apache logs `AH01617: user alice: authentication failure for "/path": Password Mismatch` \
                (Digest: AH01794, or AH01792 when the client sent no qop; Apache 2.2 writes the same \
                messages without a code) and nginx `user "alice": password mismatch`. The user exists; the password \
                is wrong, or the stored hash is one the server cannot verify, which both servers also report \
                as a mismatch.
                """,
            fix: [
                "Verify the password offline: `htpasswd -v /etc/apache2/.htpasswd alice`.",
                "Reset it if needed: `htpasswd -B /etc/apache2/.htpasswd alice`.",
                """
                Check the hash format (`why401 htpasswd lint /etc/apache2/.htpasswd`): plain-text entries never \
                match.
                """,
            ],
            references: ["Apache mod_auth_basic", "Apache mod_authn_file", "nginx ngx_http_auth_basic_module"]),

        CatalogEntry(
            id: .logsUserNotFound, severity: .error, audience: .admin,
            title: "Error log: the user is unknown",
            explanation: """
                Apache logs `AH01618: user bob not found: /path` (Digest: AH01790) and nginx \
                `user "bob" was not found in "/etc/nginx/.htpasswd"`. An empty name (`AH01618: user  not \
                found`, two spaces) means the client sent malformed Basic credentials rather than a wrong name.
                """,
            fix: [
                "Add the user if they should have access: `htpasswd -B /etc/apache2/.htpasswd bob`.",
                "Check spelling and case with the user; list known users with `cut -d: -f1 /etc/apache2/.htpasswd`.",
                "For empty names, fix the client's `Authorization` header (see credentials.malformed).",
            ],
            references: ["Apache mod_authn_file", "Apache mod_auth_digest", "nginx ngx_http_auth_basic_module"]),

        CatalogEntry(
            id: .logsAuthfileUnreadable, severity: .error, audience: .admin,
            title: "Error log: the user file could not be opened",
            explanation: """
                Apache logs `(2)No such file or directory: … AH01620: Could not open password file: PATH` \
                (Digest: AH01622; `(13)Permission denied` when unreadable) and nginx `open() "PATH" failed (2: …)` or \
                `(13: Permission denied)` — nginx logs the same shape for a missing document, so only a PATH \
                that is a user file counts (named like one, named by a `was not found in` line, unreadable at \
                `crit`, or given with `--user-file`). While this lasts no login can succeed: credentialed \
                requests get 500 (nginx: 403 for a missing file).
                """,
            fix: [
                "Create or restore the file: `htpasswd -c -B /etc/apache2/.htpasswd alice` (`-c` only for a new file).",
                """
                Fix permissions: `chmod 640 /etc/apache2/.htpasswd && chown root:www-data /etc/apache2/.htpasswd`; \
                check parents with `namei -l /etc/apache2/.htpasswd`.
                """,
                "Test as the worker: `sudo -u www-data cat /etc/apache2/.htpasswd > /dev/null`.",
            ],
            references: [
                "Apache mod_authn_file AuthUserFile",
                """
                nginx ngx_http_auth_basic_module auth_basic_user_file
                """,
            ]),

        CatalogEntry(
            id: .logsMalformedLines, severity: .info, audience: .admin,
            title: "Some log lines did not parse",
            explanation: """
                Lines that match none of the known formats (combined, common, nginx default, JSON) were \
                counted and skipped, so the statistics leave them out. Usually a custom `LogFormat`/`log_format`, \
                truncated lines from a rotated or crashed writer, or binary data.
                """,
            fix: [
                #"""
                Apache: log in the combined format, `CustomLog ${APACHE_LOG_DIR}/access.log combined` with \#
                `LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined`.
                """#,
                "nginx: use the default `access_log /var/log/nginx/access.log combined;`.",
                "Inspect the line numbers given in the evidence: `sed -n '120p' access.log`.",
            ],
            references: ["Apache mod_log_config", "nginx ngx_http_log_module"]),

        CatalogEntry(
            id: .logsWrongScheme, severity: .warning, audience: .admin,
            title: "Error log: clients use another authentication scheme than the area",
            explanation: """
                Apache logs `AH01614: client used wrong authentication scheme: /path` when a Basic area gets \
                another scheme (typically `Authorization: Bearer …`), and ``AH01781: client used wrong \
                authentication scheme `Basic'`` when a Digest area gets Basic; Apache 2.4.71 logs \
                `AH10560: invalid or missing qop value` for a Digest answer without `qop` (RFC 2069). The credentials \
                are not even \
                checked: the answer is 401. Usually an API client pointed at a path protected by the web \
                server instead of the application, or a client that does not do Digest.
                """,
            fix: [
                """
                Find the clients: match the error-log times with the access log, or run `why401 URL` with the \
                client's credentials.
                """,
                """
                If the application checks Bearer tokens itself, remove the web server's Basic/Digest auth from \
                that path (or exempt it).
                """,
                "Make the client use the scheme the `WWW-Authenticate` header asks for (`curl --digest` for Digest).",
            ],
            references: ["Apache mod_auth_basic", "Apache mod_auth_digest", "RFC 9110 §11.6.2"]),

        CatalogEntry(
            id: .logsAuthorizationFailure, severity: .error, audience: .admin,
            title: "Error log: a valid user is refused by Require, with 401",
            explanation: """
                Apache logs `AH01631: user bob: authorization failure for "/path": ` when the password was \
                right but `Require user …`/`Require group …` does not admit the user. Measured on Apache \
                2.4: the answer is 401, not 403, so browsers ask for the password again and the user thinks \
                it is wrong.
                """,
            fix: [
                """
                Decide whether the user should have access; if so add them to the `Require user` line or the group \
                file (`AuthGroupFile`).
                """,
                "Find the area: `grep -rn 'Require user\\|Require group' /etc/apache2/ /var/www/`.",
                "Tell the user the password is fine but the account has no access to that path.",
            ],
            references: ["Apache mod_authz_core Require", "Apache mod_authz_user", "Apache mod_authz_groupfile"]),

        CatalogEntry(
            id: .logsAuthNotConfigured, severity: .error, audience: .admin,
            title: "Error log: Require needs a user but no authentication is configured",
            explanation: """
                Apache logs `AH00027: No authentication done but request not allowed without authentication \
                for /path. Authentication not configured?` when `Require valid-user` (or `user`/`group`) \
                applies to a path without `AuthType`, `AuthName` and an auth provider. Every request gets \
                500 and no one is ever asked for a password.
                """,
            fix: [
                """
                Add the missing lines beside the Require: `AuthType Basic`, `AuthName \"Restricted\"`, \
                `AuthUserFile /etc/apache2/.htpasswd`.
                """,
                "Or, if the path should be public, replace the Require with `Require all granted`.",
                "Check: `apachectl configtest && apachectl graceful`, then `why401 URL -u USER`.",
            ],
            references: ["Apache mod_authz_core", "Apache mod_auth_basic AuthType"]),

        CatalogEntry(
            id: .logsHtaccessNotAllowed, severity: .error, audience: .admin,
            title: "Error log: .htaccess uses AuthType where AllowOverride forbids it",
            explanation: """
                Apache logs `/path/.htaccess: AuthType not allowed here` (core:alert) when an .htaccess \
                contains auth directives but the directory's `AllowOverride` lacks `AuthConfig`. Every \
                request under that directory gets 500. (Under `AllowOverride None` the file is not read at \
                all and the area is silently unprotected.)
                """,
            fix: [
                """
                In the server config: `<Directory /var/www/html/private>` `AllowOverride AuthConfig` \
                `</Directory>`, then `apachectl graceful`.
                """,
                """
                Or move the auth directives from .htaccess into the `<Directory>` block and remove them from \
                .htaccess.
                """,
            ],
            references: ["Apache core AllowOverride", "Apache .htaccess howto"]),

        CatalogEntry(
            id: .logsNoCredentials, severity: .info, audience: .admin,
            title: "Error log: requests came without credentials",
            explanation: """
                nginx logs at `info` level `no user/password was provided for basic authentication` for each \
                request to a Basic area without an `Authorization` header. That is the normal first step of \
                every login (challenge, then credentials); it matters only when a client never follows up.
                """,
            fix: [
                """
                Compare with the access log: a client whose 401s are never followed by a 2xx is listed under \
                logs.never-succeeds.
                """,
                "Script clients should send credentials up front (`curl -u user`), not wait for the challenge.",
            ],
            references: ["nginx ngx_http_auth_basic_module", "RFC 9110 §11.6.1"]),

        CatalogEntry(
            id: .logsUnrecognizedFormat, severity: .warning, audience: .admin,
            title: "A log was not recognised, so it was not analysed",
            explanation: """
                An input had lines, but none of them in a format this tool reads: not combined, common, \
                vhost_combined, nginx default or JSON lines for an access log, and no line starting like an \
                Apache (`[Wed Jul 17 22:18:52 2013] [error] …`) or nginx (`2026/11/29 08:52:39 [error] …`) \
                error-log line. Whatever 401s or authentication errors it holds are missing from the report, \
                so its silence does not mean nothing is wrong.
                """,
            fix: [
                "Look at the first lines: `head -n 5 FILE`.",
                """
                An access log in another format: give it with `--log-format '%h %l %u %t \"%r\" %>s %b'` (Apache \
                LogFormat syntax).
                """,
                """
                An error log: check that it is the web server's own file (`ErrorLog`, `error_log`), not a syslog \
                or journal export.
                """,
            ],
            references: ["Apache mod_log_config", "Apache ErrorLogFormat", "nginx ngx_http_log_module"]),

        CatalogEntry(
            id: .logsInputIncomplete, severity: .info, audience: .admin,
            title: "An input could not be read completely",
            explanation: """
                A file could not be opened, a rotated `.gz` was truncated, or a file was binary. It was \
                read as far as possible and the other inputs were analysed; the figures leave out what \
                could not be read.
                """,
            fix: [
                "Check the file: `ls -l FILE`, `gzip -t FILE.gz`, `file FILE`.",
                """
                Run why401 as a user that may read the logs (`sudo why401 logs …`, or add yourself to the `adm` \
                group on Debian).
                """,
            ],
            references: ["Apache Log Files", "nginx ngx_http_log_module"]),
    ]
}
