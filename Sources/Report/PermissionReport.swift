import Diagnosis
import Evidence

/// What the permissions walk of `why401 server` concluded: the walk's facts (as first seen, before any
/// change), what `--apply` did, and the findings judged on what is left. Built by
/// `UseCase.fixPermissions`; `PermissionReport` turns it into the report's `permissions` JSON field
/// and its "Permissions" section.
public struct PermissionResult: Sendable {
    /// The walk before any change: the JSON lists what was found and proposed, even after `--apply`.
    public var facts: PermissionFacts
    /// Set when `--apply` ran: the mode changes made and the paths skipped (changed since the walk).
    public var applied: Applied?
    /// Whether `--apply` was asked for (the JSON then names the journal even when nothing changed).
    public var applyRequested: Bool
    /// The journal `--apply` writes to (and `--undo` reads); named in the section either way.
    public var journal: String
    /// The permission findings: of the walk, or — after `--apply` — of a second walk, so what was
    /// fixed is no longer reported.
    public var findings: [Finding]

    /// What `--apply` changed.
    public struct Applied: Sendable, Equatable {
        public var changes: [ModeChange]
        /// Paths whose mode changed between the walk and the apply: left alone.
        public var skipped: [String]
        public init(changes: [ModeChange], skipped: [String]) {
            self.changes = changes
            self.skipped = skipped
        }
    }

    public init(facts: PermissionFacts, applied: Applied?, applyRequested: Bool, journal: String, findings: [Finding]) {
        self.facts = facts
        self.applied = applied
        self.applyRequested = applyRequested
        self.journal = journal
        self.findings = findings
    }
}

/// The permissions part of the `server` report, and the report of `--undo` (shared by `server` and
/// `wordpress`: both replay the same journal format).
public enum PermissionReport {
    /// Issues and changes listed in JSON at most: a walk of 10⁶ files must not make a 10⁶-object report.
    public static let jsonLimit = 10_000
    /// Undo steps listed in the text at most.
    public static let undoLineLimit = 200

    /// The `permissions` JSON field.
    public static func json(_ r: PermissionResult) -> JSONValue {
        let facts = r.facts
        func issue(_ i: PermissionIssue) -> JSONValue {
            .object([
                ("path", .string(i.path)), ("kind", .string(i.kind.rawValue)),
                ("mode", .string(ModeChange.octal(i.mode))),
                ("owner", .int(Int(i.owner))), ("group", .int(Int(i.group))),
                ("proposed_mode", .string(ModeChange.octal(i.proposedMode))), ("reason", .string(i.reason)),
            ])
        }
        let c = facts.counts
        let counts: JSONValue = .object([
            ("directories", .int(c.directories)), ("files", .int(c.files)), ("symlinks", .int(c.symlinks)),
            ("special", .int(c.special)), ("unopenable", .int(c.unopenable)), ("total", .int(c.total)),
        ])
        let changes: [JSONValue] = facts.changes.prefix(jsonLimit).map {
            .object([
                ("path", .string($0.path)), ("from", .string(ModeChange.octal($0.from))),
                ("to", .string(ModeChange.octal($0.to))), ("command", .string($0.command)),
            ])
        }
        let inRoot: [JSONValue] = facts.authFilesInRoot.map {
            .object([("path", .string($0.path)), ("root", .string($0.root))])
        }
        var fields: [(String, JSONValue)] = [
            ("worker", .string(facts.worker)),
            ("roots", .array(facts.roots.map { .string($0) })),
            ("counts", counts),
            ("truncated", .bool(facts.truncated)),
            ("unreadable", .array(facts.unreadable.prefix(jsonLimit).map(issue))),
            ("world_writable", .array(facts.worldWritable.prefix(jsonLimit).map(issue))),
            ("auth_files_in_root", .array(inRoot)),
            ("symlink_loops", .array(facts.symlinkLoops.prefix(jsonLimit).map { .string($0) })),
            ("unwalkable", .array(facts.unwalkable.map { .string($0) })),
            ("changes", .array(changes)),
        ]
        if let applied = r.applied {
            fields.append(("applied", .int(applied.changes.count)))
            fields.append(("skipped", .array(applied.skipped.map { .string($0) })))
        }
        if r.applyRequested { fields.append(("journal", .string(r.journal))) }
        return .object(fields)
    }

