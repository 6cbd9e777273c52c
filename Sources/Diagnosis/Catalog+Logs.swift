// Findings from access and error logs.

extension Catalog {
    static let logsEntries: [CatalogEntry] = [
        CatalogEntry(
            id: "logs.spike", severity: .warning, audience: .admin,
            title: "The rate of 401 responses jumped",
            explanation: """
                From the time given in the evidence the share of 401s rose well above its earlier level. A \
                sudden jump usually follows a change: a deployment or configuration reload, a replaced \
                password file, a rotated signing key or secret, an expired client credential — or the start \
                of an attack.
                """,
            fix: [
                "Match the start time with changes: `journalctl -u apache2 -u nginx --since \"2026-11-29 08:00\"`, `ls -l --time-style=full-iso /etc/apache2/.htpasswd`, your deploy history.",
                "See who gets the 401s: `awk '$9 == 401 {print $1}' /var/log/apache2/access.log | sort | uniq -c | sort -rn | head`.",
                "Read the matching error-log lines (AH01617/AH01618/AH01620, nginx \"password mismatch\") for the same minutes.",
            ],
            references: ["Apache Log Files", "nginx ngx_http_log_module"]),

        CatalogEntry(
            id: "logs.brute-force", severity: .error, audience: .admin,
            title: "One client gets many 401s: likely password guessing",
            explanation: """
                A single address produced many failed logins in a short time (count and span in the \
                evidence), which is the pattern of password guessing or credential stuffing. Besides the \
                risk of a guessed password, it can trigger lockouts that give real users 401s.
                """,
            fix: [
                """
                fail2ban, /etc/fail2ban/jail.local:
                [apache-auth]
                enabled  = true
                port     = http,https
                logpath  = /var/log/apache2/error.log
                maxretry = 5
                findtime = 10m
                bantime  = 1h
                (for nginx the jail is [nginx-http-auth] with logpath = /var/log/nginx/error.log)
                """,
                "Apply and check: `sudo systemctl restart fail2ban && sudo fail2ban-client status apache-auth`.",
                "nginx rate limit: `limit_req_zone $binary_remote_addr zone=auth:10m rate=10r/m;` (http) and `limit_req zone=auth burst=5;` in the protected location.",
                "Make sure passwords are strong and hashed with bcrypt (`htpasswd -B`).",
            ],
            references: ["fail2ban jail.conf: apache-auth, nginx-http-auth", "nginx ngx_http_limit_req_module"]),

        CatalogEntry(
            id: "logs.never-succeeds", severity: .warning, audience: .admin,
            title: "A client, user or path gets only 401s, never a success",
            explanation: """
                Every request from this client (or for this user or path) was refused and none succeeded in \
                the period. Typically a script, monitor or integration still uses an old password or token, \
                or the path's protection is configured so nobody can pass it.
                """,
            fix: [
                "Identify it: `awk '$9 == 401 {print $1, $3, $7}' /var/log/apache2/access.log | sort | uniq -c | sort -rn | head` (address, user, path); the user agent is in the last field.",
                "Update the credentials stored in that client, or disable it.",
                "For a path, check its auth configuration and that its user file contains at least one valid user (`why401 server`).",
            ],
            references: ["Apache Log Files", "nginx ngx_http_log_module"]),

        CatalogEntry(
            id: "logs.password-mismatch", severity: .error, audience: .admin,
            title: "Error log: a user's password did not match",
            explanation: """
                Apache logs `AH01617: user alice: authentication failure for "/path": Password Mismatch` \
                (Digest: AH01794) and nginx `user "alice": password mismatch`. The user exists; the password \
                is wrong, or the stored hash is one the server cannot verify, which both servers also report \
                as a mismatch.
                """,
            fix: [
                "Verify the password offline: `htpasswd -v /etc/apache2/.htpasswd alice`.",
                "Reset it if needed: `htpasswd -B /etc/apache2/.htpasswd alice`.",
                "Check the hash format (`why401 htpasswd lint /etc/apache2/.htpasswd`): plain-text entries never match.",
            ],
            references: ["Apache mod_auth_basic", "Apache mod_authn_file", "nginx ngx_http_auth_basic_module"]),

        CatalogEntry(
            id: "logs.user-not-found", severity: .error, audience: .admin,
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
            id: "logs.authfile-unreadable", severity: .error, audience: .admin,
            title: "Error log: the user file could not be opened",
            explanation: """
                Apache logs `(2)No such file or directory: … AH01620: Could not open password file: PATH` \
                (`(13)Permission denied` when unreadable) and nginx `open() "PATH" failed (2: …)` or \
                `(13: Permission denied)`. While this lasts no login can succeed: credentialed requests get \
                500 (nginx: 403 for a missing file).
                """,
            fix: [
                "Create or restore the file: `htpasswd -c -B /etc/apache2/.htpasswd alice` (`-c` only for a new file).",
                "Fix permissions: `chmod 640 /etc/apache2/.htpasswd && chown root:www-data /etc/apache2/.htpasswd`; check parents with `namei -l /etc/apache2/.htpasswd`.",
                "Test as the worker: `sudo -u www-data cat /etc/apache2/.htpasswd > /dev/null`.",
            ],
            references: ["Apache mod_authn_file AuthUserFile", "nginx ngx_http_auth_basic_module auth_basic_user_file"]),

        CatalogEntry(
            id: "logs.malformed-lines", severity: .info, audience: .admin,
            title: "Some log lines did not parse",
            explanation: """
                Lines that match none of the known formats (combined, common, nginx default, JSON) were \
                counted and skipped, so the statistics leave them out. Usually a custom `LogFormat`/`log_format`, \
                truncated lines from a rotated or crashed writer, or binary data.
                """,
            fix: [
                #"Apache: log in the combined format, `CustomLog ${APACHE_LOG_DIR}/access.log combined` with `LogFormat "%h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\"" combined`."#,
                "nginx: use the default `access_log /var/log/nginx/access.log combined;`.",
                "Inspect the line numbers given in the evidence: `sed -n '120p' access.log`.",
            ],
            references: ["Apache mod_log_config", "nginx ngx_http_log_module"]),
    ]
}
