import Evidence

/// The permission rules, most specific first: a file the worker cannot read is the likeliest cause
/// of a failing auth (403/500), a password file in the root is the worst leak, 777 is a hazard.
public enum PermissionRules {
    /// The permission family as one `RuleSet`: what `why401 server` runs over the walk's `PermissionFacts`.
    public static let set = RuleSet<PermissionFacts>(
        "permissions",
        [
            PermissionUnreadableRule.self, AuthFileInDocrootRule.self, PermissionWorldWritableRule.self,
        ])

    /// The rules, in rank order.
    public static var all: [any Rule<PermissionFacts>.Type] { Self.set.rules }

    /// At most this many paths are listed (evidence and commands); the rest are counted.
    public static let listLimit = 20

    /// Every permission finding, de-duplicated and ranked.
    public static func run(_ facts: PermissionFacts) -> [Finding] {
        set.run(facts)
    }

    static func line(_ issue: PermissionIssue) -> String {
        """
        \(issue.path) (\(issue.kind.rawValue), mode \(ModeChange.octal(issue.mode)), owner \
        \(issue.owner):\(issue.group)): \(issue.reason)
        """
    }

    /// The exact chmod commands for these issues, capped, plus the one-step alternative.
    static func commands(_ issues: [PermissionIssue], roots: [String], worker: String) -> [String] {
        var seen: Set<String> = []
        let changes = issues.filter { $0.proposedMode != $0.mode && seen.insert($0.path).inserted }
            .map { ModeChange(path: $0.path, from: $0.mode, to: $0.proposedMode) }
        var out = changes.prefix(listLimit).map { "`\($0.command)` (now \(ModeChange.octal($0.from)))" }
        if changes.count > listLimit {
            out.append("… and \(changes.count - listLimit) more chmod commands (see the JSON `permissions.changes`)")
        }
        // Password files outside the worker's group: a mode change would make them world-readable.
        for issue in issues where issue.kind == .authFile && issue.proposedMode == issue.mode {
            let path = ModeChange.shellQuoted(issue.path)
            out.append(
                """
                `chgrp \"$(id -gn \(worker))\" \(path) && chmod 640 \(path)` (a password file should be readable \
                by the worker's group, never by everyone)
                """
            )
        }
        if !changes.isEmpty {
            let rootArgs = roots.map { "--root \(ModeChange.shellQuoted($0))" }.joined(separator: " ")
            out.append(
                """
                Or let why401 make exactly these changes, journaled and undoable: `why401 server \(rootArgs) --as \
                \(worker) --apply` (undo: `why401 server --undo`).
                """
            )
        }
        return out
    }

    /// A finding about `issues`: the first `listLimit` as evidence, the chmod/chgrp commands as the fix.
    static func finding(_ id: FindingID, detail: String, issues: [PermissionIssue], facts: PermissionFacts) -> Finding {
        Finding(
            id, detail: detail, evidence: capped(issues.count, issues.prefix(listLimit).map(line)),
            fix: commands(issues, roots: facts.roots, worker: facts.worker))
    }

    static func capped(_ total: Int, _ items: [String]) -> [String] {
        total > items.count ? items + ["… and \(total - items.count) more"] : items
    }
}

