import CredentialModel
import Credentials
import Evidence
import TextEscaping

/// The configuration rules, most specific first. Each finding names the config file and line and
/// gives the exact lines or commands that fix it.
public enum ConfigRules {
    /// The configuration family as one `RuleSet`: what `why401 server` runs over each server's `ServerConfigFacts`.
    public static let set = RuleSet<ServerConfigFacts>(
        "config",
        [
            ConfigHtaccessIgnoredRule.self, ConfigOverrideForbiddenRule.self, ConfigUserFileMissingRule.self,
            ConfigUserFileUnreadableRule.self, ConfigIncompleteAuthRule.self, ConfigUserFileInDocrootRule.self,
            ConfigAuthBypassedRule.self, ConfigAuthorizationNotForwardedRule.self, ConfigUserFileContentRule.self,
            ConfigOptionsRequiresAuthRule.self,
        ])

    /// The rules, in rank order.
    public static var all: [any Rule<ServerConfigFacts>.Type] { Self.set.rules }

    /// Every configuration finding for one server, de-duplicated and ranked.
    public static func run(_ facts: ServerConfigFacts) -> [Finding] {
        set.run(facts)
    }

    /// Each configured user file once per configuration line (several areas may share one).
    static func userFiles(_ facts: ServerConfigFacts) -> [(UserFileFact, [ProtectedArea])] {
        var order: [String] = []
        var byKey: [String: (UserFileFact, [ProtectedArea])] = [:]
        for area in facts.areas {
            guard let file = area.userFile else { continue }
            let key = "\(file.path)\u{0}\(file.at)"
            if byKey[key] == nil {
                order.append(key)
                byKey[key] = (file, [])
            }
            byKey[key]!.1.append(area)
        }
        return order.map { byKey[$0]! }
    }

    static func areaLine(_ area: ProtectedArea) -> String {
        "\(area.context) at \(area.at)"
    }

    /// Where a user file should live for this server.
    static func safeDirectory(_ server: WebServerKind) -> String { server == .apache ? "/etc/apache2" : "/etc/nginx" }

    static func reloadCommand(_ server: WebServerKind) -> String {
        server == .apache
            ? "`sudo apachectl configtest && sudo systemctl reload apache2`"
            : "`sudo nginx -t && sudo systemctl reload nginx`"
    }

    static func octal(_ mode: UInt32) -> String { Figures.octalMode(mode) }

    static func shellQuoted(_ s: String) -> String { ShellWord.quoted(s) }

    static func directiveLine(_ server: WebServerKind, path: String) -> String {
        server == .apache ? "AuthUserFile \(path)" : "auth_basic_user_file \(path);"
    }

    /// A finding whose fix is exactly `fix`: these rules know the file, the line and the worker, so
    /// the catalog's generic steps (`why401 explain ID`) would only repeat them with example paths.
    /// `subject` is the configuration line or file the finding is about: two areas with the same
    /// problem are two findings (see `RuleSet`'s de-duplication).
    static func finding(_ id: FindingID, subject: String, detail: String, evidence: [String], fix: [String]) -> Finding
    {
        var f = Finding(id, detail: detail, evidence: evidence, fix: fix, subject: subject)
        f.fix = fix
        return f
    }

    static let example = ConfigLocation(file: "/etc/apache2/sites-enabled/000-default.conf", line: 12)
    static let nginxExample = ConfigLocation(file: "/etc/nginx/sites-enabled/default", line: 30)
}

// MARK: - authfile.missing

/// `authfile.missing`: `AuthUserFile`/`auth_basic_user_file` names a file that does not exist.
public enum ConfigUserFileMissingRule: Rule {
    /// Raises `authfile.missing`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ServerConfigFacts>(
        id: .authfileMissing,
        triggering: [ConfigRuleExamples.apache(userFile: .missing(path: "/etc/apache2/.htpasswd"))],
        nonTriggering: [
            ConfigRuleExamples.apache(userFile: .ok),
            ConfigRuleExamples.apache(
                userFile: .denied(
                    path: "/etc/apache2/.htpasswd", mode: 0o600, owner: "root", group: "root",
                    reason: "no read permission for www-data")),
        ])

    /// One finding per user-file line whose file (or a directory above it) does not exist, with the command that
    /// creates it.
    public static func check(_ facts: ServerConfigFacts) -> [Finding] {
        ConfigRules.userFiles(facts).compactMap { file, areas in
            guard case .missing(let missing) = file.access else { return nil }
            let server = facts.server
            let what = missing == file.path ? "does not exist" : "does not exist: \(missing) is missing"
            let create =
                server == .apache && areas.contains { $0.scheme?.value.lowercased() == "digest" }
                ? """
                `htdigest -c \(ConfigRules.shellQuoted(file.path)) \
                \(ConfigRules.shellQuoted(areas.first?.realm?.value ?? "Private")) alice` (the realm must equal \
                AuthName)
                """
                : """
                `htpasswd -c -B \(ConfigRules.shellQuoted(file.path)) alice` (`-c` only for a new file — it \
                overwrites)
                """
            let mkdir = missing == file.path ? "" : "`mkdir -p \(ConfigRules.shellQuoted(dirname(file.path)))`, then "
            return ConfigRules.finding(
                description.id, subject: "\(file.at)",
                detail: "\(file.directive) at \(file.at) names \(file.path), which \(what). \(server.displayName) "
                    + (server == .apache
                        ? "answers 401 without credentials and 500 with any (AH01620 \"Could not open password file\")."
                        : """
                        answers 401 without credentials and 403 with any (`open() \"\(file.path)\" failed (2: No \
                        such file or directory)`).
                        """),
                evidence: ["\(file.directive) \(file.path) at \(file.at): \(what)"]
                    + areas.prefix(5).map { "used by \(ConfigRules.areaLine($0))" },
                fix: [
                    """
                    Create it: \(mkdir)\(create), then `chown root:\(facts.worker) \
                    \(ConfigRules.shellQuoted(file.path)) && chmod 640 \(ConfigRules.shellQuoted(file.path))`.
                    """,
                    """
                    Or, if the file exists elsewhere, correct line \(file.at.line) of \(file.at.file) to \
                    `\(ConfigRules.directiveLine(server, path: "/ABSOLUTE/PATH/TO/.htpasswd"))`.
                    """,
                    "Reload: \(ConfigRules.reloadCommand(server)).",
                ])
        }
    }

    static func dirname(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/"), slash != path.startIndex else { return "/" }
        return String(path[..<slash])
    }
}

