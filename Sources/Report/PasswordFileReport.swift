import CredentialModel
import Diagnosis

/// What `why401 htpasswd verify` or `lint` concluded: the parsed file, the servers it was judged for,
/// the user's check (verify), and the findings. Built by `UseCase.verifyPasswordFile` /
/// `lintPasswordFile`; `PasswordFileReport` renders it. Holds no password.
public struct PasswordFileResult: Sendable {
    /// The file as the request named it.
    public var path: String
    public var evidence: PasswordFileEvidence
    /// Ranked.
    public var findings: [Finding]

    public init(path: String, evidence: PasswordFileEvidence, findings: [Finding]) {
        self.path = path
        self.evidence = evidence
        self.findings = findings
    }

    /// verify: the user's password verifies with a hash every target server can read (the other
    /// lines do not change it). Nil for lint.
    public var verifies: Bool? {
        evidence.check.map { PasswordFileRules.verifies($0, kind: evidence.file.kind, servers: evidence.servers) }
    }
}

/// The `htpasswd verify` and `htpasswd lint` reports: JSON `password_file` and `verification` or
/// `users`; text and Markdown a section about the file (and the user), and for verify a headline
/// that answers the question asked ("✓ alice: password verifies — 2 warnings").
public enum PasswordFileReport {
    /// Listed users are capped: a 10⁶-line file must not make a 10⁶-object report.
    public static let userListLimit = 1000

    /// verify states `.problems` when the user's password does not verify with a hash every target
    /// server reads (a command-specific failure, whatever the threshold), lint states `.ok`; the exit
    /// policy raises `.ok` when a finding reaches `--fail-on` (other lines' warnings with `--fail-on warning`).
    public static func report(_ r: PasswordFileResult) -> DiagnosticReport {
        guard let check = r.evidence.check else { return lintReport(r) }
        return verifyReport(r, check: check)
    }

    // MARK: - verify

    static func verifyReport(_ r: PasswordFileResult, check: PasswordCheck) -> DiagnosticReport {
        let file = r.evidence.file
        let servers = r.evidence.servers
        let verifies = r.verifies ?? false
        let outcome: DiagnosticReport.Outcome =
            verifies && !r.findings.contains { $0.severity == .error } ? .ok : .problems
        var report = DiagnosticReport(
            command: "htpasswd verify", subject: "\(r.path) user \(PasswordFile.display(check.user))", outcome: outcome,
            findings: r.findings,
            extra: [("password_file", fileJSON(file, path: r.path)), ("verification", json(check, servers: servers))],
            sections: [section(check, file: file, servers: servers, verifies: verifies)])
        // The verdict line answers the question asked, with the other lines' warnings counted.
        let warnings = r.findings.filter { $0.severity == .warning }.count
        report.headline =
            headline(check, servers: servers, verifies: verifies)
            + (warnings > 0 ? " — \(warnings) warning\(warnings == 1 ? "" : "s")" : "")
        return report
    }

    /// The answer in one line: `✓ alice: password verifies`, `✗ alice: password does not verify`…
    static func headline(_ check: PasswordCheck, servers: [PasswordServer], verifies: Bool) -> String {
        let who = PasswordFile.display(check.user)
        if verifies { return "✓ \(who): password verifies" }
        switch check.result {
        case .userNotFound:
            return "✗ \(who): no such user" + (check.realm.map { " in realm \"\(PasswordFile.display($0))\"" } ?? "")
        case .checked(let entry, .match):
            let refusing = servers.filter { server in entry.format.map { !$0.accepted(by: server) } ?? false }
                .map(\.displayName)
            return
                """
                ✗ \(who): password matches, but \(refusing.joined(separator: " and ")) never \
                accept\(refusing.count == 1 ? "s" : "") this hash
                """
        case .checked(_, .mismatch):
            return "✗ \(who): password does not verify"
        case .checked(_, .unverifiable):
            return "✗ \(who): the stored hash cannot be checked"
        }
    }

    static func json(_ check: PasswordCheck, servers: [PasswordServer]) -> JSONValue {
        var fields: [(String, JSONValue)] = [
            ("user", .string(check.user)), ("realm", check.realm.map { .string($0) } ?? .null),
        ]
        switch check.result {
        case .userNotFound:
            fields += [("found", .bool(false)), ("line", .null), ("format", .null), ("verdict", .null)]
        case .checked(let entry, let verdict):
            fields += [
                ("found", .bool(true)), ("line", .int(entry.line)),
                ("format", .string(entry.format?.rawValue ?? "htdigest")), ("verdict", .string(verdict.rawValue)),
            ]
            if let format = entry.format { fields.append(("servers", serversJSON(format, servers))) }
        }
        return .object(fields)
    }

