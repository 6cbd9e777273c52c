import ArgumentParser
import Credentials
import Diagnosis
import Report

/// `why401 htpasswd verify FILE USER` and `why401 htpasswd lint FILE`: offline checks of an htpasswd
/// or htdigest file, judged for Apache httpd and/or nginx. The password is read only from a no-echo
/// prompt or from stdin (`--password-stdin`), never from argv or the environment, and never printed.
struct HtpasswdCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "htpasswd",
        abstract: "Verify a password against an htpasswd/htdigest file, or lint the file.",
        discussion: """
            Formats: $apr1$ (htpasswd -m), bcrypt $2y$ $2b$ $2a$ (-B), {SHA} (-s), DES crypt (-d), $5$ (-2), \
            $6$ (-5), $1$, $y$, {SSHA}, {PLAIN}, plain text (-p); htdigest files (user:realm:md5hex) are \
            recognised by their shape or by --realm.

            Each format is judged for the target servers (--server, default both), as measured on Apache \
            2.4 and nginx 1.22: plain text never matches on either; {PLAIN} and {SSHA} match on nginx only; \
            DES crypt checks only the first 8 characters.

            Examples:
              why401 htpasswd verify /etc/apache2/.htpasswd alice          (prompts without echo)
              printf '%s\\n' "$PASS" | why401 htpasswd verify --password-stdin FILE alice --json
              why401 htpasswd lint /etc/nginx/.htpasswd --server nginx
              why401 htpasswd verify --realm "Private Area" /etc/apache2/.htdigest alice

            Exit codes (like htpasswd -v): verify exits 0 when USER's password verifies with a hash every \
            target server can read, whatever other lines hold (their problems are listed as warnings), and \
            1 on a mismatch, an unknown user or a hash the server cannot use; lint exits 0 with no error \
            finding (weak hashes are warnings) and 1 with malformed lines or unusable hashes; 2 usage \
            error, 3 the file could not be read.
            """,
        subcommands: [Verify.self, Lint.self]
    )

    /// Password files may be big (10⁶ users); the cap only guards against reading a disk image.
    static let fileLimit = 256 << 20

    struct Targets: ParsableArguments {
        enum ServerChoice: String, ExpressibleByArgument, CaseIterable {
            case apache, nginx, both
        }

        @Option(name: .long, help: "Judge the file for apache, nginx or both.")
        var server: ServerChoice = .both

        @Option(name: .long, help: ArgumentHelp("Treat the file as htdigest (user:realm:md5) and use this realm.", valueName: "REALM"))
        var realm: String?

        var servers: [PasswordServer] {
            switch server {
            case .apache: [.apache]
            case .nginx: [.nginx]
            case .both: [.apache, .nginx]
            }
        }

        func load(_ path: String) throws -> PasswordFile {
            let bytes = try SecretInput.readSmallFileBytes(path, what: "htpasswd", limit: HtpasswdCommand.fileLimit)
            return PasswordFile.parse(bytes, kind: realm == nil ? nil : .htdigest)
        }
    }

    // MARK: - verify

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Check USER's password against FILE (the password from a no-echo prompt or stdin).",
            discussion: """
                The password is never taken from the command line. Without --password-stdin why401 asks for \
                it on the terminal without echo; with --password-stdin it reads one line from stdin (a \
                trailing CR/LF is removed). Exit codes: 0 USER's password verifies with a hash the --server \
                can read (problems on other lines are warnings and do not change it: use lint for the whole \
                file), 1 it does not, 2 usage, 3 unreadable file.
                """)

        @Argument(help: "The htpasswd or htdigest file.")
        var file: String

        @Argument(help: "The user name, exactly as the client sends it.")
        var user: String

        @Flag(name: .long, help: "Read the password from the first line of stdin instead of prompting.")
        var passwordStdin = false

        @OptionGroup var targets: Targets
        @OptionGroup var output: OutputOptions

        func run() throws {
            let parsed = try targets.load(file)
            var realm = targets.realm
            if parsed.kind == .htdigest, realm == nil {
                let realms = parsed.realms(of: user)
                if realms.count > 1 {
                    throw CLIFailure.usage("\(PasswordFile.display(user)) is in \(realms.count) realms of \(file): give --realm")
                }
                realm = realms.first
            }
            let password = try readPassword()
            let check = PasswordCheck.run(parsed, user: user, realm: realm, password: password)
            let servers = parsed.kind == .htdigest ? [.apache] : targets.servers
            let findings = PasswordFileRules.verify(file: parsed, check: check, servers: servers)
            // The question asked is this user's password: other lines' problems are warnings only.
            let verifies = PasswordFileRules.verifies(check, kind: parsed.kind, servers: servers)
            let outcome: DiagnosticReport.Outcome = verifies && !findings.contains { $0.severity == .error } ? .ok : .problems
            var report = DiagnosticReport(
                command: "htpasswd verify", subject: "\(file) user \(PasswordFile.display(user))", outcome: outcome,
                findings: findings,
                extra: [("password_file", HtpasswdCommand.fileJSON(parsed, path: file)), ("verification", Self.json(check, servers: servers))],
                sections: [Self.section(check, file: parsed, servers: servers, verifies: verifies)])
            // The verdict line answers the question asked, with the other lines' warnings counted.
            let warnings = findings.filter { $0.severity == .warning }.count
            report.headline = Self.headline(check, servers: servers, verifies: verifies)
                + (warnings > 0 ? " — \(warnings) warning\(warnings == 1 ? "" : "s")" : "")
            try output.emit(report)
        }

        /// The answer in one line: `✓ alice: password verifies`, `✗ alice: password does not verify`…
        static func headline(_ check: PasswordCheck, servers: [PasswordServer], verifies: Bool) -> String {
            let who = PasswordFile.display(check.user)
            if verifies { return "✓ \(who): password verifies" }
            switch check.result {
            case .userNotFound:
                return "✗ \(who): no such user" + (check.realm.map { " in realm \"\(PasswordFile.display($0))\"" } ?? "")
            case .checked(let entry, .match):
                let refusing = servers.filter { server in entry.format.map { !$0.accepted(by: server) } ?? false }.map(\.displayName)
                return "✗ \(who): password matches, but \(refusing.joined(separator: " and ")) never accept\(refusing.count == 1 ? "s" : "") this hash"
            case .checked(_, .mismatch):
                return "✗ \(who): password does not verify"
            case .checked(_, .unverifiable):
                return "✗ \(who): the stored hash cannot be checked"
            }
        }

        func readPassword() throws -> String {
            if passwordStdin {
                guard let line = try SecretInput.boundedLine() else { throw CLIFailure.usage("--password-stdin: stdin is empty") }
                return line
            }
            guard let password = SecretInput.promptWithoutEcho("Password for \(PasswordFile.display(user)): ") else {
                throw CLIFailure.usage("no terminal to ask for the password: pipe it in with --password-stdin")
            }
            return password
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
                if let format = entry.format {
                    fields.append(("servers", .object(servers.map { ($0.rawValue, .string(format.accepted(by: $0) ? "accepted" : "never-matches")) })))
                }
            }
            return .object(fields)
        }

        static func section(_ check: PasswordCheck, file: PasswordFile, servers: [PasswordServer], verifies: Bool) -> DiagnosticReport.Section {
            var lines = ["\(file.kind.rawValue) file, \(file.entries.count) entries, \(file.malformed.count) malformed line(s)"]
            switch check.result {
            case .userNotFound:
                lines.append("user \"\(PasswordFile.display(check.user))\": not found")
            case .checked(let entry, let verdict):
                let format = entry.format?.displayName ?? "htdigest MD5 (realm \"\(PasswordFile.display(entry.realm ?? ""))\")"
                lines.append("user \"\(PasswordFile.display(entry.user))\": line \(entry.line), \(format), password \(verdict == .match ? "verifies" : verdict == .mismatch ? "does not verify" : "cannot be checked")")
                if let f = entry.format {
                    for server in servers { lines.append("  \(server.displayName): \(f.accepted(by: server) ? "accepts this format" : "never matches this format")") }
                }
            }
            if file.kind == .htdigest { lines.append("htdigest files are for Apache mod_auth_digest; nginx has no Digest authentication") }
            return DiagnosticReport.Section(title: headline(check, servers: servers, verifies: verifies), lines: lines)
        }
    }

    // MARK: - lint

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "lint",
            abstract: "List malformed lines, weak hashes and hashes the target servers cannot use.",
            discussion: "Exit codes: 0 no error finding (weak hashes are warnings), 1 malformed lines or unusable hashes, 3 unreadable file.")

        @Argument(help: "The htpasswd or htdigest file.")
        var file: String

        @OptionGroup var targets: Targets
        @OptionGroup var output: OutputOptions

        func run() throws {
            let parsed = try targets.load(file)
            let servers = parsed.kind == .htdigest ? [.apache] : targets.servers
            let findings = PasswordFileRules.lint(file: parsed, servers: servers)
            let outcome: DiagnosticReport.Outcome = findings.contains { $0.severity == .error } ? .problems : .ok
            try output.emit(
                DiagnosticReport(
                    command: "htpasswd lint", subject: file, outcome: outcome, findings: findings,
                    extra: [("password_file", HtpasswdCommand.fileJSON(parsed, path: file)), ("users", Self.usersJSON(parsed, servers: servers))],
                    sections: [Self.section(parsed, servers: servers)]))
        }

        /// Listed users are capped: a 10⁶-line file must not make a 10⁶-object report.
        static let userListLimit = 1000

        static func usersJSON(_ file: PasswordFile, servers: [PasswordServer]) -> JSONValue {
            .array(
                file.entries.prefix(userListLimit).map { entry in
                    var fields: [(String, JSONValue)] = [("line", .int(entry.line)), ("user", .string(entry.user))]
                    if let realm = entry.realm { fields.append(("realm", .string(realm))) }
                    fields.append(("format", .string(entry.format?.rawValue ?? "htdigest")))
                    if let format = entry.format {
                        fields.append(("weak", .bool(format.weakness != nil)))
                        fields.append(("servers", .object(servers.map { ($0.rawValue, .string(format.accepted(by: $0) ? "accepted" : "never-matches")) })))
                    }
                    return .object(fields)
                })
        }

        static func section(_ file: PasswordFile, servers: [PasswordServer]) -> DiagnosticReport.Section {
            var lines = ["\(file.kind.rawValue) file, \(file.lineCount) lines, \(file.entries.count) entries, \(file.malformed.count) malformed line(s)"]
            if file.kind == .htdigest {
                var realms: [String: Int] = [:]
                for e in file.entries { realms[e.realm ?? "", default: 0] += 1 }
                for (realm, n) in realms.sorted(by: { $0.key < $1.key }) { lines.append("realm \"\(PasswordFile.display(realm))\": \(n) user(s)") }
                lines.append("htdigest files are for Apache mod_auth_digest; nginx has no Digest authentication")
            } else {
                var counts: [PasswordHashFormat: Int] = [:]
                for e in file.entries { if let f = e.format { counts[f, default: 0] += 1 } }
                for format in PasswordHashFormat.allCases {
                    guard let n = counts[format] else { continue }
                    let support = servers.map { "\($0.displayName) \(format.accepted(by: $0) ? "ok" : "never matches")" }.joined(separator: ", ")
                    lines.append("\(format.displayName): \(n) — \(support)\(format.weakness == nil ? "" : ", weak")")
                }
            }
            return DiagnosticReport.Section(title: "Password file", lines: lines)
        }
    }

    static func fileJSON(_ file: PasswordFile, path: String) -> JSONValue {
        .object([
            ("path", .string(path)), ("kind", .string(file.kind.rawValue)), ("lines", .int(file.lineCount)),
            ("entries", .int(file.entries.count)), ("malformed", .array(file.malformed.prefix(1000).map { .object([("line", .int($0.line)), ("reason", .string($0.reason))]) })),
        ])
    }
}