// MARK: - authfile.unreadable

/// `authfile.unreadable`: the worker cannot read the user file or traverse a directory above it.
public enum ConfigUserFileUnreadableRule: Rule {
    /// Raises `authfile.unreadable`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ServerConfigFacts>(
        id: .authfileUnreadable,
        triggering: [
            ConfigRuleExamples.apache(
                userFile: .denied(
                    path: "/etc/apache2/.htpasswd", mode: 0o600, owner: "root", group: "root",
                    reason: "no read permission for www-data")),
            ConfigRuleExamples.apache(
                userFile: .denied(
                    path: "/srv/auth", mode: 0o700, owner: "root", group: "root",
                    reason: "no execute (search) permission for www-data on this directory")),
        ],
        nonTriggering: [
            ConfigRuleExamples.apache(userFile: .ok),
            ConfigRuleExamples.apache(userFile: .missing(path: "/etc/apache2/.htpasswd")),
        ])

    /// One finding per user-file line the worker cannot read or reach, with the `chown`/`chmod` that fixes it.
    public static func check(_ facts: ServerConfigFacts) -> [Finding] {
        ConfigRules.userFiles(facts).compactMap { file, areas in
            guard case .denied(let blocking, let mode, let owner, let group, let reason) = file.access else {
                return nil
            }
            let server = facts.server
            let worker = facts.worker
            let isTarget = blocking == file.path
            let q = ConfigRules.shellQuoted(blocking)
            let commands: [String]
            if isTarget {
                commands = [
                    "`chown root:\(worker) \(q) && chmod 640 \(q)` (readable by the worker's group, not by everyone).",
                    """
                    Check: `sudo -u \(worker) cat \(ConfigRules.shellQuoted(file.path)) > /dev/null && echo \
                    readable`.
                    """,
                ]
            } else {
                commands = [
                    """
                    Let the worker traverse \(blocking): `chmod o+x \(q)` (or, to keep others out, `chgrp \
                    \(worker) \(q) && chmod g+x \(q)`).
                    """,
                    """
                    Then check every component: `namei -l \(ConfigRules.shellQuoted(file.path))` and `sudo -u \
                    \(worker) cat \(ConfigRules.shellQuoted(file.path)) > /dev/null && echo readable`.
                    """,
                ]
            }
            let effect =
                server == .apache
                ? """
                Apache answers 500 to every request with credentials (`(13)Permission denied … AH01620`); \
                anonymous requests still get an ordinary 401, which hides the problem.
                """
                : """
                nginx answers 500 to every request with credentials (`[crit] … open() \"\(file.path)\" failed (13: \
                Permission denied)`).
                """
            return ConfigRules.finding(
                description.id, subject: "\(file.at)",
                detail:
                    """
                    The worker \(worker) cannot read \(file.path) (\(file.directive) at \(file.at)): \
                    \(isTarget ? "" : "the directory \(blocking) blocks the way — ")\(reason). \(effect)
                    """,
                evidence: [
                    "\(file.directive) \(file.path) at \(file.at)",
                    "\(blocking): mode \(ConfigRules.octal(mode)), owner \(owner):\(group) — \(reason)",
                    "worker: \(worker) (\(facts.workerSource))",
                ] + areas.prefix(5).map { "used by \(ConfigRules.areaLine($0))" },
                fix: commands + [
                    """
                    No reload is needed for a mode change; retry the request. (SELinux systems also need the right \
                    label: `restorecon -v \(ConfigRules.shellQuoted(file.path))`.)
                    """
                ])
        }
    }
}

// MARK: - authfile.in-docroot