    static func section(_ check: PasswordCheck, file: PasswordFile, servers: [PasswordServer], verifies: Bool)
        -> DiagnosticReport.Section
    {
        var lines = [
            "\(file.kind.rawValue) file, \(file.entries.count) entries, \(file.malformed.count) malformed line(s)"
        ]
        switch check.result {
        case .userNotFound:
            lines.append("user \"\(PasswordFile.display(check.user))\": not found")
        case .checked(let entry, let verdict):
            let format =
                entry.format?.displayName ?? "htdigest MD5 (realm \"\(PasswordFile.display(entry.realm ?? ""))\")"
            let answer = verdict == .match ? "verifies" : verdict == .mismatch ? "does not verify" : "cannot be checked"
            lines.append(
                "user \"\(PasswordFile.display(entry.user))\": line \(entry.line), \(format), password \(answer)")
            if let f = entry.format {
                for server in servers {
                    let answer = f.accepted(by: server) ? "accepts this format" : "never matches this format"
                    lines.append("  \(server.displayName): \(answer)")
                }
            }
        }
        if file.kind == .htdigest { lines.append(digestNote) }
        return DiagnosticReport.Section(title: headline(check, servers: servers, verifies: verifies), lines: lines)
    }

    // MARK: - lint

    static func lintReport(_ r: PasswordFileResult) -> DiagnosticReport {
        let file = r.evidence.file
        let servers = r.evidence.servers
        return DiagnosticReport(
            command: "htpasswd lint", subject: r.path, outcome: .ok, findings: r.findings,
            extra: [("password_file", fileJSON(file, path: r.path)), ("users", usersJSON(file, servers: servers))],
            sections: [lintSection(file, servers: servers)])
    }

    static func usersJSON(_ file: PasswordFile, servers: [PasswordServer]) -> JSONValue {
        .array(
            file.entries.prefix(userListLimit).map { entry in
                var fields: [(String, JSONValue)] = [("line", .int(entry.line)), ("user", .string(entry.user))]
                if let realm = entry.realm { fields.append(("realm", .string(realm))) }
                fields.append(("format", .string(entry.format?.rawValue ?? "htdigest")))
                if let format = entry.format {
                    fields.append(("weak", .bool(format.weakness != nil)))
                    fields.append(("servers", serversJSON(format, servers)))
                }
                return .object(fields)
            })
    }

    static func lintSection(_ file: PasswordFile, servers: [PasswordServer]) -> DiagnosticReport.Section {
        var lines = [
            """
            \(file.kind.rawValue) file, \(file.lineCount) lines, \(file.entries.count) entries, \
            \(file.malformed.count) malformed line(s)
            """
        ]
        if file.kind == .htdigest {
            var realms: [String: Int] = [:]
            for e in file.entries { realms[e.realm ?? "", default: 0] += 1 }
            for (realm, n) in realms.sorted(by: { $0.key < $1.key }) {
                lines.append("realm \"\(PasswordFile.display(realm))\": \(n) user(s)")
            }
            lines.append(digestNote)
        } else {
            var counts: [PasswordHashFormat: Int] = [:]
            for e in file.entries { if let f = e.format { counts[f, default: 0] += 1 } }
            for format in PasswordHashFormat.allCases {
                guard let n = counts[format] else { continue }
                let support = servers.map { "\($0.displayName) \(format.accepted(by: $0) ? "ok" : "never matches")" }
                    .joined(separator: ", ")
                lines.append("\(format.displayName): \(n) — \(support)\(format.weakness == nil ? "" : ", weak")")
            }
        }
        return DiagnosticReport.Section(title: "Password file", lines: lines)
    }

    // MARK: - Shared

    static let digestNote = "htdigest files are for Apache mod_auth_digest; nginx has no Digest authentication"

    static func serversJSON(_ format: PasswordHashFormat, _ servers: [PasswordServer]) -> JSONValue {
        .object(servers.map { ($0.rawValue, .string(format.accepted(by: $0) ? "accepted" : "never-matches")) })
    }

    static func fileJSON(_ file: PasswordFile, path: String) -> JSONValue {
        .object([
            ("path", .string(path)), ("kind", .string(file.kind.rawValue)), ("lines", .int(file.lineCount)),
            ("entries", .int(file.entries.count)),
            (
                "malformed",
                .array(
                    file.malformed.prefix(1000).map {
                        .object([("line", .int($0.line)), ("reason", .string($0.reason))])
                    })
            ),
        ])
    }
}
