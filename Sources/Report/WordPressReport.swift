import Diagnosis
import Evidence

/// What `why401 wordpress DIR` concluded: the install as read (and, after `--bisect --apply`, the
/// bisect's outcome inside `facts.bisect`), folders an interrupted bisect left renamed, the plan
/// when `--bisect` ran without `--apply`, and the findings. Built by `UseCase.auditWordPress`.
public struct WordPressResult: Sendable {
    public var facts: WordPressFacts
    /// Plugin folders still carrying the bisect's suffix (full paths): an earlier run was interrupted.
    public var leftovers: [String]
    /// How to undo the leftovers: through the journal when there is one, else by hand.
    public var leftoverJournal: LeftoverJournal
    /// `--bisect URL` without `--apply`: what would be done (nothing was changed).
    public var plan: Plan?
    public var findings: [Finding]

    /// Where the record of an interrupted bisect is.
    public enum LeftoverJournal: Sendable, Equatable {
        /// A journal exists: `--undo` restores the names. `explicit` is the `--journal` given, if any,
        /// so the printed command names the same file.
        case present(explicit: String?)
        /// No journal at this path: the folders must be renamed back by hand.
        case absent(path: String)
    }

    /// The bisect that `--apply` would run.
    public struct Plan: Sendable, Equatable {
        public var url: String
        /// Plugin folders that would be toggled, in order.
        public var candidates: [String]
        /// Upper bound of probe requests.
        public var maxProbes: Int
        /// The plan in words, one step a line.
        public var steps: [String]
        public var journal: String

        public init(url: String, candidates: [String], maxProbes: Int, steps: [String], journal: String) {
            self.url = url
            self.candidates = candidates
            self.maxProbes = maxProbes
            self.steps = steps
            self.journal = journal
        }
    }

    public init(
        facts: WordPressFacts, leftovers: [String], leftoverJournal: LeftoverJournal, plan: Plan?, findings: [Finding]
    ) {
        self.facts = facts
        self.leftovers = leftovers
        self.leftoverJournal = leftoverJournal
        self.plan = plan
        self.findings = findings
    }
}

/// The `wordpress` report: JSON `wordpress` (and `bisect_plan` or `bisect`), text sections for the
/// install, leftovers of an interrupted bisect, the plan or the bisect's steps.
public enum WordPressReport {
    /// Plugins listed in the text at most.
    public static let pluginLineLimit = 200

    /// States only what it knows without a threshold: a bisect that could not put every folder back
    /// is `.problems` whatever the findings; otherwise `.ok`, raised by the exit policy.
    public static func report(_ r: WordPressResult) -> DiagnosticReport {
        let facts = r.facts
        var sections = [overview(facts)]
        var extra: [(String, JSONValue)] = [("wordpress", json(facts))]
        if !r.leftovers.isEmpty {
            let how: String
            switch r.leftoverJournal {
            case .present(let explicit):
                let journal = explicit.map { " --journal " + ModeChange.shellQuoted($0) } ?? ""
                how = "restore: `why401 wordpress \(ModeChange.shellQuoted(facts.directory)) --undo\(journal)`"
            case .absent(let path):
                how =
                    "no journal at \(path): rename each back by hand (drop the \(WordPressFacts.disabledSuffix) suffix)"
            }
            sections.append(
                DiagnosticReport.Section(title: "Left renamed by an interrupted bisect", lines: r.leftovers + [how]))
        }
        if let plan = r.plan {
            sections.append(
                DiagnosticReport.Section(
                    title: "Bisect plan (nothing changed; add --apply to run it)",
                    lines: plan.steps + ["candidates: " + plan.candidates.joined(separator: ", ")]))
            extra.append(
                (
                    "bisect_plan",
                    .object([
                        ("url", .string(plan.url)), ("candidates", .array(plan.candidates.map { .string($0) })),
                        ("max_probes", .int(plan.maxProbes)), ("journal", .string(plan.journal)),
                    ])
                ))
        }
        var outcome = DiagnosticReport.Outcome.ok
        if let bisect = facts.bisect {
            sections.append(bisectSection(bisect))
            extra.append(("bisect", json(bisect)))
            if !bisect.restored { outcome = .problems }
        }
        return DiagnosticReport(
            command: "wordpress", subject: facts.directory, outcome: outcome, findings: r.findings, extra: extra,
            sections: sections)
    }

