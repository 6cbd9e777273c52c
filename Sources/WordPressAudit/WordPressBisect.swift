import Evidence
import HostAccess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds the plugin whose deactivation ends a 401 by renaming plugin folders — the manual way to
/// deactivate a plugin that WordPress documents (a plugin whose folder is gone is skipped when
/// WordPress loads) — and probing the URL after each step, halving the suspects each time.
///
/// Safety: every rename is journaled and fsync'd before it is made, under `ChangeGuard`'s lock;
/// the original names are restored at the end, on any error, and (through the guard) on SIGINT/
/// SIGTERM; after a crash or SIGKILL `--undo` replays the journal. Probes are made by the caller's
/// closure (HTTP lives in the CLI), which returns the status code.
public final class WordPressBisect: @unchecked Sendable {
    public struct Plan: Sendable {
        public var pluginsDirectory: String
        /// Folder (or single-file) names that will be toggled, in order.
        public var candidates: [String]
        public var url: String
        /// Upper bound of probes: baseline, all off, ⌈log₂ n⌉ halvings, one confirmation.
        public var maxProbes: Int {
            var steps = 0
            var n = candidates.count
            while n > 1 {
                n = (n + 1) / 2
                steps += 1
            }
            return 3 + steps
        }

        public init(pluginsDirectory: String, candidates: [String], url: String) {
            self.pluginsDirectory = pluginsDirectory
            self.candidates = candidates
            self.url = url
        }

        /// The plan in words, printed without `--apply`.
        public var lines: [String] {
            let n = candidates.count
            let sample = candidates.prefix(3).map { "\($0) → \($0)\(WordPressReader.disabledSuffix)" }.joined(
                separator: ", ")
            return [
                "1. probe \(url) with every plugin in place (expect 401)",
                """
                2. rename all \(n) candidate folder(s) in \(pluginsDirectory) (\(sample)\(n > 3 ? ", …" : "")) and \
                probe: if the 401 stays, no plugin causes it
                """,
                """
                3. put half of the suspects back and probe again, halving until one plugin is left (at most \
                \(max(0, maxProbes - 3)) step(s))
                """,
                "4. confirm: deactivate only that plugin and probe",
                "5. rename every folder back to its original name, verify, delete the journal",
                """
                at most \(maxProbes) requests; each rename is journaled before it is made; Ctrl-C restores; \
                `why401 wordpress DIR --undo` after a crash
                """,
            ]
        }
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public let plan: Plan
    public let journalPath: String
    private let changeGuard: ChangeGuard?
    private let log: @Sendable (String) -> Void
    private var journal: ChangeJournal?
    private var disabled: [String] = []

    public init(
        plan: Plan, journalPath: String, guard changeGuard: ChangeGuard?, log: @escaping @Sendable (String) -> Void
    ) {
        self.plan = plan
        self.journalPath = journalPath
        self.changeGuard = changeGuard
        self.log = log
    }

    /// Candidates for `plugins`: active plugins that live in the plugins directory (not must-use).
    public static func candidates(_ plugins: [WordPressPlugin]) -> [String] {
        plugins.filter(\.isActive).map(\.folder)
    }