/// `perm.unreadable`: a file, `.htaccess` or password file the worker cannot read, or a directory
/// it cannot list or traverse.
public enum PermissionUnreadableRule: Rule {
    /// Raises `perm.unreadable`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<PermissionFacts>(
        id: .permUnreadable,
        triggering: [
            PermissionFacts(
                worker: "www-data", roots: ["/srv/www"],
                unreadable: [
                    PermissionIssue(
                        path: "/srv/www/private/.htaccess", kind: .htaccess, mode: 0o600, owner: 0, group: 0,
                        proposedMode: 0o644, reason: "www-data cannot read this .htaccess")
                ]),
            PermissionFacts(
                worker: "www-data", roots: ["/srv/www"],
                unreadable: [
                    PermissionIssue(
                        path: "/srv/www/locked", kind: .directory, mode: 0o700, owner: 0, group: 0, proposedMode: 0o755,
                        reason: "cannot traverse")
                ]),
        ],
        nonTriggering: [
            PermissionFacts(
                worker: "www-data", roots: ["/srv/www"], counts: PermissionCounts(directories: 3, files: 10)),
            PermissionFacts(
                worker: "www-data", roots: ["/srv/www"],
                worldWritable: [
                    PermissionIssue(
                        path: "/srv/www/up", kind: .directory, mode: 0o777, owner: 0, group: 0, proposedMode: 0o755,
                        reason: "777")
                ]),
        ])

    /// One finding for all paths the worker cannot read or traverse, with the `chmod` commands that fix them.
    public static func check(_ facts: PermissionFacts) -> [Finding] {
        let issues = facts.unreadable
        guard !issues.isEmpty else { return [] }
        let directories = issues.filter { $0.kind == .directory }.count
        let htaccess = issues.filter { $0.kind == .htaccess }.count
        let auth = issues.filter { $0.kind == .authFile }.count
        var parts: [String] = []
        if directories > 0 {
            parts.append("\(directories) director\(directories == 1 ? "y" : "ies") it cannot list or traverse")
        }
        if htaccess > 0 {
            parts.append("\(htaccess) .htaccess file\(htaccess == 1 ? "" : "s") (Apache then answers 403)")
        }
        if auth > 0 {
            parts.append("\(auth) password file\(auth == 1 ? "" : "s") (credentialed requests then fail with 500)")
        }
        let files = issues.count - directories - htaccess - auth
        if files > 0 { parts.append("\(files) file\(files == 1 ? "" : "s") it cannot read (served as 403)") }
        let detail =
            """
            \(facts.worker) — the account the server reads files as — is blocked by \
            \(parts.joined(separator: ", ")). Proposed modes follow the 755 (directories) / 644 (files) \
            convention; password files get read access only for the worker's owner or group class, never for \
            everyone.
            """
        return [PermissionRules.finding(.permUnreadable, detail: detail, issues: issues, facts: facts)]
    }
}

/// `perm.world-writable`: 777/666-style modes under a root or on a password file.
public enum PermissionWorldWritableRule: Rule {
    /// Raises `perm.world-writable`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<PermissionFacts>(
        id: .permWorldWritable,
        triggering: [
            PermissionFacts(
                worker: "www-data", roots: ["/srv/www"],
                worldWritable: [
                    PermissionIssue(
                        path: "/srv/www/uploads", kind: .directory, mode: 0o777, owner: 33, group: 33,
                        proposedMode: 0o755, reason: "mode 0777")
                ])
        ],
        nonTriggering: [
            PermissionFacts(worker: "www-data", roots: ["/srv/www"], counts: PermissionCounts(directories: 1, files: 1))
        ])

    /// One finding for all world-writable paths, with the `chmod` commands that remove the write bit for others.
    public static func check(_ facts: PermissionFacts) -> [Finding] {
        let issues = facts.worldWritable
        guard !issues.isEmpty else { return [] }
        let auth = issues.filter { $0.kind == .authFile || $0.kind == .htaccess }.count
        var detail = "\(issues.count) path\(issues.count == 1 ? " is" : "s are") writable by every local account."
        if auth > 0 {
            let verb = auth == 1 ? "is" : "are"
            detail += " \(auth) of them \(verb) .htaccess or password files:"
            detail += " anyone can remove the protection or add a user."
        }
        return [PermissionRules.finding(.permWorldWritable, detail: detail, issues: issues, facts: facts)]
    }
}

/// `authfile.in-docroot`: a password file below a document root, downloadable unless denied.
public enum AuthFileInDocrootRule: Rule {
    /// Raises `authfile.in-docroot`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<PermissionFacts>(
        id: .authfileInDocroot,
        triggering: [
            PermissionFacts(
                worker: "www-data", roots: ["/srv/www"],
                authFilesInRoot: [AuthFileInRoot(path: "/srv/www/.htpasswd", root: "/srv/www")])
        ],
        nonTriggering: [
            PermissionFacts(worker: "www-data", roots: ["/srv/www"])
        ])

    /// One finding for all password files found inside a document root.
    public static func check(_ facts: PermissionFacts) -> [Finding] {
        let files = facts.authFilesInRoot
        guard !files.isEmpty else { return [] }
        let detail =
            """
            \(files.count) password file\(files.count == 1 ? " lies" : "s lie") inside a document root: a request \
            for it can download the hashes unless the server denies it.
            """
        let fix = files.prefix(PermissionRules.listLimit).map {
            """
            `mv \(ModeChange.shellQuoted($0.path)) \
            /etc/apache2/\(($0.path.split(separator: "/").last.map(String.init) ?? ".htpasswd"))` and point \
            AuthUserFile / auth_basic_user_file at the new path
            """
        }
        return [
            Finding(
                .authfileInDocroot, detail: detail,
                evidence: PermissionRules.capped(
                    files.count, files.prefix(PermissionRules.listLimit).map { "\($0.path) (under \($0.root))" }),
                fix: fix)
        ]
    }
}
