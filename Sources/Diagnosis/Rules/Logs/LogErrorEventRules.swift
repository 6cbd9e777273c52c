import Evidence

/// Error-log causes → findings. One finding per cause, one evidence line per (user, path, file) group
/// with its count and first/last time, and the measured meaning of the message (what the client got).
/// Messages and their effect as measured on Apache 2.4.71 and nginx 1.22.1.
enum ErrorEventFindings {
    static func events(_ s: LogSummary, _ cause: ErrorEvent.Cause) -> [ErrorEvent] {
        s.errorEvents.filter { $0.cause == cause }.sorted {
            ($1.count, $0.firstLine.path, $0.firstLine.line) < ($0.count, $1.firstLine.path, $1.firstLine.line)
        }
    }

    /// `user "alice" on /basic/, file /etc/.htpasswd (Permission denied): 12 lines, T1 – T2 (Apache AH01617; first at
    /// error.log:3)`.
    static func line(_ e: ErrorEvent) -> String {
        var subject: [String] = []
        if let user = e.user { subject.append("user \(LogFigures.user(user))") }
        if let path = e.path { subject.append("on \(path)") }
        if let file = e.file {
            subject.append("file \(file)" + (e.reason.map { " (\($0))" } ?? ""))
        } else if let reason = e.reason {
            subject.append("(\(reason))")
        }
        let server = e.server == "nginx" ? "nginx" : e.server == "apache" ? "Apache" : e.server
        let times =
            e.first.map { first in
                let last = e.last ?? first
                return last == first ? ", at \(LogTime.iso(first))" : ", \(LogTime.iso(first)) – \(LogTime.iso(last))"
            } ?? ""
        let head = subject.isEmpty ? "" : subject.joined(separator: " ") + ": "
        return
            """
            \(head)\(e.count) line\(e.count == 1 ? "" : "s")\(times) (\(server)\(e.code.map { " \($0)" } ?? ""); \
            first at \(e.firstLine.path):\(e.firstLine.line))
            """
    }

    static func finding(_ id: FindingID, _ events: [ErrorEvent], detail: String, fix: [String] = []) -> [Finding] {
        guard !events.isEmpty else { return [] }
        return [
            Finding(
                id, detail: detail, evidence: LogFigures.capped(events.prefix(20).map(line), total: events.count),
                fix: fix)
        ]
    }

    static func total(_ events: [ErrorEvent]) -> Int { events.reduce(0) { $0 + $1.count } }

    /// `alice (12), bob (3)`.
    static func users(_ events: [ErrorEvent]) -> String {
        var counts: [(String, Int)] = []
        for e in events {
            let name = e.user ?? "?"
            if let i = counts.firstIndex(where: { $0.0 == name }) {
                counts[i].1 += e.count
            } else {
                counts.append((name, e.count))
            }
        }
        let sorted = counts.sorted { ($1.1, $0.0) < ($0.1, $1.0) }
        return sorted.prefix(5).map { "\(LogFigures.user($0.0)) (\($0.1))" }.joined(separator: ", ")
            + (sorted.count > 5 ? ", …" : "")
    }

    static func sample(
        _ cause: ErrorEvent.Cause, server: String = "apache", code: String?, user: String? = nil,
        path: String? = "/basic/", file: String? = nil, reason: String? = nil, count: Int = 3
    ) -> LogEvidence {
        LogSample.evidence(
            LogSample.summary(errorEvents: [
                ErrorEvent(
                    cause: cause, server: server, code: code, user: user, path: path, file: file, reason: reason,
                    count: count,
                    first: LogSample.t0, last: LogSample.t0 + 120, firstLine: LineReference(path: "error.log", line: 1))
            ]))
    }

    /// A summary whose only error event has another cause: every cause rule must ignore it.
    static let unrelated = sample(.noCredentials, server: "nginx", code: nil)
    static let empty = LogSample.evidence(LogSample.summary())
}

