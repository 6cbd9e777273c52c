import Evidence

/// Which server wrote the logs, as far as the error logs tell: it decides the fail2ban jail and the
/// config lines the brute-force fix prints. Access-log formats are shared by both servers.
enum LogServers {
    static func detected(_ s: LogSummary) -> (apache: Bool, nginx: Bool) {
        var apache =
            s.errorEvents.contains { $0.server == "apache" } || s.inputs.contains { $0.format == "apache-error" }
        var nginx = s.errorEvents.contains { $0.server == "nginx" } || s.inputs.contains { $0.format == "nginx-error" }
        if !apache && !nginx {
            apache = true
            nginx = true
        }
        return (apache, nginx)
    }
}

/// `logs.brute-force`: one client with many failed 401s, and many of them within one burst window.
/// Both conditions: a slow monitor with an old password over a week is `logs.never-succeeds`, not
/// an attack. The fix prints the fail2ban jail and the lines that block the top offenders now.
public enum BruteForceLogRule: Rule {
    /// One finding listing every client at or above both brute-force thresholds (the first 20, most failures first),
    /// with the users tried and the lines that block them.
    public static func check(_ e: LogEvidence) -> [Finding] {
        let t = e.thresholds
        let offenders = e.summary.clients
            .filter { $0.failures >= t.bruteForceMinFailures && $0.peakFailures >= t.bruteForceMinPeak }
            .sorted { ($1.failures, $0.address) < ($0.failures, $1.address) }
        guard !offenders.isEmpty else { return [] }
        let evidence =
            offenders.prefix(20).map { c -> String in
                var line =
                    """
                    \(c.failures) 401s from \(c.address) between \(LogTime.iso(c.firstFailure)) and \
                    \(LogTime.iso(c.lastFailure)), peak \(c.peakFailures) in \(c.burstWindow) s, \
                    \(c.distinctUsers) distinct user\(c.distinctUsers == 1 ? "" : "s")
                    """
                if !c.usersTried.isEmpty {
                    line +=
                        " (" + c.usersTried.prefix(5).map(LogFigures.user).joined(separator: ", ")
                        + (c.distinctUsers > 5 ? ", …" : "") + ")"
                }
                if c.successes > 0 {
                    line +=
                        """
                        ; \(c.successes) successful request\(c.successes == 1 ? "" : "s") from the same address — \
                        check whether a password was guessed
                        """
                }
                return line
            } + (offenders.count > 20 ? ["… and \(offenders.count - 20) more clients"] : [])
        // Only real addresses go into config lines: a hostile "address" field must not become a directive.
        let top = offenders.map(\.address).filter(LogFigures.isAddress).prefix(t.blockListLimit)
        let servers = LogServers.detected(e.summary)
        var fix: [String] = []
        if servers.apache { fix.append(jail(name: "apache-auth", logpath: "/var/log/apache2/error.log")) }
        if servers.nginx { fix.append(jail(name: "nginx-http-auth", logpath: "/var/log/nginx/error.log")) }
        if servers.nginx && !top.isEmpty {
            fix.append(
                "Block now in nginx (server or location block, then `nginx -s reload`):\n"
                    + top.map { "deny \($0);" }.joined(separator: "\n"))
        }
        if servers.apache && !top.isEmpty {
            fix.append(
                """
                Block now in Apache (in the protected <Directory>/<Location>, then `apachectl \
                graceful`):\n<RequireAll>\n    Require valid-user\n
                """
                    + top.map { "    Require not ip \($0)" }.joined(separator: "\n") + "\n</RequireAll>")
        }
        let worst = offenders[0]
        let detail =
            """
            \(offenders.count) client\(offenders.count == 1 ? "" : "s") got at least \(t.bruteForceMinFailures) \
            failed 401s with at least \(t.bruteForceMinPeak) within \(worst.burstWindow) s; the worst, \
            \(worst.address), got \(worst.failures). That is password guessing or a misbehaving script retrying \
            without pause.
            """
        return [Finding(.logsBruteForce, detail: detail, evidence: evidence, fix: fix)]
    }

    /// A jail.local block for the stock fail2ban filter that reads the server's error log.
    static func jail(name: String, logpath: String) -> String {
        """
        fail2ban, /etc/fail2ban/jail.local \
        (then `sudo systemctl restart fail2ban && sudo fail2ban-client status \(name)`):
        [\(name)]
        enabled  = true
        port     = http,https
        logpath  = \(logpath)
        maxretry = 5
        findtime = 10m
        bantime  = 1h
        """
    }