    static func overview(_ facts: WordPressFacts) -> DiagnosticReport.Section {
        var lines = ["WordPress \(facts.version ?? "(version unreadable)") in \(facts.directory)"]
        switch facts.activeSource {
        case .wpCLI: lines.append("active plugins from WP-CLI (`wp plugin list --status=active`)")
        case .assumedAll(let why):
            lines.append("\(why): all \(facts.plugins.count) installed plugins are assumed active")
        }
        for plugin in facts.plugins.prefix(pluginLineLimit) {
            let state = plugin.active == false ? "inactive" : plugin.active == true ? "active" : "assumed active"
            let known = plugin.known.map { " — affects auth (\($0.category.rawValue)): \($0.reason)" } ?? ""
            lines.append("  \(plugin.name) \(plugin.version ?? "?") [\(plugin.folder)] \(state)\(known)")
        }
        if facts.plugins.count > pluginLineLimit {
            lines.append("  … and \(facts.plugins.count - pluginLineLimit) more")
        }
        if !facts.muPlugins.isEmpty {
            lines.append("must-use plugins (always active, not bisected): " + facts.muPlugins.joined(separator: ", "))
        }
        switch facts.htaccess {
        case .missing:
            lines.append(".htaccess: none (nginx, or Apache without rewrites: check the vhost for CGIPassAuth On)")
        case .unreadable(let why): lines.append(".htaccess: \(why)")
        case .present(let passThrough):
            lines.append(
                passThrough.isEmpty
                    ? ".htaccess: no Authorization pass-through"
                    : ".htaccess passes Authorization: " + passThrough.joined(separator: " | "))
        }
        return DiagnosticReport.Section(title: "WordPress", lines: lines)
    }

    static func bisectSection(_ outcome: BisectOutcome) -> DiagnosticReport.Section {
        var lines = outcome.steps.enumerated().map { index, step in
            let shown = step.deactivated.prefix(8).joined(separator: ", ") + (step.deactivated.count > 8 ? ", …" : "")
            return "step \(index + 1): deactivated \(step.deactivated.count) [\(shown)] → \(step.status)"
        }
        switch outcome.verdict {
        case .notFailing(let status):
            lines.append("\(outcome.url) answered \(status) with every plugin active: nothing to bisect")
        case .notAPlugin:
            lines.append(
                "still 401 with all \(outcome.candidates.count) plugin(s) deactivated: the cause is not a plugin")
        case .culprit(let folder): lines.append("culprit: \(folder)")
        case .combination(let folders):
            lines.append("no single culprit; the 401 ends with these off together: " + folders.joined(separator: ", "))
        }
        lines.append(
            outcome.restored
                ? "every plugin folder was renamed back; journal deleted" : "NOT all folders restored: run --undo")
        return DiagnosticReport.Section(title: "Bisect", lines: lines)
    }

    /// The JSON `wordpress` field.
    public static func json(_ facts: WordPressFacts) -> JSONValue {
        let active: JSONValue
        switch facts.activeSource {
        case .wpCLI: active = .string("wp-cli")
        case .assumedAll: active = .string("assumed-all")
        }
        let htaccess: JSONValue
        switch facts.htaccess {
        case .missing: htaccess = .object([("state", .string("missing"))])
        case .unreadable(let why): htaccess = .object([("state", .string("unreadable")), ("reason", .string(why))])
        case .present(let lines):
            htaccess = .object([("state", .string("present")), ("pass_through", .array(lines.map { .string($0) }))])
        }
        let plugins: [JSONValue] = facts.plugins.map { plugin in
            var fields: [(String, JSONValue)] = [
                ("folder", .string(plugin.folder)), ("main_file", .string(plugin.mainFile)),
                ("name", .string(plugin.name)),
                ("version", .optional(plugin.version)), ("active", plugin.active.map { .bool($0) } ?? .null),
            ]
            if let known = plugin.known {
                fields.append(
                    (
                        "affects_auth",
                        .object([("category", .string(known.category.rawValue)), ("reason", .string(known.reason))])
                    ))
            }
            return .object(fields)
        }
        let disabled: [JSONValue] = facts.applicationPasswordsDisabled.map {
            .object([("file", .string($0.file)), ("line", .int($0.line)), ("text", .string($0.text))])
        }
        return .object([
            ("directory", .string(facts.directory)),
            ("version", .optional(facts.version)),
            ("active_source", active),
            ("plugins", .array(plugins)),
            ("mu_plugins", .array(facts.muPlugins.map { .string($0) })),
            ("htaccess", htaccess),
            ("application_passwords_disabled", .array(disabled)),
        ])
    }

    /// The JSON `bisect` field.
    public static func json(_ outcome: BisectOutcome) -> JSONValue {
        let verdict: [(String, JSONValue)]
        switch outcome.verdict {
        case .notFailing(let status):
            verdict = [("verdict", .string("not-failing")), ("baseline_status", .int(status))]
        case .notAPlugin: verdict = [("verdict", .string("not-a-plugin"))]
        case .culprit(let folder): verdict = [("verdict", .string("culprit")), ("culprit", .string(folder))]
        case .combination(let folders):
            verdict = [("verdict", .string("combination")), ("plugins", .array(folders.map { .string($0) }))]
        }
        let steps: [JSONValue] = outcome.steps.map {
            .object([("deactivated", .array($0.deactivated.map { .string($0) })), ("status", .int($0.status))])
        }
        return .object(
            [("url", .string(outcome.url)), ("candidates", .array(outcome.candidates.map { .string($0) }))] + verdict
                + [
                    ("steps", .array(steps)),
                    ("restored", .bool(outcome.restored)),
                ])
    }
}