/// `logs.password-mismatch`: Apache AH01617 (Basic) / AH01794 (Digest), nginx `password mismatch`.
public enum PasswordMismatchLogRule: Rule {
    /// One finding grouping the password-mismatch lines, with an offline check of each user's password.
    public static func check(_ e: LogEvidence) -> [Finding] {
        let events = ErrorEventFindings.events(e.summary, .passwordMismatch)
        guard !events.isEmpty else { return [] }
        let users = Set(events.compactMap(\.user)).sorted()
        let fix = users.prefix(3).map {
            """
            Check \(LogFigures.user($0))'s password offline: `why401 htpasswd verify FILE \(LogFigures.shell($0))` \
            (or `htpasswd -v FILE \(LogFigures.shell($0))`).
            """
        }
        return ErrorEventFindings.finding(
            .logsPasswordMismatch, events,
            detail:
                """
                \(ErrorEventFindings.total(events)) error-log line(s) say a known user's password did not match — \
                \(ErrorEventFindings.users(events)). Each was answered 401. The stored hash may also be one the \
                server cannot verify, which both servers log the same way.
                """,
            fix: fix)
    }

    /// Raises `logs.password-mismatch`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<LogEvidence>(
        id: .logsPasswordMismatch,
        triggering: [
            ErrorEventFindings.sample(.passwordMismatch, code: "AH01617", user: "alice"),
            ErrorEventFindings.sample(.passwordMismatch, server: "nginx", code: nil, user: "alice", path: "/basic/"),
        ],
        nonTriggering: [ErrorEventFindings.empty, ErrorEventFindings.unrelated])
}

/// `logs.user-not-found`: Apache AH01618 / AH01790, nginx `was not found in`.
public enum UserNotFoundLogRule: Rule {
    /// One finding grouping the unknown-user lines; an empty user name is called out as malformed Basic credentials.
    public static func check(_ e: LogEvidence) -> [Finding] {
        let events = ErrorEventFindings.events(e.summary, .userNotFound)
        guard !events.isEmpty else { return [] }
        let empty = events.filter { $0.user == "" }.reduce(0) { $0 + $1.count }
        var detail =
            """
            \(ErrorEventFindings.total(events)) error-log line(s) name users the server does not know — \
            \(ErrorEventFindings.users(events)). Each was answered 401.
            """
        if empty > 0 {
            detail += " \(empty) had an empty user name: the client sent malformed Basic credentials"
            detail += " (bad base64 or no user), not a wrong name."
        }
        let named = Array(Set(events.compactMap(\.user).filter { !$0.isEmpty })).sorted()
        let file = events.compactMap(\.file).first ?? "FILE"
        let fix = named.prefix(3).map {
            """
            If \(LogFigures.user($0)) should have access, add it: `htpasswd -B \(LogFigures.shell(file)) \
            \(LogFigures.shell($0))`; if not, find the client that still sends it (see the access log for the same \
            times).
            """
        }
        return ErrorEventFindings.finding(.logsUserNotFound, events, detail: detail, fix: fix)
    }

    /// Raises `logs.user-not-found`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<LogEvidence>(
        id: .logsUserNotFound,
        triggering: [
            ErrorEventFindings.sample(.userNotFound, code: "AH01618", user: "nosuchuser"),
            ErrorEventFindings.sample(
                .userNotFound, server: "nginx", code: nil, user: "bob", file: "/etc/nginx/.htpasswd"),
        ],
        nonTriggering: [
            ErrorEventFindings.empty, ErrorEventFindings.sample(.passwordMismatch, code: "AH01617", user: "alice"),
        ])
}

/// `logs.authfile-unreadable`: Apache AH01620, nginx `open() "…" failed`. While it lasts nobody can log in.
public enum AuthfileUnreadableLogRule: Rule {
    /// One finding grouping the lines where the password file could not be opened, with what each server answers
    /// meanwhile and the commands to check the file.
    public static func check(_ e: LogEvidence) -> [Finding] {
        let events = ErrorEventFindings.events(e.summary, .authfileUnreadable)
        guard !events.isEmpty else { return [] }
        var meanings: [String] = []
        if events.contains(where: { $0.server == "apache" }) {
            meanings.append(
                "Apache answers 401 to requests without credentials and 500 to every request with credentials (AH01620)"
            )
        }
        if events.contains(where: { $0.server == "nginx" }) {
            meanings.append(
                """
                nginx answers 401 without credentials, and with credentials 403 when the file is missing, 500 when \
                it cannot be read
                """
            )
        }
        let files = Array(Set(events.compactMap(\.file))).sorted()
        var fix: [String] = []
        for file in files.prefix(3) {
            let quoted = LogFigures.shell(file)
            fix.append(
                """
                See every directory on the way and who may read it: `namei -l \(quoted)`; test as the worker: \
                `sudo -u www-data head -c1 \(quoted) > /dev/null`.
                """
            )
        }
        let detail =
            """
            \(ErrorEventFindings.total(events)) error-log line(s) say the user file could not be \
            opened\(files.isEmpty ? "" : " (" + files.prefix(3).joined(separator: ", ") + ")"). \
            \(meanings.joined(separator: "; ")). No login can succeed while this lasts.
            """
        return ErrorEventFindings.finding(.logsAuthfileUnreadable, events, detail: detail, fix: fix)
    }

