import ArgumentParser
import Diagnosis
import Evidence
import Report
import ServerAudit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The permissions part of `why401 server`: walks each document root as the worker account, raises
/// `perm.unreadable`, `perm.world-writable`, `authfile.in-docroot`, and with `--apply` makes the
/// proposed chmods (printed first on stderr, journaled before each change, undone by `--undo`).
struct PermissionOptions: ParsableArguments {
    @Flag(name: .long, help: "Apply the proposed mode changes (printed first, journaled, undoable with --undo).")
    var apply = false
    @Flag(name: .long, help: "Restore the modes recorded in the journal, then delete it.")
    var undo = false
    @Option(name: .long, help: ArgumentHelp("Journal file (default $WHY401_JOURNAL, /var/lib/why401/journal.jsonl or ~/.why401-journal.jsonl).", valueName: "FILE"))
    var journal: String?

    var journalPath: String { ChangeJournal.defaultPath(explicit: journal) }

    func run(roots: [String], authFiles: [String], worker: WorkerIdentity) throws -> PermissionOutcome {
        let showProgress = isatty(STDERR_FILENO) == 1
        var walk = PermissionWalk(worker: worker)
        if showProgress {
            walk.progress = { count in AdminStderr.show("walking as \(worker.name): \(count) entries") }
        }
        let facts = walk.run(roots: roots, authFiles: authFiles)
        if showProgress { AdminStderr.clear() }
        var findings = PermissionRules.run(facts)
        let changes = facts.changes
        var applied: PermissionApply.Outcome?
        if apply, !changes.isEmpty {
            let path = journalPath
            AdminStderr.say("why401: applying \(changes.count) mode change(s), journal \(path):")
            for change in changes { AdminStderr.say("  \(change.command)    # was \(ModeChange.octal(change.from))") }
            let changeGuard = ChangeGuard(journalPath: path) { AdminStderr.say("why401: " + $0) }
            changeGuard.install()
            defer { changeGuard.uninstall() }
            do {
                applied = try PermissionApply.apply(changes, journalPath: path, guard: changeGuard)
            } catch {
                throw CLIFailure.incomplete("--apply: \(error)")
            }
            // What was fixed is no longer a finding: walk again and judge what is left.
            let after = PermissionWalk(worker: worker).run(roots: roots, authFiles: authFiles)
            findings = PermissionRules.run(after)
        }
        return PermissionOutcome(
            findings: findings,
            extra: [("permissions", Self.json(facts, applied: applied, journal: apply ? journalPath : nil))],
            sections: [Self.section(facts, applied: applied, journal: journalPath)])
    }

    /// `server --undo`: replays the journal backwards and reports each step.
    func undoReport() throws -> DiagnosticReport {
        let path = journalPath
        guard ChangeJournal.exists(at: path) else { throw CLIFailure.incomplete("--undo: no journal at \(path): nothing to undo") }
        let command: String
        let steps: [ChangeJournal.UndoStep]
        do {
            command = try ChangeJournal.read(path).command
            steps = try ChangeJournal.undo(path)
        } catch {
            throw CLIFailure.incomplete("--undo: \(error)")
        }
        return Self.undoReport(steps, command: command, journal: path, reportCommand: "server --undo")
    }

    static func undoReport(_ steps: [ChangeJournal.UndoStep], command: String, journal: String, reportCommand: String) -> DiagnosticReport {
        var lines: [String] = []
        var restored = 0, untouched = 0, failed = 0, conflicts = 0
        var items: [JSONValue] = []
        for step in steps {
            let what: String
            switch step.change {
            case .chmod(let path, let from, let to): what = "chmod \(ModeChange.octal(from)) \(path) (was set to \(ModeChange.octal(to)))"
            case .rename(let from, let to): what = "rename \(to) → \(from)"
            }
            let result: String
            switch step.result {
            case .restored:
                restored += 1
                result = "restored"
            case .alreadyOriginal:
                untouched += 1
                result = "already original"
            case .changedSince(let why):
                conflicts += 1
                result = "left alone: \(why)"
            case .failed(let why):
                failed += 1
                result = "FAILED: \(why)"
            }
            lines.append("\(what): \(result)")
            items.append(.object([("change", .string(what)), ("result", .string(result))]))
        }
        let summary = "\(restored) restored, \(untouched) already original, \(conflicts) changed since (left alone), \(failed) failed"
        lines.insert("journal \(journal) (from `why401 \(command)`): \(summary)\(failed == 0 ? "; journal deleted" : "; journal kept")", at: 0)
        return DiagnosticReport(
            command: reportCommand, subject: journal, outcome: failed == 0 ? .ok : .error,
            extra: [
                (
                    "undo",
                    .object([
                        ("journal", .string(journal)), ("journal_command", .string(command)), ("restored", .int(restored)),
                        ("already_original", .int(untouched)), ("changed_since", .int(conflicts)),
                        ("failed", .int(failed)), ("steps", .array(items)),
                    ])
                )
            ],
            sections: [DiagnosticReport.Section(title: "Undo", lines: Array(lines.prefix(200)) + (lines.count > 200 ? ["… and \(lines.count - 200) more"] : []))])
    }

