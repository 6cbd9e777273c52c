import Evidence
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The record of every change why401 makes to a server (mode changes of `server --apply`, plugin
/// folder renames of `wordpress --bisect --apply`), written and fsync'd *before* the change, so that
/// `--undo` can put everything back even after a crash, a SIGKILL or a power cut.
///
/// Format: JSON Lines. The first line is a header
/// `{"why401_journal":1,"command":"server --apply","created":"…","pid":123}`; each further line is one
/// change: `{"op":"chmod","path":"/abs","from":"0600","to":"0644"}` or
/// `{"op":"rename","from":"/abs/plugins/x","to":"/abs/plugins/x.why401-off"}`. Appending a line never
/// rewrites earlier ones; a torn last line (crash during the write) is ignored, because the change it
/// announced was never started. Undo replays the lines backwards and deletes the file when every
/// change is reversed.
public final class ChangeJournal: @unchecked Sendable {
    public let path: String
    private var fd: Int32 = -1

    /// The value types live in `Evidence`, so a report of the journal needs no access to the disk.
    public typealias Change = JournalChange
    public typealias UndoStep = JournalUndoStep

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    /// `--journal` if given, else `$WHY401_JOURNAL`, else `/var/lib/why401/journal.jsonl` when
    /// running as root, else `~/.why401-journal.jsonl`.
    public static func defaultPath(explicit: String? = nil) -> String {
        if let explicit, !explicit.isEmpty { return explicit }
        if let env = ProcessInfo.processInfo.environment["WHY401_JOURNAL"], !env.isEmpty { return env }
        // root: /var/lib/why401 (made on first use by `create`); others: their home directory.
        if geteuid() == 0, access("/var/lib", W_OK) == 0 { return "/var/lib/why401/journal.jsonl" }
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/tmp"
        return home + "/.why401-journal.jsonl"
    }

    public static func exists(at path: String) -> Bool { access(path, F_OK) == 0 }

    private init(path: String, fd: Int32) {
        self.path = path
        self.fd = fd
    }

    deinit { closeDescriptor() }

    /// Starts a new journal. Refuses when one is already there: its changes have not been undone,
    /// and starting over would lose the only record of the original state.
    ///
    /// Atomic: the header is written and synced in a temporary file beside the journal, which is then
    /// hard-linked into place (`link` fails when the journal exists, like `O_EXCL`). So a journal at
    /// `path` always has its header, whatever signal or crash comes; at worst a `.tmp-PID` file is left.
    public static func create(at path: String, command: String) throws -> ChangeJournal {
        if path == "/var/lib/why401/journal.jsonl" { mkdir("/var/lib/why401", 0o700) }
        if exists(at: path) { throw existing(path) }
        let temporary = "\(path).tmp-\(getpid())"
        unlink(temporary)  // a leftover of this pid's predecessor: never linked, so never a journal
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure("cannot create journal \(path): \(String(cString: strerror(errno)))") }
        let journal = ChangeJournal(path: path, fd: fd)
        let header: [String: Any] = [
            "why401_journal": 1, "command": command, "pid": Int(getpid()),
            "created": ISO8601DateFormatter().string(from: Date()),
        ]
        do {
            try journal.appendLine(header)
        } catch {
            journal.closeDescriptor()
            unlink(temporary)
            throw error
        }
        guard link(temporary, path) == 0 else {
            let code = errno
            journal.closeDescriptor()
            unlink(temporary)
            if code == EEXIST { throw existing(path) }
            throw Failure("cannot create journal \(path): \(String(cString: strerror(code)))")
        }
        unlink(temporary)
        // The directory entry must survive a crash too.
        let directory = (path as NSString).deletingLastPathComponent
        let dfd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_CLOEXEC)
        if dfd >= 0 {
            fsync(dfd)
            close(dfd)
        }
        return journal
    }

    private static func existing(_ path: String) -> Failure {
        Failure("a journal of earlier changes exists at \(path): run --undo first (or --journal elsewhere)")
    }

    private func closeDescriptor() {
        if fd >= 0 {
            close(fd)
            fd = -1
        }
    }

    /// Records changes (durably) before they are made.
    public func record(_ changes: [Change]) throws {
        guard !changes.isEmpty else { return }
        var text = ""
        for change in changes { text += try Self.line(Self.object(change)) }
        try appendDurably(text)
    }

    /// Deletes the journal (every change was reversed, or none was made).
    public func remove() {
        closeDescriptor()
        unlink(path)
    }

    // MARK: - Reading and undo

    /// The changes recorded in the journal at `path`, oldest first. A torn last line is skipped.
    public static func read(_ path: String) throws -> (command: String, changes: [Change]) {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure("no journal at \(path): nothing to undo")
        }
        guard data.count < 512 << 20 else { throw Failure("\(path) is too large to be a why401 journal") }
        // The header is written before any change: an empty file or a header cut short (a signal or
        // crash between create and the first fsync) means nothing was changed yet.
        if !data.contains(UInt8(ascii: "\n")), data.isEmpty || String(decoding: data, as: UTF8.self).hasPrefix("{") {
            return ("?", [])
        }
        var lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true)
        guard let first = lines.first,
            let header = try? JSONSerialization.jsonObject(with: Data(first)) as? [String: Any],
            header["why401_journal"] as? Int == 1
        else {
            throw Failure("\(path) is not a why401 journal")
        }
        lines.removeFirst()
        var changes: [Change] = []
        for (index, line) in lines.enumerated() {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line)) as? [String: Any],
                let change = Self.change(object)
            else {
                if index == lines.count - 1 && data.last != UInt8(ascii: "\n") { break }  // torn write: never acted on
                throw Failure("\(path): line \(index + 2) is not a journal entry; fix or remove the file by hand")
            }
            changes.append(change)
        }
        return (header["command"] as? String ?? "?", changes)
    }

    /// Reverses every recorded change, newest first, and deletes the journal unless a step failed.
    @discardableResult
    public static func undo(_ path: String) throws -> [UndoStep] {
        let (_, changes) = try read(path)
        var steps: [UndoStep] = []
        for change in changes.reversed() {
            steps.append(UndoStep(change: change, result: reverse(change)))
        }
        if !steps.contains(where: { if case .failed = $0.result { return true } else { return false } }) {
            unlink(path)
        }
        return steps
    }

    /// Reverses one change if it is still in place. Safe to call twice.
    public static func reverse(_ change: Change) -> UndoStep.Result {
        switch change {
        case .chmod(let path, let from, let to):
            var st = stat()
            guard lstat(path, &st) == 0 else { return .failed("\(path): \(String(cString: strerror(errno)))") }
            let now = UInt32(st.st_mode & 0o7777)
            if now == from { return .alreadyOriginal }
            if now != to {
                return .changedSince(
                    "\(path) is now \(ModeChange.octal(now)), not \(ModeChange.octal(to)): left as it is")
            }
            return setMode(path, from).map { .failed($0) } ?? .restored
        case .rename(let from, let to):
            let original = access(from, F_OK) == 0
            let moved = access(to, F_OK) == 0
            if original && !moved { return .alreadyOriginal }
            if original && moved { return .changedSince("both \(from) and \(to) exist: left as they are") }
            if !moved { return .failed("neither \(from) nor \(to) exists") }
            guard rename(to, from) == 0 else {
                return .failed("rename \(to) → \(from): \(String(cString: strerror(errno)))")
            }
            return .restored
        }
    }

    /// chmod without following a symlink swapped in since the walk: open with O_NOFOLLOW, check the
    /// type, then fchmod. Returns an error text, nil on success.
    public static func setMode(_ path: String, _ mode: UInt32) -> String? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | O_NOCTTY)
        guard fd >= 0 else { return "\(path): \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return "\(path): \(String(cString: strerror(errno)))" }
        let type = st.st_mode & S_IFMT
        guard type == S_IFREG || type == S_IFDIR else { return "\(path): not a regular file or directory; not changed" }
        guard fchmod(fd, mode_t(mode)) == 0 else {
            return "chmod \(ModeChange.octal(mode)) \(path): \(String(cString: strerror(errno)))"
        }
        return nil
    }

    // MARK: - Encoding

    private func appendDurably(_ text: String) throws {
        guard fd >= 0 else { throw Failure("journal \(path) is closed") }
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { systemWrite(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure("cannot write journal \(path): \(String(cString: strerror(errno)))")
            }
            offset += n
        }
        guard fsync(fd) == 0 else { throw Failure("cannot sync journal \(path): \(String(cString: strerror(errno)))") }
    }

    private func appendLine(_ object: [String: Any]) throws { try appendDurably(Self.line(object)) }

    private static func line(_ object: [String: Any]) throws -> String {
        let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    private static func object(_ change: Change) -> [String: Any] {
        switch change {
        case .chmod(let path, let from, let to):
            ["op": "chmod", "path": path, "from": ModeChange.octal(from), "to": ModeChange.octal(to)]
        case .rename(let from, let to): ["op": "rename", "from": from, "to": to]
        }
    }

    private static func change(_ object: [String: Any]) -> Change? {
        switch object["op"] as? String {
        case "chmod":
            guard let path = object["path"] as? String,
                let from = (object["from"] as? String).flatMap({ UInt32($0, radix: 8) }),
                let to = (object["to"] as? String).flatMap({ UInt32($0, radix: 8) })
            else { return nil }
            return .chmod(path: path, from: from, to: to)
        case "rename":
            guard let from = object["from"] as? String, let to = object["to"] as? String else { return nil }
            return .rename(from: from, to: to)
        default:
            return nil
        }
    }
}

/// `write(2)`, reachable from a type that has its own `write`-like members.
private func systemWrite(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int { write(fd, buffer, count) }
