import ArgumentParser
import Report
import Why401Kit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The permissions flags of `why401 server`: the walk itself, `--apply` (proposed chmods printed first
/// on stderr, journaled before each change) and `--undo`, are `UseCase.fixPermissions` and
/// `UseCase.undoChanges`; this only maps the flags.
struct PermissionOptions: ParsableArguments {
    @Flag(name: .long, help: "Apply the proposed mode changes (printed first, journaled, undoable with --undo).")
    var apply = false
    @Flag(name: .long, help: "Restore the modes recorded in the journal, then delete it.")
    var undo = false
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Journal file (default $WHY401_JOURNAL, /var/lib/why401/journal.jsonl or ~/.why401-journal.jsonl).",
            valueName: "FILE"))
    var journal: String?

    /// `--undo` of `server` (and, with its own command name, of `wordpress`).
    func undoReport(command: String) throws -> DiagnosticReport {
        let undone = try UseCase.undoChanges(UndoRequest(journal: journal))
        return PermissionReport.undo(undone, command: command)
    }
}

extension AdminConsole {
    /// stderr: the progress line only on a terminal (pipes and CI logs stay clean), changes always.
    static var stderr: AdminConsole {
        var console = AdminConsole(say: { AdminStderr.say($0) })
        if isatty(STDERR_FILENO) == 1 { console.progress = AdminStderr.progress }
        return console
    }
}

extension AuditFailure {
    /// The CLI's terms for a use case failure: exit 2 for a bad request, 3 for could not complete.
    var cli: CLIFailure { kind == .usage ? .usage(message) : .incomplete(message) }
}

/// One rewritable line on stderr for progress (only on a TTY), and plain lines for what --apply does.
enum AdminStderr {
    static func show(_ text: String) { emit("\r\u{1B}[K" + text) }
    static func clear() { emit("\r\u{1B}[K") }
    static func say(_ text: String) { emit(text + "\n") }
    /// A status line, or nil to clear it.
    @Sendable static func progress(_ status: String?) {
        if let status { show(status) } else { clear() }
    }

    private static func emit(_ text: String) {
        var text = text
        text.withUTF8 { buffer in _ = write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
    }
}
