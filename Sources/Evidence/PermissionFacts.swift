import TextEscaping

/// What the permissions walk of `why401 server` saw: every path the worker account (www-data) cannot
/// read or traverse, every world-writable one, every password file inside a document root, and the
/// mode change that would fix each. Produced by `ServerAudit.PermissionWalk` (which lstat()s every
/// entry and judges it with the worker's uid and groups), judged by the pure rules in
/// `Diagnosis/Rules/Server/PermissionRules.swift`.
///
/// Modes are plain `UInt32` permission bits (`0o644`), so the value needs no system headers.
public struct PermissionFacts: Sendable, Equatable {
    /// The account the server reads files as (`www-data`, `nginx`, `--as`).
    public var worker: String
    /// The document roots walked, as given.
    public var roots: [String]
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

    public init(
        worker: String, roots: [String], counts: PermissionCounts = PermissionCounts(), unreadable: [PermissionIssue] = [],
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
        for issue in unreadable + worldWritable where issue.proposedMode != issue.mode && seen.insert(issue.path).inserted {
            out.append(ModeChange(path: issue.path, from: issue.mode, to: issue.proposedMode))
        }
        return out
    }
}

/// How many entries of each kind the walk looked at.
public struct PermissionCounts: Sendable, Equatable {
    public var directories = 0
    public var files = 0
    public var symlinks = 0
    /// Sockets, FIFOs, device nodes: looked at with lstat only, never opened.
    public var special = 0
    /// Directories the walk could not open even as the user running why401.
    public var unopenable = 0

    public init(directories: Int = 0, files: Int = 0, symlinks: Int = 0, special: Int = 0, unopenable: Int = 0) {
        self.directories = directories
        self.files = files
        self.symlinks = symlinks
        self.special = special
        self.unopenable = unopenable
    }

    public var total: Int { directories + files + symlinks + special }
}

/// One path with a permission problem for the worker.
public struct PermissionIssue: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case directory, file, htaccess
        /// A password file (`AuthUserFile`, `auth_basic_user_file`, `.htpasswd`).
        case authFile = "auth-file"
    }

    public var path: String
    public var kind: Kind
    /// Permission bits now (`0o600`), including setuid/setgid/sticky.
    public var mode: UInt32
    public var owner: UInt32
    public var group: UInt32
    /// Mode that fixes the problem with the least change (755/644 style; 640 when the worker is in
    /// the file's group, so a password file does not become world-readable).
    public var proposedMode: UInt32
    /// One line: why the worker is blocked or why the mode is unsafe.
    public var reason: String

    public init(path: String, kind: Kind, mode: UInt32, owner: UInt32, group: UInt32, proposedMode: UInt32, reason: String) {
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
    public var path: String
    public var root: String
    public init(path: String, root: String) {
        self.path = path
        self.root = root
    }
}

/// One `chmod` why401 proposes (and, with `--apply`, makes through the journal).
public struct ModeChange: Sendable, Equatable, Hashable {
    public var path: String
    public var from: UInt32
    public var to: UInt32
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
    case chmod(path: String, from: UInt32, to: UInt32)
    case rename(from: String, to: String)
}

/// What undoing one journaled change did.
public struct JournalUndoStep: Sendable, Equatable {
    public enum Result: Sendable, Equatable {
        case restored
        /// The change had not been made (or was already reversed): nothing to do.
        case alreadyOriginal
        /// Someone changed the path since; left alone so their change is not lost.
        case changedSince(String)
        case failed(String)
    }
    public var change: JournalChange
    public var result: Result

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
    public var steps: [JournalUndoStep]

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
