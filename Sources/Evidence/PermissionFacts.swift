import TextEscaping

/// What the permissions walk of `why401 server` saw: every path the worker account (www-data) cannot
/// read or traverse, every world-writable one, every password file inside a document root, and the
/// mode change that would fix each. Produced by `PermissionWalk` in the `WebRootWalk` module (which
/// lstat()s every entry and judges it with the worker's uid and groups), judged by the pure rules of
/// `PermissionRules` in `Diagnosis`.
///
/// Modes are plain `UInt32` permission bits (`0o644`), so the value needs no system headers.
public struct PermissionFacts: Sendable, Equatable {
    /// The account the server reads files as (`www-data`, `nginx`, `--as`).
    public var worker: String
    /// The document roots walked, as given.
    public var roots: [String]
    /// How many entries of each kind were looked at: the scale behind "nothing found".
    public var counts: PermissionCounts
    /// Paths the worker cannot read (files) or list/traverse (directories), each with its proposed
    /// mode. A directory blocks everything beneath it; those children are not listed again.
    public var unreadable: [PermissionIssue]
    /// Paths with the write bit for "other" (777, 666…), each with its proposed mode.
    public var worldWritable: [PermissionIssue]
    /// Password files (by name, or given as `AuthUserFile`) found inside a document root.
    public var authFilesInRoot: [AuthFileInRoot]
    /// Symbolic links whose target resolves in a loop (ELOOP); never followed by the walk.
    public var symlinkLoops: [String]
    /// Roots that could not be walked at all (missing, not a directory), with the reason.
    public var unwalkable: [String]
    /// True when the walk stopped at its entry limit; counts then cover only what was seen.
    public var truncated: Bool

    /// Records what a walk saw; `PermissionWalk` builds it, tests build it by hand.
    public init(
        worker: String, roots: [String], counts: PermissionCounts = PermissionCounts(),
        unreadable: [PermissionIssue] = [],
        worldWritable: [PermissionIssue] = [], authFilesInRoot: [AuthFileInRoot] = [], symlinkLoops: [String] = [],
        unwalkable: [String] = [], truncated: Bool = false
    ) {
        self.worker = worker
        self.roots = roots
        self.counts = counts
        self.unreadable = unreadable
        self.worldWritable = worldWritable
        self.authFilesInRoot = authFilesInRoot
        self.symlinkLoops = symlinkLoops
        self.unwalkable = unwalkable
        self.truncated = truncated
    }

    /// Every proposed mode change, once per path (a path can be both unreadable and world-writable;
    /// its single proposal fixes both), in walk order.
    public var changes: [ModeChange] {
        var seen: Set<String> = []
        var out: [ModeChange] = []
        for issue in unreadable + worldWritable
        where issue.proposedMode != issue.mode && seen.insert(issue.path).inserted {
            out.append(ModeChange(path: issue.path, from: issue.mode, to: issue.proposedMode))
        }
        return out
    }
}

/// How many entries of each kind the walk looked at.
public struct PermissionCounts: Sendable, Equatable {
    /// Directories looked at.
    public var directories = 0
    /// Regular files looked at.
    public var files = 0
    /// Symbolic links looked at (not followed out of the root).
    public var symlinks = 0
    /// Sockets, FIFOs, device nodes: looked at with lstat only, never opened.
    public var special = 0
    /// Directories the walk could not open even as the user running why401.
    public var unopenable = 0

    /// Counts to start from; the walk increments them.
    public init(directories: Int = 0, files: Int = 0, symlinks: Int = 0, special: Int = 0, unopenable: Int = 0) {
        self.directories = directories
        self.files = files
        self.symlinks = symlinks
        self.special = special
        self.unopenable = unopenable
    }

    /// Every entry looked at, of any kind (unopenable directories are among `directories`).
    public var total: Int { directories + files + symlinks + special }
}

/// One path with a permission problem for the worker.
public struct PermissionIssue: Sendable, Equatable {
    /// What sort of path it is, which decides the proposed mode (a directory needs `x`, a password file must not become
    /// world-readable).
    public enum Kind: String, Sendable {
        /// A directory, a regular file, or an `.htaccess` file.
        case directory, file, htaccess
        /// A password file (`AuthUserFile`, `auth_basic_user_file`, `.htpasswd`).
        case authFile = "auth-file"
    }

