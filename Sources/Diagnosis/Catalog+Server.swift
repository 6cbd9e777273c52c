// Admin-side findings: password files, permissions, Apache/nginx configuration, WordPress.

extension FindingID {
    /// `authfile.missing`: The configured user file does not exist.
    public static let authfileMissing = FindingID("authfile.missing")
    /// `authfile.unreadable`: The worker user cannot read the user file (or traverse to it).
    public static let authfileUnreadable = FindingID("authfile.unreadable")
    /// `authfile.in-docroot`: The user file lies inside a document root and may be downloadable.
    public static let authfileInDocroot = FindingID("authfile.in-docroot")
    /// `authfile.malformed`: A line of the user file does not parse.
    public static let authfileMalformed = FindingID("authfile.malformed")
    /// `authfile.user-not-found`: The user is not in the user file.
    public static let authfileUserNotFound = FindingID("authfile.user-not-found")
    /// `authfile.password-mismatch`: The password does not verify against the stored hash.
    public static let authfilePasswordMismatch = FindingID("authfile.password-mismatch")
    /// `authfile.weak-hash`: The user file uses a weak hash (DES crypt, {SHA}, MD5, plain text).
    public static let authfileWeakHash = FindingID("authfile.weak-hash")
    /// `authfile.unsupported-hash`: The stored hash is one the configured server cannot verify.
    public static let authfileUnsupportedHash = FindingID("authfile.unsupported-hash")
    /// `perm.world-writable`: World-writable files or directories under the web root or on auth files.
    public static let permWorldWritable = FindingID("perm.world-writable")
    /// `perm.unreadable`: The worker cannot read a file or .htaccess, or traverse a directory.
    public static let permUnreadable = FindingID("perm.unreadable")
    /// `config.incomplete-auth`: Authentication is configured only in part.
    public static let configIncompleteAuth = FindingID("config.incomplete-auth")
    /// `config.authorization-not-forwarded`: CGI, FastCGI, PHP-FPM or a proxy does not pass Authorization on.
    public static let configAuthorizationNotForwarded = FindingID("config.authorization-not-forwarded")
    /// `config.htaccess-ignored`: Auth directives in .htaccess are ignored (AllowOverride None).
    public static let configHtaccessIgnored = FindingID("config.htaccess-ignored")
    /// `config.override-forbidden`: Auth directives in .htaccess where AllowOverride lacks AuthConfig: every request is
    /// a 500.
    public static let configOverrideForbidden = FindingID("config.override-forbidden")
    /// `config.auth-bypassed`: Satisfy Any with Allow lets clients in without a password.
    public static let configAuthBypassed = FindingID("config.auth-bypassed")
    /// `config.options-requires-auth`: OPTIONS is behind authentication, so CORS preflights fail.
    public static let configOptionsRequiresAuth = FindingID("config.options-requires-auth")
    /// `wordpress.auth-plugin`: An active WordPress plugin is known to affect authentication.
    public static let wordpressAuthPlugin = FindingID("wordpress.auth-plugin")
    /// `wordpress.culprit-plugin`: Deactivating this plugin ends the 401.
    public static let wordpressCulpritPlugin = FindingID("wordpress.culprit-plugin")
    /// `wordpress.authorization-stripped`: WordPress on Apache does not receive the Authorization header.
    public static let wordpressAuthorizationStripped = FindingID("wordpress.authorization-stripped")
    /// `wordpress.application-passwords-disabled`: WordPress application passwords are switched off.
    public static let wordpressApplicationPasswordsDisabled = FindingID("wordpress.application-passwords-disabled")
}

