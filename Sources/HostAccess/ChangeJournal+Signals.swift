import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Puts the server back when why401 is told to stop (Ctrl-C = SIGINT, SIGTERM, SIGHUP) while it
/// is changing things: the journal is replayed backwards, then the process exits 130/143/129.
///
/// Why a self-pipe and a thread: almost nothing is allowed inside a signal handler (no locks, no
/// allocation, no JSON), so the handler only writes the signal number to a pipe; a plain thread
/// waiting on the pipe does the restore in normal context. Each change is made under `lock`
/// (journal line + the change itself), and the restoring thread takes the same lock before it
/// undoes anything and never gives it back (it exits), so no change can slip in after the undo.
public final class ChangeGuard: @unchecked Sendable {
    public let journalPath: String
    private let lock = NSLock()
    private let report: @Sendable (String) -> Void

    nonisolated(unsafe) private static var pipeWrite: Int32 = -1
    nonisolated(unsafe) private static var active: ChangeGuard?
    private static let signals: [Int32] = [SIGINT, SIGTERM, SIGHUP]

    /// `report` gets one line per restored or failed change and a summary (goes to stderr).
    public init(journalPath: String, report: @escaping @Sendable (String) -> Void) {
        self.journalPath = journalPath
        self.report = report
    }

    /// Installs the handlers. One guard at a time (there is one journal per run).
    public func install() {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return }
        _ = fcntl(fds[1], F_SETFL, fcntl(fds[1], F_GETFL) | O_NONBLOCK)
        Self.pipeWrite = fds[1]
        Self.active = self
        let readEnd = fds[0]
        let thread = Thread { [self] in
            var byte: UInt8 = 0
            while true {
                let n = read(readEnd, &byte, 1)
                if n < 0 && errno == EINTR { continue }
                if n <= 0 {
                    close(readEnd)
                    return
                }
                self.restoreAndExit(signal: Int32(byte))
            }
        }
        thread.start()
        var set = sigset_t()
        sigemptyset(&set)
        for signo in Self.signals {
            sigaddset(&set, signo)
            signal(signo) { signo in
                var byte = UInt8(truncatingIfNeeded: signo)
                _ = write(ChangeGuard.pipeWrite, &byte, 1)
            }
        }
        // A thread that inherited a blocked mask (Foundation does that to children) must still see them.
        pthread_sigmask(SIG_UNBLOCK, &set, nil)
    }

    /// Default handlers again; the waiting thread ends.
    public func uninstall() {
        for signo in Self.signals { signal(signo, SIG_DFL) }
        if Self.pipeWrite >= 0 {
            close(Self.pipeWrite)
            Self.pipeWrite = -1
        }
        Self.active = nil
    }

    /// Runs one change (journal line + change) so that a signal cannot restore in the middle of it.
    public func change<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    private func restoreAndExit(signal signo: Int32) -> Never {
        lock.lock()  // kept: nothing changes after this point
        let name =
            signo == SIGINT ? "SIGINT" : signo == SIGTERM ? "SIGTERM" : signo == SIGHUP ? "SIGHUP" : "signal \(signo)"
        unlink("\(journalPath).tmp-\(getpid())")  // a journal being created, not linked in yet: nothing changed
        if ChangeJournal.exists(at: journalPath) {
            do {
                let steps = try ChangeJournal.undo(journalPath)
                let failed = steps.filter { if case .failed = $0.result { return true } else { return false } }
                let failures = failed.isEmpty ? "" : ", \(failed.count) failed — run --undo --journal \(journalPath)"
                report("\(name): restored \(steps.count - failed.count) change(s) from \(journalPath)\(failures)")
            } catch {
                report("\(name): could not restore: \(error) — run --undo --journal \(journalPath)")
            }
        } else {
            report("\(name): nothing to restore")
        }
        _exit(128 + signo)
    }
}