    /// The path as found under the root.
    public var path: String
    /// What sort of path it is.
    public var kind: Kind
    /// Permission bits now (`0o600`), including setuid/setgid/sticky.
    public var mode: UInt32
    /// The owning uid, to tell whether the worker owns it.
    public var owner: UInt32
    /// The owning gid, to tell whether the worker is in its group (then 640 suffices).
    public var group: UInt32
    /// Mode that fixes the problem with the least change (755/644 style; 640 when the worker is in
    /// the file's group, so a password file does not become world-readable).
    public var proposedMode: UInt32
    /// One line: why the worker is blocked or why the mode is unsafe.
    public var reason: String

    /// Records one problem path with its proposed fix.
    public init(
        path: String, kind: Kind, mode: UInt32, owner: UInt32, group: UInt32, proposedMode: UInt32, reason: String
    ) {
        self.path = path
        self.kind = kind
        self.mode = mode
        self.owner = owner
        self.group = group
        self.proposedMode = proposedMode
        self.reason = reason
    }
}

/// A password file lying under a document root.
public struct AuthFileInRoot: Sendable, Equatable {
    /// The password file.
    public var path: String
    /// The document root it lies under: the server may serve it to anyone who asks for it.
    public var root: String
    /// Records a password file inside a document root.
    public init(path: String, root: String) {
        self.path = path
        self.root = root
    }
}

/// One `chmod` why401 proposes (and, with `--apply`, makes through the journal).
public struct ModeChange: Sendable, Equatable, Hashable {
    /// The path to change.
    public var path: String
    /// The mode now.
    public var from: UInt32
    /// The mode proposed.
    public var to: UInt32
    /// Proposes one mode change.
    public init(path: String, from: UInt32, to: UInt32) {
        self.path = path
        self.from = from
        self.to = to
    }

    /// `0644` style: four octal digits, as `chmod` and `stat -c %a` accept them.
    public static func octal(_ mode: UInt32) -> String { Figures.octalMode(mode) }

    /// The exact shell command, with the path quoted for a POSIX shell.
    public var command: String { "chmod \(ModeChange.octal(to)) \(ModeChange.shellQuoted(path))" }

    /// The path as one shell word (see `ShellWord`).
    public static func shellQuoted(_ path: String) -> String { ShellWord.quoted(path) }
}

/// One change why401 made to a server, as its journal records it (`HostAccess.ChangeJournal`): a mode
/// change of `server --apply` or a plugin-folder rename of `wordpress --bisect --apply`. Evidence, so
/// that a report of `--undo` can be built without the module that touches the disk.
public enum JournalChange: Sendable, Equatable {
    /// A mode change: `path` from one mode to another.
    case chmod(path: String, from: UInt32, to: UInt32)
    /// A rename (a WordPress plugin folder moved aside during a bisect).
    case rename(from: String, to: String)
}

/// What undoing one journaled change did.
public struct JournalUndoStep: Sendable, Equatable {
    /// The outcome of reversing one change.
    public enum Result: Sendable, Equatable {
        /// The change was reversed.
        case restored
        /// The change had not been made (or was already reversed): nothing to do.
        case alreadyOriginal
        /// Someone changed the path since; left alone so their change is not lost.
        case changedSince(String)
        /// Reversing failed (the system's reason); the journal is kept so it can be retried.
        case failed(String)
    }
    /// The change the journal recorded.
    public var change: JournalChange
    /// What undoing it did.
    public var result: Result

    /// Records the outcome of undoing one change.
    public init(change: JournalChange, result: Result) {
        self.change = change
        self.result = result
    }
}

/// What `--undo` did with a journal: every recorded change, newest first, and what became of it.
public struct UndoFacts: Sendable, Equatable {
    /// The journal file replayed.
    public var journal: String
    /// The command that wrote it (`server --apply`, `wordpress --bisect`).
    public var command: String
    /// Every recorded change, newest first, with what undoing it did.
    public var steps: [JournalUndoStep]

    /// Records what an undo did.
    public init(journal: String, command: String, steps: [JournalUndoStep]) {
        self.journal = journal
        self.command = command
        self.steps = steps
    }

    /// True when a step could not be reversed (the journal is then kept).
    public var hasFailures: Bool {
        steps.contains { if case .failed = $0.result { true } else { false } }
    }
}
