import ArgumentParser
import Report
import Why401Kit

/// `why401 wordpress DIR [--bisect URL [--apply]] [--undo]`: flags → `UseCase.auditWordPress`, which
/// reads a WordPress install (plugins, `.htaccess`, application passwords) and, with `--bisect`, finds
/// the plugin whose deactivation ends a 401 by renaming plugin folders — journaled, always restored.
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

            Exit codes: 0 nothing found, 1 an error finding (the culprit found, among others; with \
            --fail-on warning, a warning too), 2 usage, 3 not a WordPress directory, unreadable, probe \
            failed, or the journal blocks a new run.
            """)

    @Argument(help: "The WordPress directory (where wp-config.php and wp-includes/ are).")
    var directory: String

    @Option(
        name: .long,
        help: ArgumentHelp("Probe URL that answers 401; find the plugin whose deactivation ends it.", valueName: "URL"))
    var bisect: String?

    @Flag(name: .long, help: "Run the bisect (without it the plan is printed and nothing changes).")
    var apply = false

    @Flag(name: .long, help: "Rename back every plugin folder recorded in the journal (after a crash), then delete it.")
    var undo = false

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Journal file (default $WHY401_JOURNAL, /var/lib/why401/journal.jsonl or ~/.why401-journal.jsonl).",
            valueName: "FILE"))
    var journal: String?

    @Option(
        name: [.customShort("u"), .long],
        help: "USER[:PASS] for the probe (Basic). Without PASS: WHY401_PASSWORD, --password-stdin, or a no-echo prompt."
    )
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
        if undo && (bisect != nil || apply) {
            throw ValidationError("--undo cannot be combined with --bisect or --apply")
        }
        if let bisect, !(bisect.hasPrefix("http://") || bisect.hasPrefix("https://")) {
            throw ValidationError("--bisect needs an absolute http(s) URL")
        }
        if !(timeout > 0 && timeout <= 600) { throw ValidationError("--timeout must be between 0 and 600 seconds") }
    }

    func run() async throws {
        if undo {
            let undone = try UseCase.undoChanges(UndoRequest(journal: journal))
            return try output.emit(PermissionReport.undo(undone, command: "wordpress --undo"))
        }
        var bisectRequest: WordPressBisectRequest?
        if let bisect {
            var probe = WordPressBisectRequest(url: bisect, apply: apply, timeout: timeout, insecure: insecure)
            if let user { (probe.user, probe.password) = credentials(user) }
            bisectRequest = probe
        }
        let request = WordPressAuditRequest(
            directory: directory, bisect: bisectRequest, journal: journal, console: .stderr)
        let result = try await UseCase.auditWordPress(request)
        try output.emit(WordPressReport.report(result))
    }

    /// `-u USER[:PASS]`: the password after the colon, else from stdin, `WHY401_PASSWORD` or a prompt —
    /// asked for only when the bisect runs (the plan alone sends no request and asks for nothing).
    func credentials(_ user: String) -> (String, @Sendable (String) throws -> String) {
        if let colon = user.firstIndex(of: ":") {
            let password = String(user[user.index(after: colon)...])
            return (String(user[..<colon]), { _ in password })
        }
        let fromStdin = passwordStdin
        return (user, { name in try SecretInput.password(fromStdin: fromStdin, prompt: "Password for \(name): ") })
    }
}