/// `authfile.in-docroot`: a configured user file lies inside a document root.
public enum ConfigUserFileInDocrootRule: Rule {
    /// Raises `authfile.in-docroot`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ServerConfigFacts>(
        id: .authfileInDocroot,
        triggering: [
            ConfigRuleExamples.apache(userFile: .ok, path: "/var/www/html/.htpasswd", insideDocroot: "/var/www/html")
        ],
        nonTriggering: [ConfigRuleExamples.apache(userFile: .ok)])

    /// One finding per user-file line whose file lies in a document root, with where to move it and how to deny it
    /// meanwhile.
    public static func check(_ facts: ServerConfigFacts) -> [Finding] {
        ConfigRules.userFiles(facts).compactMap { file, areas in
            guard let root = file.insideDocroot else { return nil }
            let server = facts.server
            let name = file.path.split(separator: "/").last.map(String.init) ?? ".htpasswd"
            let target = ConfigRules.safeDirectory(server) + "/" + (name.hasPrefix(".") ? name : "." + name)
            let served =
                server == .nginx || !name.hasPrefix(".ht")
                ? "\(server.displayName) serves it like any other file unless a rule denies it"
                : "Debian's Apache denies `.ht*` by default, but one changed `<FilesMatch>` exposes it"
            var fix = [
                """
                `mv \(ConfigRules.shellQuoted(file.path)) \(ConfigRules.shellQuoted(target)) && chown \
                root:\(facts.worker) \(ConfigRules.shellQuoted(target)) && chmod 640 \
                \(ConfigRules.shellQuoted(target))`
                """,
                """
                Change line \(file.at.line) of \(file.at.file) to \
                `\(ConfigRules.directiveLine(server, path: target))`, then \(ConfigRules.reloadCommand(server)).
                """,
            ]
            fix.append(
                server == .apache
                    ? #"Until then deny it: `<Files ".ht*"> Require all denied </Files>`."#
                    : #"Until then deny it: `location ~ /\.ht { deny all; }`."#)
            return ConfigRules.finding(
                description.id, subject: "\(file.at)",
                detail:
                    """
                    \(file.path) (\(file.directive) at \(file.at)) lies inside the document root \(root): \
                    \(served), and the hashes can be cracked offline.
                    """,
                evidence: ["\(file.directive) \(file.path) at \(file.at)", "document root \(root)"]
                    + areas.prefix(3).map { "used by \(ConfigRules.areaLine($0))" },
                fix: fix)
        }
    }
}

// MARK: - authfile.malformed / unsupported-hash / weak-hash in configured files

/// The configured user files' contents, judged for the server that uses them (`PasswordFileRules.lint`),
/// with the configuration line that names the file added to the evidence.
public enum ConfigUserFileContentRule: Rule {
    /// Raises `authfile.malformed`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ServerConfigFacts>(
        id: .authfileMalformed,
        triggering: [ConfigRuleExamples.apache(userFile: .ok, parsed: PasswordFile.parse(Array("alice\n".utf8)))],
        nonTriggering: [
            ConfigRuleExamples.apache(
                userFile: .ok,
                parsed: PasswordFile.parse(
                    Array("alice:$2y$05$abcdefghijklmnopqrstuuJ1zzHgVYnmAvhbVFDZsU1rPzGa8m0vW\n".utf8)))
        ])

    /// The password-file findings for every user file that could be read, judged for this server's hash formats.
    public static func check(_ facts: ServerConfigFacts) -> [Finding] {
        ConfigRules.userFiles(facts).flatMap { file, _ -> [Finding] in
            guard let parsed = file.parsed else { return [] }
            return PasswordFileRules.lint(file: parsed, servers: [facts.server.passwordServer]).map { finding in
                var f = finding
                f.evidence.insert("\(file.path) (\(file.directive) at \(file.at))", at: 0)
                return f
            }
        }
    }
}

// MARK: - config.incomplete-auth