extension Catalog {
    static let serverEntries: [CatalogEntry] = [
        CatalogEntry(
            id: .authfileMissing, severity: .error, audience: .admin,
            title: "The configured user file does not exist",
            explanation: """
                `AuthUserFile` (Apache, Basic or Digest) or `auth_basic_user_file` (nginx) points at a path \
                that does not exist, so no password can be checked. Measured: Apache answers 401 without \
                credentials and 500 with any (AH01620 "Could not open password file"); nginx answers 401 \
                without and 403 with (`open() "…" failed (2: No such file or directory)`). Relative paths are \
                resolved against ServerRoot (Apache) or the configuration prefix (nginx).
                """,
            fix: [
                """
                Create it (`-c` only for a new file — it overwrites): `htpasswd -c -B /etc/apache2/.htpasswd \
                alice`; Digest: `htdigest -c /etc/apache2/.htdigest \"Private Area\" alice`.
                """,
                """
                Or correct the path in `AuthUserFile /etc/apache2/.htpasswd` / `auth_basic_user_file \
                /etc/nginx/.htpasswd;` — use an absolute path.
                """,
                """
                Set ownership and mode: `chmod 640 /etc/apache2/.htpasswd && chown root:www-data \
                /etc/apache2/.htpasswd`.
                """,
                """
                Reload: `sudo apachectl configtest && sudo systemctl reload apache2` or `sudo nginx -t && sudo \
                systemctl reload nginx`.
                """,
            ],
            references: [
                "Apache mod_authn_file AuthUserFile", "Apache mod_auth_digest",
                "nginx ngx_http_auth_basic_module auth_basic_user_file",
            ]),

        CatalogEntry(
            id: .authfileUnreadable, severity: .error, audience: .admin,
            title: "The worker user cannot read the user file (or traverse to it)",
            explanation: """
                The file exists but the server's worker (www-data on Debian, apache or nginx on RHEL) lacks \
                read permission on it or execute permission on a parent directory. Measured: Apache answers \
                500 to every credentialed request (`(13)Permission denied … AH01620`); nginx answers 500 \
                (`[crit] … open() "…" failed (13: Permission denied)`). Anonymous requests still get a normal \
                401, which hides the problem.
                """,
            fix: [
                """
                `chmod 640 /etc/apache2/.htpasswd && chown root:www-data /etc/apache2/.htpasswd` (nginx on Debian \
                also runs as www-data).
                """,
                """
                Find the blocking directory: `namei -l /etc/apache2/.htpasswd`, then `chmod o+x DIR` (or `chgrp \
                www-data DIR && chmod g+x DIR`).
                """,
                "Test as the worker: `sudo -u www-data cat /etc/apache2/.htpasswd > /dev/null && echo readable`.",
                "SELinux systems: `sudo restorecon -v /etc/httpd/.htpasswd`.",
            ],
            references: [
                "Apache mod_authn_file AuthUserFile",
                """
                nginx ngx_http_auth_basic_module auth_basic_user_file
                """,
            ]),

        CatalogEntry(
            id: .authfileInDocroot, severity: .error, audience: .admin,
            title: "The user file lies inside a document root and may be downloadable",
            explanation: """
                A password file under the document root can be fetched over HTTP unless something denies it. \
                Debian's Apache denies `.ht*` by default, but nginx serves `.htpasswd` like any other file, and \
                a renamed file (`passwords.txt`) is served by both. The hashes can then be cracked offline.
                """,
            fix: [
                """
                Move it out of the web root: `mv /var/www/html/.htpasswd /etc/apache2/.htpasswd` and update \
                `AuthUserFile` / `auth_basic_user_file`.
                """,
                #"""
                Until then deny it: Apache `<Files ".ht*"> Require all denied </Files>`; nginx `location ~ /\.ht \#
                { deny all; }`.
                """#,
                """
                Check: `curl -sI https://example.com/.htpasswd` must not be 200. If it was, reset every password \
                in it (`htpasswd -B FILE USER`).
                """,
            ],
            references: ["Apache mod_authn_file AuthUserFile", "Apache Security Tips", "nginx ngx_http_access_module"]),

        CatalogEntry(
            id: .authfileMalformed, severity: .error, audience: .admin,
            title: "A line of the user file does not parse",
            explanation: """
                Each line of an htpasswd file must be `user:hash` (an htdigest file `user:realm:md5hex`). A \
                line broken by an editor, a UTF-8 byte-order mark before the first user, a hash pasted with \
                spaces, or a digest line in a Basic file makes that user's login fail with an ordinary \
                password mismatch or "user not found". The evidence names the line number.
                """,
            fix: [
                "Recreate the affected user instead of editing by hand: `htpasswd -B /etc/apache2/.htpasswd alice`.",
                """
                Find bad lines: `grep -nvE '^[^:[:space:]]+:[^[:space:]]+$' /etc/apache2/.htpasswd`; remove a BOM \
                with `sed -i '1s/^\\xEF\\xBB\\xBF//' /etc/apache2/.htpasswd`.
                """,
                """
                Digest files: `htdigest /etc/apache2/.htdigest \"Private Area\" alice` (the realm must equal \
                `AuthName`).
                """,
                "Check the whole file: `why401 htpasswd lint /etc/apache2/.htpasswd`.",
            ],
            references: [
                "Apache htpasswd", "Apache htdigest",
                """
                nginx ngx_http_auth_basic_module auth_basic_user_file
                """,
            ]),

        CatalogEntry(
            id: .authfileUserNotFound, severity: .error, audience: .admin,
            title: "The user is not in the user file",
            explanation: """
                The server looks the user name up in the file, byte for byte and case-sensitively, and finds \
                no line for it, so the login is refused with 401 (Apache AH01618 "user … not found", nginx \
                `user "…" was not found in`). For Digest the realm must match too.
                """,
            fix: [
                "List the users: `cut -d: -f1 /etc/apache2/.htpasswd`.",
                "Add the user: `htpasswd -B /etc/apache2/.htpasswd alice` (no `-c`, which would replace the file).",
                "Digest: `htdigest /etc/apache2/.htdigest \"Private Area\" alice` with the realm of `AuthName`.",
                """
                Check the configuration points at the file you edited (`grep -rn \
                'AuthUserFile\\|auth_basic_user_file' /etc/apache2 /etc/nginx`).
                """,
            ],
            references: ["Apache mod_authn_file", "Apache htpasswd", "nginx ngx_http_auth_basic_module"]),

        CatalogEntry(
            id: .authfilePasswordMismatch, severity: .error, audience: .admin,
            title: "The password does not verify against the stored hash",
            explanation: """
                The user exists but the given password does not match the hash in the file, so the server \
                refuses it (Apache AH01617 "Password Mismatch", nginx "password mismatch"). Either the \
                password is wrong or the hash was made from a different one (typo when it was set, Caps Lock, \
                a different encoding).
                """,
            fix: [
                """
                Confirm offline: `htpasswd -v /etc/apache2/.htpasswd alice` or `why401 htpasswd verify \
                /etc/apache2/.htpasswd alice`.
                """,
                """
                Set a new password: `htpasswd -B /etc/apache2/.htpasswd alice` and give it to the user over a safe \
                channel.
                """,
            ],
            references: ["Apache htpasswd", "Apache mod_authn_file"]),

        CatalogEntry(
            id: .authfileWeakHash, severity: .warning, audience: .admin,
            title: "The user file uses a weak hash (DES crypt, {SHA}, MD5, plain text)",
            explanation: """
                DES crypt checks only the first 8 characters (measured: `Secret12X` passes for `Secret123`), \
                `{SHA}` is unsalted SHA-1, `$apr1$` MD5 is fast to brute-force, and plain text is no hash \
                at all. If the file leaks, these passwords fall quickly; bcrypt is the recommended format \
                for both Apache and nginx.
                """,
            fix: [
                """
                Re-hash each affected user with bcrypt (htpasswd cannot convert; the password must be entered \
                again): `htpasswd -B -C 12 /etc/apache2/.htpasswd alice`.
                """,
                """
                nginx on a system whose crypt() lacks bcrypt: use SHA-512 crypt, `htpasswd -5 /etc/nginx/.htpasswd \
                alice`.
                """,
            ],
            references: [
                "Apache htpasswd", "Apache password formats", "nginx ngx_http_auth_basic_module auth_basic_user_file",
            ]),

        CatalogEntry(
            id: .authfileUnsupportedHash, severity: .error, audience: .admin,
            title: "The stored hash is one the configured server cannot verify",
            explanation: """
                Measured on Apache 2.4 and nginx 1.22: plain-text entries (`htpasswd -p`) never match on \
                Linux, and `{PLAIN}` / `{SSHA}` entries work with nginx but never with Apache. The server logs \
                an ordinary password mismatch, not "unsupported", so the correct password is refused with 401.
                """,
            fix: [
                "Replace the entry with a bcrypt hash: `htpasswd -B /etc/apache2/.htpasswd alice`.",
                """
                If the file is shared between nginx and Apache, use only formats both accept: `$2y$` (bcrypt), \
                `$apr1$`, `$5$`/`$6$`.
                """,
            ],
            references: ["Apache password formats", "nginx ngx_http_auth_basic_module auth_basic_user_file"]),

        CatalogEntry(
            id: .permWorldWritable, severity: .error, audience: .admin,
            title: "World-writable files or directories under the web root or on auth files",
            explanation: """
                Modes like 777 or 666 let any local user or compromised process rewrite `.htaccess`, the \
                password file or the site's code, so the protection can be removed or a user added without \
                the admin noticing. It is a security hole even when the 401 behaves today.
                """,
            fix: [
                "List them: `find /var/www -perm -o+w -exec ls -ld {} +`.",
                """
                Reset the web root: `find /var/www/html -type d -exec chmod 755 {} + && find /var/www/html -type f \
                -exec chmod 644 {} +`.
                """,
                """
                Auth files: `chmod 640 /etc/apache2/.htpasswd && chown root:www-data /etc/apache2/.htpasswd`; \
                `.htaccess`: `chmod 644`, owned by root or the site owner, not by www-data.
                """,
            ],
            references: ["Apache Security Tips", "Apache core AccessFileName"]),

        CatalogEntry(
            id: .permUnreadable, severity: .error, audience: .admin,
            title: "The worker cannot read a file or .htaccess, or traverse a directory",
            explanation: """
                Apache must read every `.htaccess` on the path; if one is unreadable it answers 403 with \
                "pcfg_openfile: unable to check htaccess file, ensure it is readable". A directory without \
                execute permission for the worker blocks everything beneath it, including password files, \
                which turns credentialed requests into 500s.
                """,
            fix: [
                """
                `chmod 644 /var/www/html/private/.htaccess`; directories need `x` for the worker: `chmod o+x DIR` \
                or `chgrp www-data DIR && chmod g+rx DIR`.
                """,
                "Find the blocking component: `namei -l /var/www/html/private/.htaccess`.",
                "Test as the worker: `sudo -u www-data test -r FILE && echo readable`.",
            ],
            references: ["Apache core AllowOverride", "Apache core AccessFileName"]),

        CatalogEntry(
            id: .configIncompleteAuth, severity: .error, audience: .admin,
            title: "Authentication is configured only in part",
            explanation: """
                Apache needs `AuthType`, `AuthName`, a provider file (`AuthUserFile`) and a `Require` line: \
                `AuthType` without `Require` protects nothing, `Require valid-user` without `AuthType` \
                gives 500 (AH00027 "Authentication not configured?"), and a missing `AuthName` or \
                `AuthUserFile` turns every login into a 500. nginx's `auth_basic` without \
                `auth_basic_user_file` lets every request through. The result is either no protection or \
                an error for every visitor.
                """,
            fix: [
                #"""
                Apache: put all four directives, one per line, in the `<Directory "/var/www/html/private">` \#
                block: `AuthType Basic`, `AuthName "Private"`, `AuthUserFile /etc/apache2/.htpasswd`, `Require \#
                valid-user`.
                """#,
                #"""
                nginx: `auth_basic "Private";` together with `auth_basic_user_file /etc/nginx/.htpasswd;` in the \#
                same location.
                """#,
                """
                Test and reload: `sudo apachectl configtest && sudo systemctl reload apache2`, `sudo nginx -t && \
                sudo systemctl reload nginx`; then `curl -I URL` must answer 401.
                """,
            ],
            references: ["Apache mod_auth_basic", "Apache mod_authz_core Require", "nginx ngx_http_auth_basic_module"]),

        CatalogEntry(
            id: .configAuthorizationNotForwarded, severity: .error, audience: .admin,
            title: "CGI, FastCGI, PHP-FPM or a proxy does not pass Authorization on",
            explanation: """
                Measured on Apache 2.4: without `CGIPassAuth On` a CGI/PHP script never sees \
                `HTTP_AUTHORIZATION`, so an application doing its own Basic or Bearer check answers 401 to \
                good credentials (and writes nothing to error.log). nginx passes it to FastCGI only with a \
                `fastcgi_param`, and a `proxy_set_header Authorization "";` strips it before the upstream.
                """,
            fix: [
                """
                Apache 2.4.13+: `CGIPassAuth On` in the `<Directory>` block (or `.htaccess` with `AllowOverride \
                AuthConfig`).
                """,
                #"""
                Apache alternatives: `SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1` or `RewriteEngine On` \#
                + `RewriteRule .* - [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]`.
                """#,
                "nginx + PHP-FPM: `fastcgi_param HTTP_AUTHORIZATION $http_authorization;`.",
                """
                nginx proxy: `proxy_set_header Authorization $http_authorization;` (and remove any \
                `proxy_set_header Authorization \"\";`).
                """,
            ],
            references: [
                "Apache core CGIPassAuth", "Apache mod_setenvif", "Apache mod_rewrite",
                "nginx ngx_http_fastcgi_module fastcgi_param", "nginx ngx_http_proxy_module proxy_set_header",
            ]),

        CatalogEntry(
            id: .configHtaccessIgnored, severity: .error, audience: .admin,
            title: "Auth directives in .htaccess are ignored (AllowOverride None)",
            explanation: """
                Under `AllowOverride None` (the Debian default for /var/www) Apache does not read `.htaccess` \
                at all, so its `AuthType`/`Require` lines have no effect: measured, the area answers 200 with \
                no login prompt. The protection the site owner believes in is silently absent — a security hole.
                """,
            fix: [
                #"""
                Allow auth directives there: `AllowOverride AuthConfig` inside the `<Directory "/var/www/html">` \#
                block of the virtual host, then `sudo apachectl configtest && sudo systemctl reload apache2`.
                """#,
                "Better: move the auth directives from `.htaccess` into the `<Directory>` block of the virtual host.",
                "Check: `curl -I https://example.com/private/` must answer 401.",
            ],
            references: ["Apache core AllowOverride", "Apache .htaccess howto"]),

        CatalogEntry(
            id: .configOverrideForbidden, severity: .error, audience: .admin,
            title: "Auth directives in .htaccess where AllowOverride lacks AuthConfig: every request is a 500",
            explanation: """
                When `AllowOverride` is set but does not include `AuthConfig` (e.g. `AllowOverride Indexes`), \
                Apache reads the `.htaccess`, meets `AuthType` and fails the request: measured, 500 with \
                `[core:alert] … .htaccess: AuthType not allowed here` in error.log, for every visitor.
                """,
            fix: [
                """
                Add AuthConfig to the existing list: `AllowOverride Indexes AuthConfig` (or `AllowOverride \
                AuthConfig`) in the `<Directory>` block, then reload Apache.
                """,
                "Or remove the auth lines from `.htaccess` and put them in the virtual host.",
                "Find the file: `grep -n 'not allowed here' /var/log/apache2/error.log | tail`.",
            ],
            references: ["Apache core AllowOverride", "Apache .htaccess howto"]),

        CatalogEntry(
            id: .configAuthBypassed, severity: .error, audience: .admin,
            title: "Satisfy Any with Allow lets clients in without a password",
            explanation: """
                Apache 2.2's access control lives on in mod_access_compat (`Order`, `Allow`, `Deny`, \
                `Satisfy`). With `Satisfy Any`, a client that the `Order`/`Allow` rules admit skips \
                authentication altogether, whatever `Require valid-user` says. Measured on httpd 2.4.71: \
                `Satisfy Any` with `Allow from all` — or with no `Allow`/`Deny` at all, since the default \
                `Order Deny,Allow` admits everyone — answers 200 with no credentials and with a wrong \
                password; with `Allow from 10.0.0.0/8` those hosts skip the password. The area looks \
                protected in the configuration and is not.
                """,
            fix: [
                "Remove `Satisfy Any` and the `Order`/`Allow`/`Deny` lines from the block; keep `Require valid-user`.",
                """
                If some hosts must skip the password, write it in 2.4 syntax: `<RequireAny>` `Require ip \
                10.0.0.0/8` `Require valid-user` `</RequireAny>`.
                """,
                """
                Reload (`sudo apachectl configtest && sudo systemctl reload apache2`) and check that `curl -I URL` \
                without credentials answers 401.
                """,
            ],
            references: [
                "Apache mod_access_compat Satisfy", "Apache Upgrading to 2.4 from 2.2: access control",
                "Apache mod_authz_core <RequireAny>",
            ]),

        CatalogEntry(
            id: .configOptionsRequiresAuth, severity: .warning, audience: .admin,
            title: "OPTIONS is behind authentication, so CORS preflights fail",
            explanation: """
                The configuration requires credentials for every method, OPTIONS included. Browsers never send \
                credentials on a CORS preflight, so cross-origin calls from a web app fail at the preflight \
                with 401 before the real, credentialed request is made. `why401 server` reports it where the \
                area is meant to be called cross-origin: a CORS header (`Access-Control-Allow-*`) is set there, \
                or it hands requests to an application (CGI, FastCGI, proxy); a protected folder of static \
                pages is not preflighted and is left alone.
                """,
            fix: [
                "Apache: wrap the requirement, `<LimitExcept OPTIONS> Require valid-user </LimitExcept>`.",
                """
                nginx: `if ($request_method = OPTIONS) { return 204; }` in the location (runs before auth_basic), \
                with the CORS headers added `always`.
                """,
            ],
            references: ["Fetch standard, CORS-preflight fetch", "Apache core <LimitExcept>"]),

        CatalogEntry(
            id: .wordpressAuthPlugin, severity: .warning, audience: .admin,
            title: "An active WordPress plugin is known to affect authentication",
            explanation: """
                Security, login, JWT/OAuth and REST-API plugins can require their own tokens, block the REST \
                API for anonymous or application-password requests, rename the login page or rate-limit \
                logins; any of them can turn a valid request into a 401. Their presence does not prove they \
                cause it, but they are the first suspects.
                """,
            fix: [
                "List active plugins: `wp plugin list --status=active`.",
                """
                Test without it: `wp plugin deactivate PLUGIN`, retry the request, `wp plugin activate PLUGIN` (no \
                WP-CLI: rename `wp-content/plugins/PLUGIN` to `PLUGIN.off` and back).
                """,
                """
                Let why401 find the culprit: `why401 wordpress /var/www/html --bisect \
                https://example.com/wp-json/wp/v2/users/me`.
                """,
            ],
            references: ["WP-CLI wp plugin", "WordPress REST API Handbook: Authentication"]),

        CatalogEntry(
            id: .wordpressCulpritPlugin, severity: .error, audience: .admin,
            title: "Deactivating this plugin ends the 401",
            explanation: """
                Bisection toggled plugin folders against the probe URL: with this plugin active the request \
                gets 401, without it the request succeeds (the original plugin state was restored). The \
                plugin's settings or code refuse the request, often a REST API restriction or a disabled \
                authentication method.
                """,
            fix: [
                """
                Look for settings such as \"Disable REST API\", \"Disable application passwords\" or login \
                restrictions in the plugin's options and allow your client.
                """,
                "Update it (`wp plugin update PLUGIN`) and report the problem to its author if it persists.",
                """
                As a last resort keep it off: `wp plugin deactivate PLUGIN`, or apply the change with `why401 \
                wordpress DIR --bisect URL --apply`.
                """,
            ],
            references: ["WP-CLI wp plugin", "WordPress REST API Handbook: Authentication"]),

        CatalogEntry(
            id: .wordpressAuthorizationStripped, severity: .error, audience: .admin,
            title: "WordPress on Apache does not receive the Authorization header",
            explanation: """
                With PHP as CGI/FastCGI/PHP-FPM, Apache does not pass `Authorization` to PHP unless told to, \
                so application passwords and JWT plugins see no credentials and WordPress answers \
                `401 rest_not_logged_in`. WordPress's own rewrite block includes a pass-through rule, but it \
                is missing when `.htaccess` was written by hand, by an older version, or cannot be read \
                (AllowOverride None).
                """,
            fix: [
                """
                Add to the virtual host or `.htaccess`: `CGIPassAuth On` (Apache 2.4.13+; `.htaccess` needs \
                `AllowOverride AuthConfig`).
                """,
                """
                Or, above `# BEGIN WordPress` in `.htaccess`: `RewriteEngine On` + `RewriteRule .* - \
                [E=HTTP_AUTHORIZATION:%{HTTP:Authorization}]`.
                """,
                #"Or: `SetEnvIf Authorization "(.*)" HTTP_AUTHORIZATION=$1`."#,
                """
                Check: `curl -u alice:APP_PASSWORD https://example.com/wp-json/wp/v2/users/me` returns your user, \
                not `rest_not_logged_in`.
                """,
            ],
            references: [
                "WordPress Application Passwords integration guide", "Apache core CGIPassAuth", "Apache mod_rewrite",
            ]),

        CatalogEntry(
            id: .wordpressApplicationPasswordsDisabled, severity: .error, audience: .admin,
            title: "WordPress application passwords are switched off",
            explanation: """
                Application passwords (WordPress 5.6+) are disabled by the `wp_is_application_passwords_available` \
                filter, a security plugin setting, or because the site is not served over https (WordPress \
                offers them only with SSL unless the environment type is `local`). Basic credentials with an \
                application password are then refused with 401.
                """,
            fix: [
                """
                Find the filter: `grep -rn 'wp_is_application_passwords_available' wp-content/` and remove the \
                `add_filter(…, '__return_false')` line.
                """,
                """
                Check security plugins (e.g. Wordfence › Login Security › \"Disable WordPress application \
                passwords\") and turn the option off.
                """,
                """
                Serve the site over https, then create one: `wp user application-password create alice why401` (or \
                Users › Profile › Application Passwords).
                """,
            ],
            references: [
                "WordPress Application Passwords integration guide",
                "WordPress developer reference: wp_is_application_passwords_available",
            ]),
    ]
}
