import ArgumentParser
import Diagnosis
import Evidence
import HTTPAuth
import Probe
import Report
import ServerAudit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `why401 wordpress DIR [--bisect URL [--apply]] [--undo]`: reads a WordPress install (plugins,
/// `.htaccess`, application passwords) and, with `--bisect`, finds the plugin whose deactivation
/// ends a 401 by renaming plugin folders — journaled, always restored.
struct WordPressCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "wordpress",
        abstract: "Audit a WordPress install for causes of 401; --bisect finds the culprit plugin.",
        discussion: """
            Lists plugins from their headers and marks those known to affect authentication (security/\
            firewall, 2FA, JWT, basic-auth, REST-API restriction, maintenance, membership); checks .htaccess \
            for the HTTP_AUTHORIZATION pass-through and the code for application passwords switched off. \
            With WP-CLI (`wp`) installed the active plugins are asked for; otherwise every installed plugin \
            is assumed active.

            --bisect URL prints the plan; --bisect URL --apply runs it: plugin folders are renamed to \
            FOLDER.why401-off (WordPress's documented manual deactivation) and URL is probed after each \
            step, halving the suspects. Every rename is journaled before it is made; the original names are \
            restored at the end, on error and on Ctrl-C; after a crash run `why401 wordpress DIR --undo`. \
            Do not open wp-admin's Plugins page during a bisect: WordPress would deactivate the missing plugins.

            Examples:
              why401 wordpress /var/www/html
              why401 wordpress /var/www/html --bisect https://example.com/wp-json/wp/v2/users/me -u alice
              WHY401_PASSWORD='abcd efgh …' why401 wordpress /var/www/html --bisect URL -u alice --apply
              why401 wordpress /var/www/html --undo

            Exit codes: 0 nothing found, 1 a problem diagnosed (or the culprit found), 2 usage, 3 not a \
            WordPress directory, unreadable, probe failed, or the journal blocks a new run.
            """)

    @Argument(help: "The WordPress directory (where wp-config.php and wp-includes/ are).")
    var directory: String

    @Option(name: .long, help: ArgumentHelp("Probe URL that answers 401; find the plugin whose deactivation ends it.", valueName: "URL"))
    var bisect: String?

    @Flag(name: .long, help: "Run the bisect (without it the plan is printed and nothing changes).")
    var apply = false

    @Flag(name: .long, help: "Rename back every plugin folder recorded in the journal (after a crash), then delete it.")
    var undo = false

    @Option(name: .long, help: ArgumentHelp("Journal file (default $WHY401_JOURNAL, /var/lib/why401/journal.jsonl or ~/.why401-journal.jsonl).", valueName: "FILE"))
    var journal: String?

    @Option(name: [.customShort("u"), .long], help: "USER[:PASS] for the probe (Basic). Without PASS: WHY401_PASSWORD, --password-stdin, or a no-echo prompt.")
    var user: String?

    @Flag(name: .long, help: "Read the probe password from the first line of stdin.")
    var passwordStdin = false

    @Option(name: .long, help: "Seconds for each probe request. Default 20.")
    var timeout: Double = 20

    @Flag(name: [.customShort("k"), .long], help: "Do not verify the probe URL's TLS certificate.")
    var insecure = false

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if apply && bisect == nil { throw ValidationError("--apply needs --bisect URL") }
        if undo && (bisect != nil || apply) { throw ValidationError("--undo cannot be combined with --bisect or --apply") }
        if let bisect, !(bisect.hasPrefix("http://") || bisect.hasPrefix("https://")) {
            throw ValidationError("--bisect needs an absolute http(s) URL")
        }
        if !(timeout > 0 && timeout <= 600) { throw ValidationError("--timeout must be between 0 and 600 seconds") }
    }

    var journalPath: String { ChangeJournal.defaultPath(explicit: journal) }

    func run() async throws {
        if undo { return try output.emit(undoReport()) }
        var facts: WordPressFacts
        do {
            facts = try WordPressReader.inspect(directory)
        } catch let error as WordPressReader.NotWordPress {
            throw CLIFailure.incomplete(error.description)
        }
        let pluginsDirectory = facts.directory + "/wp-content/plugins"
        var sections = [Self.overview(facts)]
        var extra: [(String, JSONValue)] = [("wordpress", Self.json(facts))]
        let leftovers = WordPressReader.leftovers(in: pluginsDirectory)
        if !leftovers.isEmpty {
            sections.append(
                DiagnosticReport.Section(
                    title: "Left renamed by an interrupted bisect",
                    lines: leftovers.map { "\(pluginsDirectory)/\($0)" }
                        + [ChangeJournal.exists(at: journalPath) ? "restore: `why401 wordpress \(ModeChange.shellQuoted(facts.directory)) --undo\(journal.map { " --journal " + ModeChange.shellQuoted($0) } ?? "")`" : "no journal at \(journalPath): rename each back by hand (drop the \(WordPressReader.disabledSuffix) suffix)"]))
        }

        if let url = bisect {
            let plan = WordPressBisect.Plan(pluginsDirectory: pluginsDirectory, candidates: WordPressBisect.candidates(facts.plugins), url: url)
            if !apply {
                sections.append(DiagnosticReport.Section(title: "Bisect plan (nothing changed; add --apply to run it)", lines: plan.lines + ["candidates: " + plan.candidates.joined(separator: ", ")]))
                extra.append(("bisect_plan", .object([("url", .string(url)), ("candidates", .array(plan.candidates.map { .string($0) })), ("max_probes", .int(plan.maxProbes)), ("journal", .string(journalPath))])))
            } else {
                let outcome = try await runBisect(plan)
                facts.bisect = outcome
                sections.append(Self.bisectSection(outcome))
                extra.append(("bisect", Self.json(outcome)))
            }
        }
        let findings = WordPressRules.run(facts)
        let outcome: DiagnosticReport.Outcome = findings.contains { $0.severity != .info } ? .problems : .ok
        try output.emit(DiagnosticReport(command: "wordpress", subject: facts.directory, outcome: outcome, findings: findings, extra: extra, sections: sections))
    }

    // MARK: - Bisect

    func runBisect(_ plan: WordPressBisect.Plan) async throws -> BisectOutcome {
        let headers = try authorizationHeaders()
        var options = ProbeOptions()
        options.insecure = insecure
        options.connectTimeout = min(timeout, 10)
        options.readTimeout = timeout
        options.deadline = timeout
        options.preferHTTP2 = false
        let prober = Prober(options: options)
        let url = plan.url
        let probe: () async throws -> Int = {
            let result = await prober.send(ProbeRequest(url: url, headers: headers, purpose: "bisect"))
            if let failure = result.failure { throw BisectProbeError(description: "probe \(url): \(failure)") }
            guard let status = result.exchange.response?.status else { throw BisectProbeError(description: "probe \(url): no response") }
            return status
        }
        let path = journalPath
        let say: @Sendable (String) -> Void = { AdminStderr.say("why401: " + $0) }
        say("bisect of \(plan.candidates.count) plugin folder(s) against \(url); journal \(path)")
        let changeGuard = ChangeGuard(journalPath: path, report: say)
        changeGuard.install()
        defer { changeGuard.uninstall() }
        do {
            return try await WordPressBisect(plan: plan, journalPath: path, guard: changeGuard, log: say).run(probe: probe)
        } catch {
            throw CLIFailure.incomplete("--bisect: \(error)")
        }
    }

    /// Basic credentials for the probe; the password never reaches output (only the user name does).
    func authorizationHeaders() throws -> [HeaderField] {
        guard let user else { return [] }
        let name: String
        let password: String
        if let colon = user.firstIndex(of: ":") {
            name = String(user[..<colon])
            password = String(user[user.index(after: colon)...])
        } else {
            name = user
            password = try SecretInput.password(fromStdin: passwordStdin, prompt: "Password for \(user): ")
        }
        do {
            return [HeaderField("Authorization", try BasicCredentials(user: name, password: password).authorizationValue())]
        } catch {
            throw CLIFailure.usage("-u: the user name or password cannot be sent with Basic: \(error)")
        }
    }

    /// A probe that got no HTTP answer; ends the bisect (after the folders are restored).
    struct BisectProbeError: Error, CustomStringConvertible {
        var description: String
    }

    // MARK: - Undo

    func undoReport() throws -> DiagnosticReport {
        let path = journalPath
        guard ChangeJournal.exists(at: path) else { throw CLIFailure.incomplete("--undo: no journal at \(path): nothing to undo") }
        do {
            let command = try ChangeJournal.read(path).command
            let steps = try ChangeJournal.undo(path)
            return PermissionOptions.undoReport(steps, command: command, journal: path, reportCommand: "wordpress --undo")
        } catch {
            throw CLIFailure.incomplete("--undo: \(error)")
        }
    }

    // MARK: - Rendering

    static func overview(_ facts: WordPressFacts) -> DiagnosticReport.Section {
        var lines = ["WordPress \(facts.version ?? "(version unreadable)") in \(facts.directory)"]
        switch facts.activeSource {
        case .wpCLI: lines.append("active plugins from WP-CLI (`wp plugin list --status=active`)")
        case .assumedAll(let why): lines.append("\(why): all \(facts.plugins.count) installed plugins are assumed active")
        }
        for plugin in facts.plugins.prefix(200) {
            let state = plugin.active == false ? "inactive" : plugin.active == true ? "active" : "assumed active"
            let known = plugin.known.map { " — affects auth (\($0.category.rawValue)): \($0.reason)" } ?? ""
            lines.append("  \(plugin.name) \(plugin.version ?? "?") [\(plugin.folder)] \(state)\(known)")
        }
        if facts.plugins.count > 200 { lines.append("  … and \(facts.plugins.count - 200) more") }
        if !facts.muPlugins.isEmpty { lines.append("must-use plugins (always active, not bisected): " + facts.muPlugins.joined(separator: ", ")) }
        switch facts.htaccess {
        case .missing: lines.append(".htaccess: none (nginx, or Apache without rewrites: check the vhost for CGIPassAuth On)")
        case .unreadable(let why): lines.append(".htaccess: \(why)")
        case .present(let passThrough):
            lines.append(passThrough.isEmpty ? ".htaccess: no Authorization pass-through" : ".htaccess passes Authorization: " + passThrough.joined(separator: " | "))
        }
        return DiagnosticReport.Section(title: "WordPress", lines: lines)
    }

    static func bisectSection(_ outcome: BisectOutcome) -> DiagnosticReport.Section {
        var lines = outcome.steps.enumerated().map { index, step in
            "step \(index + 1): deactivated \(step.deactivated.count) [\(step.deactivated.prefix(8).joined(separator: ", "))\(step.deactivated.count > 8 ? ", …" : "")] → \(step.status)"
        }
        switch outcome.verdict {
        case .notFailing(let status): lines.append("\(outcome.url) answered \(status) with every plugin active: nothing to bisect")
        case .notAPlugin: lines.append("still 401 with all \(outcome.candidates.count) plugin(s) deactivated: the cause is not a plugin")
        case .culprit(let folder): lines.append("culprit: \(folder)")
        case .combination(let folders): lines.append("no single culprit; the 401 ends with these off together: " + folders.joined(separator: ", "))
        }
        lines.append(outcome.restored ? "every plugin folder was renamed back; journal deleted" : "NOT all folders restored: run --undo")
        return DiagnosticReport.Section(title: "Bisect", lines: lines)
    }

    static func json(_ facts: WordPressFacts) -> JSONValue {
        let active: JSONValue
        switch facts.activeSource {
        case .wpCLI: active = .string("wp-cli")
        case .assumedAll: active = .string("assumed-all")
        }
        let htaccess: JSONValue
        switch facts.htaccess {
        case .missing: htaccess = .object([("state", .string("missing"))])
        case .unreadable(let why): htaccess = .object([("state", .string("unreadable")), ("reason", .string(why))])
        case .present(let lines): htaccess = .object([("state", .string("present")), ("pass_through", .array(lines.map { .string($0) }))])
        }
        return .object([
            ("directory", .string(facts.directory)),
            ("version", facts.version.map { .string($0) } ?? .null),
            ("active_source", active),
            (
                "plugins",
                .array(
                    facts.plugins.map { plugin in
                        var fields: [(String, JSONValue)] = [
                            ("folder", .string(plugin.folder)), ("main_file", .string(plugin.mainFile)), ("name", .string(plugin.name)),
                            ("version", plugin.version.map { .string($0) } ?? .null), ("active", plugin.active.map { .bool($0) } ?? .null),
                        ]
                        if let known = plugin.known {
                            fields.append(("affects_auth", .object([("category", .string(known.category.rawValue)), ("reason", .string(known.reason))])))
                        }
                        return .object(fields)
                    })
            ),
            ("mu_plugins", .array(facts.muPlugins.map { .string($0) })),
            ("htaccess", htaccess),
            (
                "application_passwords_disabled",
                .array(facts.applicationPasswordsDisabled.map { .object([("file", .string($0.file)), ("line", .int($0.line)), ("text", .string($0.text))]) })
            ),
        ])
    }

    static func json(_ outcome: BisectOutcome) -> JSONValue {
        let verdict: [(String, JSONValue)]
        switch outcome.verdict {
        case .notFailing(let status): verdict = [("verdict", .string("not-failing")), ("baseline_status", .int(status))]
        case .notAPlugin: verdict = [("verdict", .string("not-a-plugin"))]
        case .culprit(let folder): verdict = [("verdict", .string("culprit")), ("culprit", .string(folder))]
        case .combination(let folders): verdict = [("verdict", .string("combination")), ("plugins", .array(folders.map { .string($0) }))]
        }
        return .object(
            [("url", .string(outcome.url)), ("candidates", .array(outcome.candidates.map { .string($0) }))] + verdict + [
                ("steps", .array(outcome.steps.map { .object([("deactivated", .array($0.deactivated.map { .string($0) })), ("status", .int($0.status))]) })),
                ("restored", .bool(outcome.restored)),
            ])
    }
}