    /// The "Permissions" section of the text and Markdown report.
    public static func section(_ r: PermissionResult) -> DiagnosticReport.Section {
        let facts = r.facts
        let c = facts.counts
        let walked =
            "walked \(facts.roots.joined(separator: ", ")) as \(facts.worker): \(c.directories) directories, "
            + "\(c.files) files, \(c.symlinks) symlinks (not followed), \(c.special) sockets/FIFOs/devices (not opened)"
            + (facts.truncated ? " — stopped at the entry limit" : "")
        var lines = [
            walked,
            "\(facts.unreadable.count) unreadable, \(facts.worldWritable.count) world-writable, "
                + "\(facts.authFilesInRoot.count) password file(s) inside a root",
        ]
        if !facts.symlinkLoops.isEmpty {
            lines.append(
                "symlink loops (not followed): " + facts.symlinkLoops.prefix(5).joined(separator: ", ")
                    + (facts.symlinkLoops.count > 5 ? ", …" : ""))
        }
        for problem in facts.unwalkable { lines.append("not walked: \(problem)") }
        if let applied = r.applied {
            lines.append(
                "applied \(applied.changes.count) mode change(s); journal \(r.journal); undo with "
                    + "`why401 server --undo --journal \(ModeChange.shellQuoted(r.journal))`")
            if !applied.skipped.isEmpty {
                lines.append(
                    "skipped (mode changed since the walk): " + applied.skipped.prefix(5).joined(separator: ", "))
            }
        } else if !facts.changes.isEmpty {
            lines.append(
                "\(facts.changes.count) mode change(s) proposed; nothing was changed (add --apply to make them)")
        }
        return DiagnosticReport.Section(title: "Permissions", lines: lines)
    }

    // MARK: - Undo

    /// The report of `--undo`: each journaled change and what became of it. A step that failed means
    /// the server is not back to its original state: the outcome is then `.error` (exit 3) and the
    /// journal is kept for another try.
    public static func undo(_ u: UndoFacts, command reportCommand: String) -> DiagnosticReport {
        var lines: [String] = []
        var restored = 0
        var untouched = 0
        var failed = 0
        var conflicts = 0
        var items: [JSONValue] = []
        for step in u.steps {
            let what: String
            switch step.change {
            case .chmod(let path, let from, let to):
                what = "chmod \(ModeChange.octal(from)) \(path) (was set to \(ModeChange.octal(to)))"
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
        let summary =
            "\(restored) restored, \(untouched) already original, \(conflicts) changed since (left alone), "
            + "\(failed) failed"
        lines.insert(
            "journal \(u.journal) (from `why401 \(u.command)`): \(summary)"
                + (failed == 0 ? "; journal deleted" : "; journal kept"), at: 0)
        let undo: JSONValue = .object([
            ("journal", .string(u.journal)), ("journal_command", .string(u.command)), ("restored", .int(restored)),
            ("already_original", .int(untouched)), ("changed_since", .int(conflicts)),
            ("failed", .int(failed)), ("steps", .array(items)),
        ])
        let shown =
            Array(lines.prefix(undoLineLimit))
            + (lines.count > undoLineLimit ? ["… and \(lines.count - undoLineLimit) more"] : [])
        return DiagnosticReport(
            command: reportCommand, subject: u.journal, outcome: failed == 0 ? .ok : .error,
            extra: [("undo", undo)], sections: [DiagnosticReport.Section(title: "Undo", lines: shown)])
    }
}