    /// Raises `logs.authfile-unreadable`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<LogEvidence>(
        id: .logsAuthfileUnreadable,
        triggering: [
            ErrorEventFindings.sample(
                .authfileUnreadable, code: "AH01620", path: nil, file: "/etc/apache2/.htpasswd",
                reason: "Permission denied"),
            ErrorEventFindings.sample(
                .authfileUnreadable, server: "nginx", code: nil, path: "/basic/", file: "/etc/nginx/.htpasswd",
                reason: "No such file or directory"),
        ],
        nonTriggering: [ErrorEventFindings.empty, ErrorEventFindings.unrelated])
}

/// `logs.wrong-scheme`: Apache AH01614 (Basic area, another scheme sent) / AH01781 (Digest area, Basic sent).
public enum WrongSchemeLogRule: Rule {
    /// One finding grouping the wrong-scheme lines, with the paths involved (AH10560: a Digest answer without qop).
    public static func check(_ e: LogEvidence) -> [Finding] {
        let events = ErrorEventFindings.events(e.summary, .wrongScheme)
        guard !events.isEmpty else { return [] }
        let paths = Array(Set(events.compactMap(\.path))).sorted()
        let noQop =
            events.contains { $0.code == "AH10560" }
            ? """
             AH10560 is a Digest answer without `qop` (RFC 2069, old clients and libraries), which Apache 2.4.71 \
            no longer accepts: the client must answer with `qop=auth`.
            """
            : ""
        return ErrorEventFindings.finding(
            .logsWrongScheme, events,
            detail:
                """
                \(ErrorEventFindings.total(events)) request(s) sent credentials in another scheme than the area \
                asks for\(paths.isEmpty ? "" : " (" + paths.prefix(3).joined(separator: ", ") + ")") — e.g. a \
                Bearer token to a Basic area (AH01614) or Basic to a Digest area (AH01781). Apache answers 401 \
                without looking at the credentials.\(noQop)
                """
        )
    }

    /// Raises `logs.wrong-scheme`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<LogEvidence>(
        id: .logsWrongScheme,
        triggering: [
            ErrorEventFindings.sample(.wrongScheme, code: "AH01614"),
            ErrorEventFindings.sample(.wrongScheme, code: "AH01781", path: "/digest/"),
            ErrorEventFindings.sample(.wrongScheme, code: "AH10560", path: "/digest/"),
        ],
        nonTriggering: [ErrorEventFindings.empty, ErrorEventFindings.unrelated])
}

/// `logs.authorization-failure`: Apache AH01631 — the password was right, `Require user/group` refused the user, still
/// 401.
public enum AuthorizationFailureLogRule: Rule {
    /// One finding grouping the AH01631 lines: the password was right and `Require` refused the user.
    public static func check(_ e: LogEvidence) -> [Finding] {
        let events = ErrorEventFindings.events(e.summary, .authorizationFailure)
        guard !events.isEmpty else { return [] }
        return ErrorEventFindings.finding(
            .logsAuthorizationFailure, events,
            detail:
                """
                \(ErrorEventFindings.total(events)) error-log line(s) (AH01631) show users whose password was \
                correct but whom `Require user`/`Require group` does not admit — \
                \(ErrorEventFindings.users(events)). Apache answers these with 401, not 403, so the user believes \
                the password is wrong.
                """
        )
    }

    /// Raises `logs.authorization-failure`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<LogEvidence>(
        id: .logsAuthorizationFailure,
        triggering: [
            ErrorEventFindings.sample(.authorizationFailure, code: "AH01631", user: "u_sha1", path: "/requser/")
        ],
        nonTriggering: [
            ErrorEventFindings.empty, ErrorEventFindings.sample(.passwordMismatch, code: "AH01617", user: "alice"),
        ])
}

