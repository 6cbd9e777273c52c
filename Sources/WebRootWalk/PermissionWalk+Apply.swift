import Evidence
import HostAccess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Makes the mode changes the walk proposed, through the journal: every change is written and
/// fsync'd to the journal before any chmod, a failed chmod puts every earlier one back, and a
/// signal during the run is handled by `ChangeGuard` (restore, then exit).
public enum PermissionApply {
    public struct Outcome: Sendable {
        /// Changes made (the journal holds them; `--undo` reverses them).
        public var applied: [ModeChange]
        /// Paths whose mode changed between the walk and now: left alone.
        public var skipped: [String]
    }

    public static func apply(_ changes: [ModeChange], journalPath: String, guard changeGuard: ChangeGuard?) throws
        -> Outcome
    {
        guard !changes.isEmpty else { return Outcome(applied: [], skipped: []) }
        let journal = try ChangeJournal.create(at: journalPath, command: "server --apply")
        var applied: [ModeChange] = []
        var skipped: Set<String> = []
        do {
            try journal.record(changes.map { .chmod(path: $0.path, from: $0.from, to: $0.to) })
            for change in changes {
                let error: String?
                if let changeGuard {
                    error = try changeGuard.change { try one(change, skipped: &skipped) }
                } else {
                    error = try one(change, skipped: &skipped)
                }
                if let error { throw ChangeJournal.Failure(error) }
                if !skipped.contains(change.path) { applied.append(change) }
            }
        } catch {
            // Put back what was done, then report the first error.
            let steps = (try? ChangeJournal.undo(journalPath)) ?? []
            let failed = steps.filter { if case .failed = $0.result { return true } else { return false } }.count
            let restored =
                failed == 0
                ? "every mode changed so far was restored"
                : "\(failed) mode(s) could not be restored — run --undo --journal \(journalPath)"
            throw ChangeJournal.Failure("\(error); \(restored)")
        }
        if applied.isEmpty { journal.remove() }
        return Outcome(applied: applied, skipped: changes.map(\.path).filter(skipped.contains))
    }

    /// nil when done or skipped, else the error.
    private static func one(_ change: ModeChange, skipped: inout Set<String>) throws -> String? {
        var st = stat()
        guard lstat(change.path, &st) == 0 else { return "\(change.path): \(String(cString: strerror(errno)))" }
        let now = UInt32(st.st_mode & 0o7777)
        let type = st.st_mode & S_IFMT
        if now != change.from || (type != S_IFREG && type != S_IFDIR) {
            skipped.insert(change.path)
            return nil
        }
        return ChangeJournal.setMode(change.path, change.to)
    }
}