/// `config.incomplete-auth`: AuthType without Require, Require without AuthType, no user file or
/// no AuthName (Apache); auth_basic without auth_basic_user_file (nginx).
public enum ConfigIncompleteAuthRule: Rule {
    /// Raises `config.incomplete-auth`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ServerConfigFacts>(
        id: .configIncompleteAuth,
        triggering: [
            ConfigRuleExamples.apache(requires: []),
            ConfigRuleExamples.apache(scheme: nil),
            ConfigRuleExamples.apache(userFile: nil),
            ConfigRuleExamples.nginx(userFile: nil),
        ],
        nonTriggering: [
            ConfigRuleExamples.apache(userFile: .ok), ConfigRuleExamples.nginx(userFile: .ok),
            ConfigRuleExamples.apache(requires: [], completedElsewhere: true),
        ])

    /// One finding per area and problem: an authentication half-configured, with its effect and the missing lines.
    public static func check(_ facts: ServerConfigFacts) -> [Finding] {
        var out: [Finding] = []
        var seen: Set<String> = []
        for area in facts.areas {
            guard let (problem, effect, fix) = problem(area), seen.insert("\(area.at)|\(problem)").inserted else {
                continue
            }
            var evidence: [String] = ["\(area.context) at \(area.at)"]
            if let scheme = area.scheme {
                let realm: String = area.realm?.value ?? ""
                evidence.append(
                    area.server == .apache
                        ? "AuthType \(scheme.value) at \(scheme.at)" : "auth_basic \"\(realm)\" at \(scheme.at)")
            } else {
                evidence.append("no AuthType in effect")
            }
            if let file = area.userFile {
                evidence.append("\(file.directive) \(file.path) at \(file.at)")
            } else {
                evidence.append("no user file configured")
            }
            if area.server == .apache {
                if area.requires.isEmpty { evidence.append("no Require line in effect") }
                for r in area.requires { evidence.append("\(r.text) at \(r.at)") }
            }
            out.append(
                ConfigRules.finding(
                    description.id, subject: "\(area.at)",
                    detail: "\(area.context) at \(area.at): \(problem) \(effect)", evidence: evidence,
                    fix: fix + ["Reload: \(ConfigRules.reloadCommand(area.server))."]))
        }
        return out
    }

    static func problem(_ area: ProtectedArea) -> (String, String, [String])? {
        let at = area.at
        if area.server == .nginx {
            if let r = area.authRequest, r.service == nil {
                let found =
                    r.endpoint.map { "it reaches \($0.value) (\($0.at)), which passes nothing to an auth service" }
                    ?? "no location of this server handles that URI"
                let uri = String(r.uri.prefix { $0 != "?" })
                return (
                    "`auth_request \(r.uri)` (\(r.at)) sends every request's subrequest to \(uri), but \(found).",
                    """
                    nginx then serves the subrequest from the document root (404), logs `auth request unexpected \
                    status: 404` and answers 500 to everyone (measured on nginx 1.22).
                    """,
                    [
                        """
                        Add the endpoint to the same server, e.g. `location = \(uri) { internal; proxy_pass \
                        http://127.0.0.1:4180; proxy_pass_request_body off; proxy_set_header Content-Length \"\"; \
                        proxy_set_header X-Original-URI $request_uri; }` (the address of your auth service, e.g. \
                        oauth2-proxy).
                        """
                    ]
                )
            }
            guard area.scheme?.value == "Basic", area.userFile == nil else { return nil }
            let line = area.realm?.at ?? at
            return (
                "`auth_basic` is on but no `auth_basic_user_file` is in effect.",
                "nginx then lets every request through: the area is not protected.",
                [
                    """
                    Add `auth_basic_user_file /etc/nginx/.htpasswd;` after line \(line.line) of \(line.file) \
                    (create the file with `htpasswd -c -B /etc/nginx/.htpasswd alice`).
                    """
                ]
            )
        }
        let needs = area.requires.contains { $0.needsAuthentication }
        if let scheme = area.scheme, !needs {
            guard !area.completedElsewhere else { return nil }
            return (
                "`AuthType \(scheme.value)` (\(scheme.at)) has no `Require` that needs a user.",
                "Apache then asks nobody for credentials: the area is not protected.",
                ["Add `Require valid-user` next to line \(scheme.at.line) of \(scheme.at.file)."]
            )
        }
        guard needs else { return nil }
        let req = area.requires.first { $0.needsAuthentication }!
        guard let scheme = area.scheme else {
            return (
                "`\(req.text)` (\(req.at)) needs an authenticated user but no `AuthType` is in effect.",
                """
                Apache answers 500 to every request (AH00027 \"No authentication done but request not allowed \
                without authentication … Authentication not configured?\").
                """,
                [
                    """
                    Add before line \(req.at.line) of \(req.at.file): `AuthType Basic`, `AuthName \"Private\"`, \
                    `AuthUserFile /etc/apache2/.htpasswd`.
                    """
                ]
            )
        }
        if area.realm == nil {
            return (
                "`AuthType \(scheme.value)` (\(scheme.at)) has no `AuthName`.",
                "Apache answers 500 instead of asking for credentials (\"need AuthName\").",
                ["Add `AuthName \"Private\"` next to line \(scheme.at.line) of \(scheme.at.file)."]
            )
        }
        if area.userFile == nil, area.provider.split(separator: " ").contains(where: { $0.lowercased() == "file" }) {
            return (
                "`AuthType \(scheme.value)` with the `file` provider but no `AuthUserFile`.",
                "Apache cannot check any password: every login fails with 500 (AH01617/AH01618 are never reached).",
                [
                    """
                    Add `AuthUserFile /etc/apache2/.htpasswd` next to line \(scheme.at.line) of \(scheme.at.file) \
                    (create it with `htpasswd -c -B /etc/apache2/.htpasswd alice`).
                    """
                ]
            )
        }
        return nil
    }
}

// MARK: - config.authorization-not-forwarded

/// `config.authorization-not-forwarded`: CGI/FastCGI without CGIPassAuth or a pass-through, or a
/// proxy/FastCGI configuration that empties the header.
public enum ConfigAuthorizationNotForwardedRule: Rule {
    /// Raises `config.authorization-not-forwarded`; the examples are inputs that must raise it and inputs that must
    /// not.
    public static let description = RuleDescription<ServerConfigFacts>(
        id: .configAuthorizationNotForwarded,
        triggering: [ConfigRuleExamples.forwarding(passes: false)],
        nonTriggering: [ConfigRuleExamples.forwarding(passes: true)])