    // MARK: - Rendering

    static func json(_ facts: PermissionFacts, applied: PermissionApply.Outcome?, journal: String?) -> JSONValue {
        func issue(_ i: PermissionIssue) -> JSONValue {
            .object([
                ("path", .string(i.path)), ("kind", .string(i.kind.rawValue)), ("mode", .string(ModeChange.octal(i.mode))),
                ("owner", .int(Int(i.owner))), ("group", .int(Int(i.group))),
                ("proposed_mode", .string(ModeChange.octal(i.proposedMode))), ("reason", .string(i.reason)),
            ])
        }
        let limit = 10_000
        var fields: [(String, JSONValue)] = [
            ("worker", .string(facts.worker)),
            ("roots", .array(facts.roots.map { .string($0) })),
            (
                "counts",
                .object([
                    ("directories", .int(facts.counts.directories)), ("files", .int(facts.counts.files)),
                    ("symlinks", .int(facts.counts.symlinks)), ("special", .int(facts.counts.special)),
                    ("unopenable", .int(facts.counts.unopenable)), ("total", .int(facts.counts.total)),
                ])
            ),
            ("truncated", .bool(facts.truncated)),
            ("unreadable", .array(facts.unreadable.prefix(limit).map(issue))),
            ("world_writable", .array(facts.worldWritable.prefix(limit).map(issue))),
            ("auth_files_in_root", .array(facts.authFilesInRoot.map { .object([("path", .string($0.path)), ("root", .string($0.root))]) })),
            ("symlink_loops", .array(facts.symlinkLoops.prefix(limit).map { .string($0) })),
            ("unwalkable", .array(facts.unwalkable.map { .string($0) })),
            (
                "changes",
                .array(
                    facts.changes.prefix(limit).map {
                        .object([("path", .string($0.path)), ("from", .string(ModeChange.octal($0.from))), ("to", .string(ModeChange.octal($0.to))), ("command", .string($0.command))])
                    })
            ),
        ]
        if let applied {
            fields.append(("applied", .int(applied.applied.count)))
            fields.append(("skipped", .array(applied.skipped.map { .string($0) })))
        }
        if let journal { fields.append(("journal", .string(journal))) }
        return .object(fields)
    }

    static func section(_ facts: PermissionFacts, applied: PermissionApply.Outcome?, journal: String) -> DiagnosticReport.Section {
        let c = facts.counts
        var lines = [
            "walked \(facts.roots.joined(separator: ", ")) as \(facts.worker): \(c.directories) directories, \(c.files) files, \(c.symlinks) symlinks (not followed), \(c.special) sockets/FIFOs/devices (not opened)\(facts.truncated ? " — stopped at the entry limit" : "")",
            "\(facts.unreadable.count) unreadable, \(facts.worldWritable.count) world-writable, \(facts.authFilesInRoot.count) password file(s) inside a root",
        ]
        if !facts.symlinkLoops.isEmpty {
            lines.append("symlink loops (not followed): " + facts.symlinkLoops.prefix(5).joined(separator: ", ") + (facts.symlinkLoops.count > 5 ? ", …" : ""))
        }
        for problem in facts.unwalkable { lines.append("not walked: \(problem)") }
        if let applied {
            lines.append("applied \(applied.applied.count) mode change(s); journal \(journal); undo with `why401 server --undo --journal \(ModeChange.shellQuoted(journal))`")
            if !applied.skipped.isEmpty { lines.append("skipped (mode changed since the walk): " + applied.skipped.prefix(5).joined(separator: ", ")) }
        } else if !facts.changes.isEmpty {
            lines.append("\(facts.changes.count) mode change(s) proposed; nothing was changed (add --apply to make them)")
        }
        return DiagnosticReport.Section(title: "Permissions", lines: lines)
    }
}

struct PermissionOutcome {
    var findings: [Finding]
    var extra: [(String, JSONValue)]
    var sections: [DiagnosticReport.Section]
}

/// One rewritable line on stderr for progress (only on a TTY), and plain lines for what --apply does.
enum AdminStderr {
    static func show(_ text: String) { emit("\r\u{1B}[K" + text) }
    static func clear() { emit("\r\u{1B}[K") }
    static func say(_ text: String) { emit(text + "\n") }

    private static func emit(_ text: String) {
        var text = text
        text.withUTF8 { buffer in _ = write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
    }
}
