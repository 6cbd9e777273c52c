import Diagnosis
import Evidence
import HostAccess
import Report
import WebRootWalk

/// Why an admin-side use case (`server`, the permissions fix, `wordpress`, `logs`) did not produce a
/// result, in one line without secrets. Front ends map `kind` to their own terms: the CLI exits 2 for
/// `.usage` and 3 for `.incomplete`, as for every command.
public struct AuditFailure: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// The request itself is wrong (an unknown `--as` user, a bad time or version): exit 2.
        case usage
        /// The request was fine but could not be carried out (no configuration readable, a syntax
        /// error as `FILE:LINE`, a journal in the way, a failed probe): exit 3.
        case incomplete
    }

    public var kind: Kind
    public var message: String
    public var description: String { message }

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public static func usage(_ message: String) -> AuditFailure { AuditFailure(.usage, message) }
    public static func incomplete(_ message: String) -> AuditFailure { AuditFailure(.incomplete, message) }
}

/// Where a use case that walks or changes a server tells the person at the console what it is doing,
/// while it does it (the report comes after): a progress status, and one line per change made or
/// restored. Both optional; the CLI sends them to stderr (progress only on a terminal).
public struct AdminConsole: Sendable {
    /// A status line that replaces the previous one (`walking as www-data: 5000 entries`); nil clears it.
    public var progress: (@Sendable (String?) -> Void)?
    /// A line to keep: the changes about to be made, each restore after a signal, bisect steps.
    public var say: (@Sendable (String) -> Void)?

    public init(progress: (@Sendable (String?) -> Void)? = nil, say: (@Sendable (String) -> Void)? = nil) {
        self.progress = progress
        self.say = say
    }

    /// A silent console: nothing is shown while the use case runs.
    public static let silent = AdminConsole()

    func tell(_ line: String) { say?(line) }
}

/// The permissions walk of the web roots and its fix.
public struct PermissionFixRequest: Sendable {
    /// Document roots to walk.
    public var roots: [String]
    /// User files the configuration names (`AuthUserFile`, `auth_basic_user_file`): judged for the
    /// worker's access wherever they are, and not reported as `authfile.in-docroot` by the walk,
    /// because the configuration audit already reports them with their configuration line.
    public var configuredAuthFiles: [String]
    /// The account to judge access as; nil: `www-data`, else the current user.
    public var worker: String?
    /// Make the proposed mode changes (journaled first, undoable), then walk and judge again.
    public var apply: Bool
    /// The journal for `apply`; nil: `ChangeJournal.defaultPath` ($WHY401_JOURNAL, /var/lib/why401, ~).
    public var journal: String?
    public var console: AdminConsole

    public init(
        roots: [String], configuredAuthFiles: [String] = [], worker: String? = nil, apply: Bool = false,
        journal: String? = nil, console: AdminConsole = .silent
    ) {
        self.roots = roots
        self.configuredAuthFiles = configuredAuthFiles
        self.worker = worker
        self.apply = apply
        self.journal = journal
        self.console = console
    }
}

/// `--undo`: replay a journal backwards.
public struct UndoRequest: Sendable {
    /// nil: the default journal path (as `--apply` and `--bisect --apply` use).
    public var journal: String?

    public init(journal: String? = nil) {
        self.journal = journal
    }
}

extension UseCase {
    /// Walks the roots as the worker, judges what it finds and — with `apply` — makes the proposed
    /// mode changes through the journal, then walks and judges again, so the findings describe the
    /// server as it is afterwards. Throws `AuditFailure.usage` for an unknown worker and
    /// `.incomplete` when a change failed (every change made so far is put back first).
    public static func fixPermissions(_ request: PermissionFixRequest) throws -> PermissionResult {
        let worker: WorkerIdentity
        if let name = request.worker {
            guard let identity = WorkerIdentity.resolve(name) else {
                throw AuditFailure.usage("--as \(name): no such user")
            }
            worker = identity
        } else {
            worker = WorkerIdentity.resolve("www-data") ?? WorkerIdentity.current
        }
        return try fixPermissions(request, as: worker)
    }

    /// The workflow for an already resolved worker (`auditServer` passes the configuration's `User`).
    static func fixPermissions(_ request: PermissionFixRequest, as worker: WorkerIdentity) throws -> PermissionResult {
        let journal = ChangeJournal.defaultPath(explicit: request.journal)
        let configured = request.configuredAuthFiles
        let facts = walk(request.roots, authFiles: configured, worker: worker, console: request.console)
        var findings = judge(facts, configured: configured)
        var applied: PermissionResult.Applied?
        let changes = facts.changes
        if request.apply, !changes.isEmpty {
            let console = request.console
            console.tell("why401: applying \(changes.count) mode change(s), journal \(journal):")
            for change in changes { console.tell("  \(change.command)    # was \(ModeChange.octal(change.from))") }
            let changeGuard = ChangeGuard(journalPath: journal) { console.tell("why401: " + $0) }
            changeGuard.install()
            defer { changeGuard.uninstall() }
            do {
                let outcome = try PermissionApply.apply(changes, journalPath: journal, guard: changeGuard)
                applied = PermissionResult.Applied(changes: outcome.applied, skipped: outcome.skipped)
            } catch {
                throw AuditFailure.incomplete("--apply: \(error)")
            }
            // What was fixed is no longer a finding: walk again and judge what is left.
            findings = judge(
                walk(request.roots, authFiles: configured, worker: worker, console: .silent), configured: configured)
        }
        return PermissionResult(
            facts: facts, applied: applied, applyRequested: request.apply, journal: journal, findings: findings)
    }

    /// Replays the journal backwards: every change still in place is reversed, a path changed since is
    /// left alone. The journal is deleted when nothing failed. Throws `.incomplete` when there is no
    /// journal or it cannot be read.
    public static func undoChanges(_ request: UndoRequest) throws -> UndoFacts {
        let path = ChangeJournal.defaultPath(explicit: request.journal)
        guard ChangeJournal.exists(at: path) else {
            throw AuditFailure.incomplete("--undo: no journal at \(path): nothing to undo")
        }
        do {
            let command = try ChangeJournal.read(path).command
            let steps = try ChangeJournal.undo(path)
            return UndoFacts(journal: path, command: command, steps: steps)
        } catch {
            throw AuditFailure.incomplete("--undo: \(error)")
        }
    }

    static func walk(_ roots: [String], authFiles: [String], worker: WorkerIdentity, console: AdminConsole)
        -> PermissionFacts
    {
        var walk = PermissionWalk(worker: worker)
        if let progress = console.progress {
            walk.progress = { count in progress("walking as \(worker.name): \(count) entries") }
        }
        let facts = walk.run(roots: roots, authFiles: authFiles)
        console.progress?(nil)
        return facts
    }

    /// The permission rules on the walk's facts, minus the password files the configuration names:
    /// those are matched by path (a field of the fact), not by the wording of a finding's evidence.
    static func judge(_ facts: PermissionFacts, configured: [String]) -> [Finding] {
        let named = Set(configured.map(WorkerAccess.absolutePath))
        var judged = facts
        judged.authFilesInRoot.removeAll { named.contains(WorkerAccess.absolutePath($0.path)) }
        return PermissionRules.run(judged)
    }
}