    /// One finding per hand-off to an application that does not pass `Authorization` (unless the server itself
    /// authenticates there), with the line that fixes it.
    public static func check(_ facts: ServerConfigFacts) -> [Finding] {
        // Where the server authenticates the request itself, the program gets REMOTE_USER and has no
        // use for the password: handing it Authorization (CGIPassAuth On) would only expose it.
        facts.forwarding.filter { !$0.passesAuthorization && $0.authenticatedByServer == nil }.map { f in
            var fix: [String]
            switch (f.server, f.kind, f.blocker) {
            case (.nginx, .proxy, .some(let b)):
                fix = [
                    """
                    Replace line \(b.at.line) of \(b.at.file) (`\(b.value)`) with `proxy_set_header Authorization \
                    $http_authorization;` (or delete it: nginx forwards the header by default).
                    """
                ]
            case (.nginx, .fastcgi, .some(let b)):
                fix = [
                    """
                    Replace line \(b.at.line) of \(b.at.file) (`\(b.value)`) with `fastcgi_param \
                    HTTP_AUTHORIZATION $http_authorization;`.
                    """
                ]
            case (.apache, _, .some(let b)):
                fix = [
                    "Remove line \(b.at.line) of \(b.at.file) (`\(b.value)`) if the backend must see the credentials."
                ]
            case (.apache, _, .none):
                let scope =
                    f.scriptDirectory.map { "`<Directory \"\($0)\">`" }
                    ?? "`<Directory>` (or `<Location>`) block of the application's scripts"
                fix = [
                    """
                    Add `CGIPassAuth On` (Apache 2.4.13+) inside the \(scope), and only there: every script \
                    beneath it will see the password (handler at \(f.at)).
                    """,
                    #"""
                    Or, in that same block: `SetEnvIf Authorization "(.+)" HTTP_AUTHORIZATION=$1` — never \#
                    server-wide, which would hand the credentials to every script.
                    """#,
                ]
            default:
                fix = []
            }
            let effect =
                f.server == .apache
                ? """
                nothing in the configuration authenticates these requests, so the \(f.kind.rawValue) application \
                must read Authorization itself — and it never sees HTTP_AUTHORIZATION, so it answers 401 to good \
                credentials (and Apache logs nothing).
                """
                : """
                the \(f.kind.rawValue) backend never sees the credentials the client sent and answers 401 (nginx \
                itself logs the user, the backend logs none).
                """
            return ConfigRules.finding(
                description.id, subject: "\(f.at)",
                detail: "\(f.context) (\(f.at)): Authorization is not passed on — \(f.reason); \(effect)",
                evidence: [
                    "\(f.kind.rawValue) handler at \(f.at): \(f.context)",
                    f.blocker.map { "\($0.value) at \($0.at)" } ?? f.reason,
                ],
                fix: fix + ["Reload: \(ConfigRules.reloadCommand(f.server))."])
        }
    }
}

// MARK: - config.auth-bypassed

/// `config.auth-bypassed`: Apache 2.2-style access control (`Satisfy Any` with `Order`/`Allow`,
/// mod_access_compat) in an area that also requires a user — the clients `Allow` admits get in
/// without a password (measured on httpd 2.4.71: 200 with no credentials and with a wrong password).
public enum ConfigAuthBypassedRule: Rule {
    /// Raises `config.auth-bypassed`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ServerConfigFacts>(
        id: .configAuthBypassed,
        triggering: [
            ConfigRuleExamples.apache(userFile: .ok, bypass: ConfigRuleExamples.bypass(everyone: true)),
            ConfigRuleExamples.apache(userFile: .ok, bypass: ConfigRuleExamples.bypass(everyone: false)),
        ],
        nonTriggering: [ConfigRuleExamples.apache(userFile: .ok)])

    /// One finding per `Satisfy Any` in an area that requires a user, saying which clients get in without a password.
    public static func check(_ facts: ServerConfigFacts) -> [Finding] {
        var seen: Set<ConfigLocation> = []
        return facts.areas.compactMap { area in
            guard let b = area.bypass, area.needsAuthentication, seen.insert(b.satisfy.at).inserted else { return nil }
            // `Allow from 10.0.0.0/8` → `10.0.0.0/8`, for the 2.4 `Require ip` that replaces it.
            let allowedHosts = b.allows.first.map { $0.value.split(separator: " ").dropFirst().joined(separator: " ") }
            let who =
                b.everyone
                ? """
                every client: the area is NOT protected — anyone gets in without a password, and a wrong password \
                is accepted too
                """
                : """
                every client that matches \(b.allows.map { "`Allow \($0.value)`" }.joined(separator: ", ")) \
                without a password; the others must log in
                """
            var evidence = ["\(area.context) at \(area.at)", "Satisfy \(b.satisfy.value) at \(b.satisfy.at)"]
            evidence.append(
                b.order.map { "Order \($0.value) at \($0.at)" }
                    ?? "no Order: the default Deny,Allow admits anyone no Deny refuses")
            evidence +=
                b.allows.map { "Allow \($0.value) at \($0.at)" } + b.denies.map { "Deny \($0.value) at \($0.at)" }
            evidence += area.requires.filter(\.needsAuthentication).map { "\($0.text) at \($0.at)" }
            var f = ConfigRules.finding(
                description.id, subject: "\(area.at)",
                detail:
                    """
                    \(area.context) at \(area.at) requires a user, but `Satisfy Any` (\(b.satisfy.at)) lets the \
                    old access rules (mod_access_compat) stand in for the password: Apache admits \(who).
                    """,
                evidence: evidence,
                fix: [
                    """
                    Delete `Satisfy Any` at \(b.satisfy.at) and the `Order`/`Allow`/`Deny` lines of that block, \
                    keeping `Require valid-user`.
                    """,
                    b.everyone
                        ? """
                        If some hosts really must skip the password, say so in 2.4 syntax: `<RequireAny>` `Require \
                        ip 10.0.0.0/8` `Require valid-user` `</RequireAny>`.
                        """
                        : """
                        Keep the exception, in 2.4 syntax: `<RequireAny>` `Require ip \
                        \(allowedHosts ?? "10.0.0.0/8")` `Require valid-user` `</RequireAny>`.
                        """,
                    """
                    Then \(ConfigRules.reloadCommand(.apache)); check: `curl -I URL` without credentials must \
                    answer 401.
                    """,
                ])
            if !b.everyone { f.severity = .warning }
            return f
        }
    }
}

// MARK: - config.htaccess-ignored / config.override-forbidden

/// `config.htaccess-ignored`: auth directives in a `.htaccess` the server never reads.
public enum ConfigHtaccessIgnoredRule: Rule {
    /// Raises `config.htaccess-ignored`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ServerConfigFacts>(
        id: .configHtaccessIgnored,
        triggering: [
            ConfigRuleExamples.htaccess(
                override: OverrideFact(text: "None", at: ConfigRules.example, allowsAuthConfig: false, isNone: true))
        ],
        nonTriggering: [
            ConfigRuleExamples.htaccess(
                override: OverrideFact(
                    text: "AuthConfig", at: ConfigRules.example, allowsAuthConfig: true, isNone: false)),
            ConfigRuleExamples.htaccess(
                override: OverrideFact(text: "Indexes", at: ConfigRules.example, allowsAuthConfig: false, isNone: false)
            ),
        ])

    /// One finding per `.htaccess` with auth directives under `AllowOverride None` (or `Nonfatal` without AuthConfig).
    public static func check(_ facts: ServerConfigFacts) -> [Finding] {
        facts.htaccess.filter { $0.override.isNone || ($0.override.nonfatal && !$0.override.allowsAuthConfig) }.map {
            h in
            let dir = ConfigUserFileMissingRule.dirname(h.path)
            let first = h.authDirectives.first
            let evidence =
                [
                    "\(h.path): "
                        + h.authDirectives.prefix(6).map { "`\($0.value)` (line \($0.at.line))" }.joined(
                            separator: ", ")
                ]
                + [
                    facts.server == .nginx
                        ? h.override.text
                        : "AllowOverride \(h.override.text)" + (h.override.at.map { " at \($0)" } ?? "")
                ]
            if facts.server == .nginx {
                return ConfigRules.finding(
                    description.id, subject: h.path,
                    detail:
                        """
                        \(h.path) holds auth directives (line \(first?.at.line ?? 1)), but nginx never reads \
                        .htaccess: \(dir) is served without any login — the protection is silently absent.
                        """,
                    evidence: evidence,
                    fix: [
                        """
                        Protect it in the nginx configuration: `location \(locationGuess(h)) { auth_basic \
                        \"Private\"; auth_basic_user_file /etc/nginx/.htpasswd; }` in the server whose root is \
                        \(h.docroot), then \(ConfigRules.reloadCommand(.nginx)).
                        """,
                        "Check: `curl -I http://HOST\(locationGuess(h))` must answer 401.",
                    ])
            }
            let whereSet =
                h.override.at.map { "line \($0.line) of \($0.file)" }
                ?? "the `<Directory \"\(dir)\">` block of the virtual host"
            let verb = h.override.nonfatal ? "skips the auth directives (Nonfatal)" : "does not read this file at all"
            return ConfigRules.finding(
                description.id, subject: h.path,
                detail:
                    """
                    \(h.path) holds auth directives (line \(first?.at.line ?? 1)), but AllowOverride \
                    \(h.override.text) applies to \(dir)\(h.override.at.map { " (\($0))" } ?? ""): Apache \(verb), \
                    so the area answers 200 without asking for a password — the protection is silently absent.
                    """,
                evidence: evidence,
                fix: [
                    h.override.at == nil
                        ? """
                        Add `<Directory \"\(dir)\"> AllowOverride AuthConfig </Directory>` to the virtual host, \
                        then \(ConfigRules.reloadCommand(.apache)).
                        """
                        : """
                        Change \(whereSet) to `AllowOverride AuthConfig` (keep the other classes you need, e.g. \
                        `AllowOverride AuthConfig FileInfo`), then \(ConfigRules.reloadCommand(.apache)).
                        """,
                    """
                    Better: move the auth lines of \(h.path) into a `<Directory \"\(dir)\">` block of the virtual \
                    host.
                    """,
                    "Check: `curl -I http://HOST\(locationGuess(h))` must answer 401.",
                ])
        }
    }

    static func locationGuess(_ h: HtaccessFact) -> String {
        let dir = ConfigUserFileMissingRule.dirname(h.path)
        guard dir.hasPrefix(h.docroot) else { return "/" }
        let rest = String(dir.dropFirst(h.docroot.count))
        return rest.isEmpty ? "/" : (rest.hasPrefix("/") ? rest : "/" + rest) + "/"
    }
}

/// `config.override-forbidden`: auth directives in a `.htaccess` where AllowOverride is set but lacks
/// AuthConfig — Apache reads the file and fails every request with 500.
public enum ConfigOverrideForbiddenRule: Rule {
    /// Raises `config.override-forbidden`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ServerConfigFacts>(
        id: .configOverrideForbidden,
        triggering: [
            ConfigRuleExamples.htaccess(
                override: OverrideFact(text: "Indexes", at: ConfigRules.example, allowsAuthConfig: false, isNone: false)
            )
        ],
        nonTriggering: [
            ConfigRuleExamples.htaccess(
                override: OverrideFact(text: "None", at: ConfigRules.example, allowsAuthConfig: false, isNone: true)),
            ConfigRuleExamples.htaccess(
                override: OverrideFact(text: "All", at: ConfigRules.example, allowsAuthConfig: true, isNone: false)),
            ConfigRuleExamples.htaccess(
                override: OverrideFact(
                    text: "Indexes Nonfatal=Override", at: ConfigRules.example, allowsAuthConfig: false, isNone: false,
                    nonfatal: true)),
        ])

    /// One finding per `.htaccess` with auth directives where AllowOverride lacks AuthConfig (Apache only).
    public static func check(_ facts: ServerConfigFacts) -> [Finding] {
        guard facts.server == .apache else { return [] }
        return facts.htaccess.filter { !$0.override.isNone && !$0.override.allowsAuthConfig && !$0.override.nonfatal }
            .map { h in
                let first = h.authDirectives.first
                let name = first?.value.split(separator: " ").first.map(String.init) ?? "AuthType"
                let dir = ConfigUserFileMissingRule.dirname(h.path)
                let at = h.override.at
                let governing =
                    at.map { "AllowOverride \(h.override.text) (\($0)) does not include AuthConfig" }
                        ?? """
                        no AllowOverride applies to \(dir): httpd 2.4 then still reads .htaccess but allows none of \
                        its directives (measured on 2.4.71)
                        """
                return ConfigRules.finding(
                    description.id, subject: h.path,
                    detail:
                        """
                        \(h.path) line \(first?.at.line ?? 1) uses `\(name)`, but \(governing): Apache answers 500 \
                        to every request below \(dir) and logs `\(h.path): \(name) not allowed here`.
                        """,
                    evidence: [
                        "\(h.path): "
                            + h.authDirectives.prefix(6).map { "`\($0.value)` (line \($0.at.line))" }.joined(
                                separator: ", "),
                        at.map { "AllowOverride \(h.override.text) at \($0)" } ?? "AllowOverride \(h.override.text)",
                    ],
                    fix: [
                        at.map {
                            """
                            Change line \($0.line) of \($0.file) to `AllowOverride \(h.override.text) AuthConfig`, \
                            then \(ConfigRules.reloadCommand(.apache)).
                            """
                        }
                            ?? """
                            Add `<Directory \"\(dir)\">` `AllowOverride AuthConfig` `</Directory>` (plus any other \
                            class the file needs, e.g. FileInfo), then \(ConfigRules.reloadCommand(.apache)).
                            """,
                        """
                        Or remove the auth lines from \(h.path) and put them in the `<Directory>` block of the \
                        virtual host.
                        """,
                    ])
            }
    }
}

// MARK: - config.options-requires-auth

/// `config.options-requires-auth`: an area that is called cross-origin (a CORS header is set there, or
/// it hands requests to an application) requires credentials for OPTIONS too, so preflights get 401.
/// A plain protected directory of static files is not reported: browsers preflight only API calls.
public enum ConfigOptionsRequiresAuthRule: Rule {
    /// Raises `config.options-requires-auth`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<ServerConfigFacts>(
        id: .configOptionsRequiresAuth,
        triggering: [
            ConfigRuleExamples.apache(userFile: .ok, cors: ConfigRules.example),
            ConfigRuleExamples.nginx(userFile: .ok, cors: ConfigRules.nginxExample),
        ],
        nonTriggering: [
            ConfigRuleExamples.apache(userFile: .ok),
            ConfigRuleExamples.apache(userFile: .ok, cors: ConfigRules.example, optionsExempt: true),
        ])

    /// One finding per protected area called cross-origin whose OPTIONS requests are not exempt from authentication.
    public static func check(_ facts: ServerConfigFacts) -> [Finding] {
        var seen: Set<ConfigLocation> = []
        return facts.areas.compactMap { area in
            guard area.isProtected, area.scheme != nil, !area.optionsExempt else { return nil }
            guard
                let why = area.corsHeader.map({ "a CORS header is set at \($0)" })
                    ?? area.application.map({
                        "it hands requests to an application (\($0)) that may be called cross-origin"
                    })
            else { return nil }
            guard seen.insert(area.at).inserted else { return nil }
            let fix =
                area.server == .apache
                ? [
                    """
                    Wrap the requirement at \
                    \(area.requires.first { $0.needsAuthentication }?.at.description ?? area.at.description): \
                    `<LimitExcept OPTIONS>` `Require valid-user` `</LimitExcept>`.
                    """
                ]
                : [
                    """
                    In the block at \(area.at): `if ($request_method = OPTIONS) { return 204; }` (runs before \
                    auth_basic), with the CORS headers added `always`.
                    """
                ]
            return ConfigRules.finding(
                description.id, subject: "\(area.at)",
                detail:
                    """
                    \(area.context) at \(area.at) requires credentials for every method, OPTIONS included, and \
                    \(why): a browser's CORS preflight carries no credentials and gets 401, so the real request is \
                    never sent.
                    """,
                evidence: ["\(area.context) at \(area.at)", why]
                    + area.requires.filter(\.needsAuthentication).map { "\($0.text) at \($0.at) applies to OPTIONS" },
                fix: fix + [
                    """
                    Check: `curl -i -X OPTIONS -H 'Origin: https://app.example' -H 'Access-Control-Request-Method: \
                    GET' URL` must not be 401.
                    """
                ])
        }
    }
}

// MARK: - Examples for the generic rule tests

enum ConfigRuleExamples {
    static func apache(
        userFile access: PathAccess? = .ok, path: String = "/etc/apache2/.htpasswd", insideDocroot: String? = nil,
        parsed: PasswordFile? = nil,
        scheme: String? = "Basic", requires: [String] = ["valid-user"], cors: ConfigLocation? = nil,
        optionsExempt: Bool = false,
        completedElsewhere: Bool = false, bypass: AccessBypass? = nil
    ) -> ServerConfigFacts {
        let at = ConfigRules.example
        let file = access.map {
            UserFileFact(
                path: path, directive: "AuthUserFile", at: ConfigLocation(file: at.file, line: 15), access: $0,
                insideDocroot: insideDocroot, parsed: parsed)
        }
        let area = ProtectedArea(
            server: .apache, context: "<Directory \"/var/www/html/private\">", at: at,
            scheme: scheme.map { ConfigSetting($0, at: ConfigLocation(file: at.file, line: 13)) },
            realm: ConfigSetting("Private", at: ConfigLocation(file: at.file, line: 14)), userFile: file,
            requires: requires.map {
                RequireFact(
                    text: "Require \($0)", at: ConfigLocation(file: at.file, line: 16), needsAuthentication: true)
            },
            optionsExempt: optionsExempt, corsHeader: cors, completedElsewhere: completedElsewhere, bypass: bypass)
        return ServerConfigFacts(
            server: .apache, mainConfig: "/etc/apache2/apache2.conf", worker: "www-data", workerSource: "User",
            docroots: [ConfigSetting("/var/www/html", at: at)], areas: [area])
    }

    static func bypass(everyone: Bool) -> AccessBypass {
        let file = ConfigRules.example.file
        return AccessBypass(
            satisfy: ConfigSetting("Any", at: ConfigLocation(file: file, line: 19)),
            order: ConfigSetting("allow,deny", at: ConfigLocation(file: file, line: 17)),
            allows: [
                ConfigSetting(everyone ? "from all" : "from 10.0.0.0/8", at: ConfigLocation(file: file, line: 18))
            ], denies: [], everyone: everyone)
    }

    static func nginx(userFile access: PathAccess?, cors: ConfigLocation? = nil) -> ServerConfigFacts {
        let at = ConfigRules.nginxExample
        let file = access.map {
            UserFileFact(
                path: "/etc/nginx/.htpasswd", directive: "auth_basic_user_file",
                at: ConfigLocation(file: at.file, line: 32), access: $0)
        }
        let area = ProtectedArea(
            server: .nginx, context: "location /private/", at: at,
            scheme: ConfigSetting("Basic", at: ConfigLocation(file: at.file, line: 31)),
            realm: ConfigSetting("Private", at: ConfigLocation(file: at.file, line: 31)), userFile: file,
            corsHeader: cors)
        return ServerConfigFacts(
            server: .nginx, mainConfig: "/etc/nginx/nginx.conf", worker: "www-data", workerSource: "user", areas: [area]
        )
    }

    static func forwarding(passes: Bool) -> ServerConfigFacts {
        let at = ConfigRules.nginxExample
        let fact = ForwardingFact(
            server: .nginx, kind: .proxy, context: "location /api/", at: at, passesAuthorization: passes,
            blocker: passes
                ? nil
                : ConfigSetting("proxy_set_header Authorization \"\"", at: ConfigLocation(file: at.file, line: 33)),
            reason: passes
                ? "nginx passes request headers by default" : "the header is set to an empty value, which removes it")
        return ServerConfigFacts(
            server: .nginx, mainConfig: "/etc/nginx/nginx.conf", worker: "www-data", workerSource: "user",
            forwarding: [fact])
    }

    static func htaccess(override: OverrideFact) -> ServerConfigFacts {
        let file = "/var/www/html/private/.htaccess"
        let fact = HtaccessFact(
            path: file, docroot: "/var/www/html",
            authDirectives: [
                ConfigSetting("AuthType Basic", at: ConfigLocation(file: file, line: 1)),
                ConfigSetting("Require valid-user", at: ConfigLocation(file: file, line: 4)),
            ],
            override: override)
        return ServerConfigFacts(
            server: .apache, mainConfig: "/etc/apache2/apache2.conf", worker: "www-data", workerSource: "User",
            htaccess: [fact])
    }
}