    public func run(probe: () async throws -> Int) async throws -> BisectOutcome {
        for name in plan.candidates {
            let off = offPath(name)
            if access(off, F_OK) == 0 {
                throw Failure(
                    description:
                        "\(off) already exists (left by an earlier bisect?): run --undo or rename it back first")
            }
            if access(onPath(name), F_OK) != 0 { throw Failure(description: "\(onPath(name)) does not exist") }
        }
        journal = try ChangeJournal.create(at: journalPath, command: "wordpress --bisect")
        var steps: [BisectOutcome.Step] = []
        var verdict: BisectOutcome.Verdict
        do {
            func step(_ off: [String]) async throws -> Int {
                try setDisabled(off)
                let status = try await probe()
                steps.append(BisectOutcome.Step(deactivated: off, status: status))
                let list =
                    off.isEmpty
                    ? "none"
                    : off.count > 8 ? off.prefix(8).joined(separator: ", ") + ", …" : off.joined(separator: ", ")
                log(
                    """
                    step \(steps.count): \(off.count) of \(plan.candidates.count) plugin(s) deactivated [\(list)] \
                    → \(status)
                    """
                )
                return status
            }
            let baseline = try await step([])
            if baseline != 401 {
                verdict = .notFailing(status: baseline)
            } else if plan.candidates.isEmpty {
                verdict = .notAPlugin
            } else if try await step(plan.candidates) == 401 {
                verdict = .notAPlugin
            } else {
                var suspects = plan.candidates
                var smallestFix = plan.candidates
                while suspects.count > 1 {
                    let half = Array(suspects.prefix(suspects.count / 2))
                    if try await step(half) != 401 {
                        suspects = half
                        if half.count < smallestFix.count { smallestFix = half }
                    } else {
                        suspects = Array(suspects.dropFirst(half.count))
                    }
                }
                let suspect = suspects[0]
                let last = steps.last!
                if last.deactivated == [suspect] && last.status != 401 {
                    verdict = .culprit(suspect)
                } else if try await step([suspect]) != 401 {
                    verdict = .culprit(suspect)
                } else {
                    verdict = .combination(smallestFix)
                }
            }
        } catch {
            let restored = restoreAll()
            throw Failure(
                description: "\(error)"
                    + (restored
                        ? "; every plugin folder was restored"
                        : """
                        ; some folders could not be restored — run `why401 wordpress DIR --undo --journal \
                        \(journalPath)`
                        """)
            )
        }
        let restored = restoreAll()
        guard restored else {
            throw Failure(
                description:
                    """
                    the bisect finished but some folders could not be renamed back — run `why401 wordpress DIR \
                    --undo --journal \(journalPath)`
                    """
            )
        }
        log("restored all \(plan.candidates.count) plugin folder(s) to their original names")
        return BisectOutcome(url: plan.url, candidates: plan.candidates, steps: steps, verdict: verdict, restored: true)
    }

    // MARK: - Folder state

    func onPath(_ name: String) -> String { plan.pluginsDirectory + "/" + name }
    func offPath(_ name: String) -> String { plan.pluginsDirectory + "/" + name + WordPressReader.disabledSuffix }

    /// Renames so that exactly `target` is deactivated: folders back first, then new ones off, each
    /// new rename journaled (and fsync'd) before it is made.
    private func setDisabled(_ target: [String]) throws {
        let wanted = Set(target)
        for name in disabled where !wanted.contains(name) {
            try perform { try self.rename(self.offPath(name), self.onPath(name)) }
            disabled.removeAll { $0 == name }
        }
        for name in target where !disabled.contains(name) {
            try perform {
                try self.journal?.record([.rename(from: self.onPath(name), to: self.offPath(name))])
                try self.rename(self.onPath(name), self.offPath(name))
            }
            disabled.append(name)
        }
    }

    private func perform(_ body: () throws -> Void) throws {
        if let changeGuard { try changeGuard.change(body) } else { try body() }
    }

    private func rename(_ from: String, _ to: String) throws {
        if access(to, F_OK) == 0 { throw Failure(description: "\(to) already exists; not renaming \(from)") }
        guard posixRename(from, to) == 0 else {
            throw Failure(description: "rename \(from) → \(to): \(String(cString: strerror(errno)))")
        }
    }

    /// Every folder under its original name again; true when verified. The journal is deleted then.
    private func restoreAll() -> Bool {
        try? setDisabled([])
        let ok = plan.candidates.allSatisfy { access(onPath($0), F_OK) == 0 && access(offPath($0), F_OK) != 0 }
        if ok {
            journal?.remove()
        } else if ChangeJournal.exists(at: journalPath) {
            _ = try? ChangeJournal.undo(journalPath)
        }
        return ok || plan.candidates.allSatisfy { access(onPath($0), F_OK) == 0 }
    }
}

/// `rename(2)`; the class has its own `rename`, so the system call is reached through this.
private func posixRename(_ from: String, _ to: String) -> Int32 { rename(from, to) }