    /// Raises `logs.brute-force`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<LogEvidence>(
        id: .logsBruteForce,
        triggering: [
            LogSample.evidence(
                LogSample.summary(clients: [
                    LogSample.client("203.0.113.7", failures: 300, peak: 120, users: ["admin", "root", "test"])
                ])),
            // A stricter threshold from the command line catches a smaller burst.
            LogEvidence(
                LogSample.summary(clients: [LogSample.client("203.0.113.8", failures: 8, peak: 8)]),
                thresholds: LogThresholds(bruteForceMinFailures: 5, bruteForceMinPeak: 5)),
        ],
        nonTriggering: [
            // Many failures, but one a minute: a stale password in a monitor, not a burst.
            LogSample.evidence(LogSample.summary(clients: [LogSample.client("198.51.100.2", failures: 500, peak: 1)])),
            // A person mistyping a few times.
            LogSample.evidence(
                LogSample.summary(clients: [LogSample.client("198.51.100.3", failures: 4, peak: 4, successes: 30)])),
        ])
}

/// `logs.never-succeeds`: a client or user with failed 401s and not one 2xx/3xx in the period.
/// Handshakes (401 then 2xx within seconds) are not failures, so a browser's normal login never
/// shows up here.
public enum NeverSucceedsLogRule: Rule {
    /// One finding listing users and clients with at least `neverSucceedsMinFailures` failed 401s and no success.
    public static func check(_ e: LogEvidence) -> [Finding] {
        let minimum = e.thresholds.neverSucceedsMinFailures
        let clients = e.summary.clients.filter { $0.successes == 0 && $0.failures >= minimum }
            .sorted { ($1.failures, $0.address) < ($0.failures, $1.address) }
        let users = e.summary.users.filter { $0.successes == 0 && $0.failures >= minimum }
            .sorted { ($1.failures, $0.name) < ($0.failures, $1.name) }
        guard !clients.isEmpty || !users.isEmpty else { return [] }
        let evidence =
            LogFigures.capped(
                users.prefix(10).map {
                    """
                    user \(LogFigures.user($0.name)): \($0.failures) failed 401s, 0 successes, \
                    \(LogTime.iso($0.firstFailure)) – \(LogTime.iso($0.lastFailure))
                    """
                },
                total: users.count, limit: 10)
            + LogFigures.capped(
                clients.prefix(10).map {
                    """
                    client \($0.address): \($0.failures) failed 401s, 0 successes, \(LogTime.iso($0.firstFailure)) \
                    – \(LogTime.iso($0.lastFailure))
                    """
                },
                total: clients.count, limit: 10)
        var parts: [String] = []
        if !users.isEmpty { parts.append("\(users.count) user\(users.count == 1 ? "" : "s")") }
        if !clients.isEmpty { parts.append("\(clients.count) client\(clients.count == 1 ? "" : "s")") }
        let detail =
            """
            \(parts.joined(separator: " and ")) got only failed 401s (at least \(minimum) each) and never a \
            success in the period: stored credentials that are wrong or outdated, or a client that never sends \
            them.
            """
        return [Finding(.logsNeverSucceeds, detail: detail, evidence: evidence)]
    }

    /// Raises `logs.never-succeeds`; the examples are inputs that must raise it and inputs that must not.
    public static let description = RuleDescription<LogEvidence>(
        id: .logsNeverSucceeds,
        triggering: [
            LogSample.evidence(LogSample.summary(clients: [LogSample.client("192.0.2.10", failures: 60, peak: 1)])),
            LogSample.evidence(
                LogSample.summary(users: [
                    UserRecord(
                        name: "backup", failures: 12, successes: 0, firstFailure: LogSample.t0,
                        lastFailure: LogSample.t0 + 3600)
                ])),
        ],
        nonTriggering: [
            LogSample.evidence(
                LogSample.summary(clients: [LogSample.client("192.0.2.11", failures: 60, peak: 1, successes: 3)])),
            LogSample.evidence(
                LogSample.summary(users: [
                    UserRecord(
                        name: "alice", failures: 2, successes: 0, firstFailure: LogSample.t0, lastFailure: LogSample.t0)
                ])),
        ])
}