/// `logs.auth-not-configured`: Apache AH00027 — `Require` demands a user but no AuthType is set: 500.
public enum AuthNotConfiguredLogRule: Rule {
    /// One finding grouping the AH00027 lines, with the paths involved.
    public static func check(_ e: LogEvidence) -> [Finding] {
        let events = ErrorEventFindings.events(e.summary, .authNotConfigured)
        guard !events.isEmpty else { return [] }
        let paths = Array(Set(events.compactMap(\.path))).sorted()
        return ErrorEventFindings.finding(
            .logsAuthNotConfigured, events,
            detail:
                """
                \(ErrorEventFindings.total(events)) \
                request(s)\(paths.isEmpty ? "" : " to " + paths.prefix(3).joined(separator: ", ")) hit a `Require` \
                that needs an authenticated user where no AuthType/AuthUserFile is configured (AH00027). Apache \
                answers 500 to everyone; nobody is ever asked for a password.
                """
        )
    }

    /// Raises `logs.auth-not-configured`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<LogEvidence>(
        id: .logsAuthNotConfigured,
        triggering: [ErrorEventFindings.sample(.authNotConfigured, code: "AH00027", path: "/noauthtype/")],
        nonTriggering: [ErrorEventFindings.empty, ErrorEventFindings.unrelated])
}

/// `logs.htaccess-not-allowed`: Apache `.htaccess: AuthType not allowed here` — AllowOverride lacks AuthConfig: 500.
public enum HtaccessNotAllowedLogRule: Rule {
    /// One finding grouping the lines, with the `AllowOverride AuthConfig` each `.htaccess` directory needs.
    public static func check(_ e: LogEvidence) -> [Finding] {
        let events = ErrorEventFindings.events(e.summary, .htaccessNotAllowed)
        guard !events.isEmpty else { return [] }
        let files = Array(Set(events.compactMap(\.file))).sorted()
        let fix = files.prefix(3).map { file -> String in
            let dir = file.hasSuffix("/.htaccess") ? String(file.dropLast("/.htaccess".count)) : file
            return
                """
                Allow auth directives there: `<Directory \"\(dir.replacingAll("\"", with: ""))\">` … \
                `AllowOverride AuthConfig` … `</Directory>`, then `apachectl configtest && apachectl graceful`.
                """
        }
        return ErrorEventFindings.finding(
            .logsHtaccessNotAllowed, events,
            detail:
                """
                \(ErrorEventFindings.total(events)) request(s) failed because an .htaccess uses AuthType where \
                AllowOverride does not include \
                AuthConfig\(files.isEmpty ? "" : " (" + files.prefix(3).joined(separator: ", ") + ")"). Apache \
                answers 500 for everything under that directory.
                """,
            fix: fix)
    }

    /// Raises `logs.htaccess-not-allowed`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<LogEvidence>(
        id: .logsHtaccessNotAllowed,
        triggering: [
            ErrorEventFindings.sample(
                .htaccessNotAllowed, code: nil, path: nil, file: "/var/www/html/private/.htaccess")
        ],
        nonTriggering: [ErrorEventFindings.empty, ErrorEventFindings.unrelated])
}

/// `logs.no-credentials`: nginx (info level) `no user/password was provided for basic authentication`.
/// The normal first step of a Basic login; context for the 401 counts, not a problem.
public enum NoCredentialsLogRule: Rule {
    /// One finding (info) counting requests that came without credentials and were challenged.
    public static func check(_ e: LogEvidence) -> [Finding] {
        let events = ErrorEventFindings.events(e.summary, .noCredentials)
        guard !events.isEmpty else { return [] }
        return ErrorEventFindings.finding(
            .logsNoCredentials, events,
            detail:
                """
                \(ErrorEventFindings.total(events)) request(s) came without credentials and were challenged with \
                401. That is how every Basic login starts; it becomes a problem only when a client never follows \
                up with credentials.
                """
        )
    }

    /// Raises `logs.no-credentials`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<LogEvidence>(
        id: .logsNoCredentials,
        triggering: [ErrorEventFindings.unrelated],
        nonTriggering: [
            ErrorEventFindings.empty, ErrorEventFindings.sample(.passwordMismatch, code: "AH01617", user: "alice"),
        ])
}
