import ArgumentParser
import Diagnosis
import Report
import ServerAudit

// Placeholder with the agreed interface (replaced by its owner before commit).
struct PermissionOptions: ParsableArguments {
    @Flag(name: .long, help: "Apply the proposed mode changes (printed first, journaled, undoable).")
    var apply = false
    @Flag(name: .long, help: "Restore the modes recorded in the journal.")
    var undo = false
    @Option(name: .long, help: "Journal file.")
    var journal: String?

    func run(roots: [String], authFiles: [String], worker: WorkerIdentity) throws -> PermissionOutcome {
        PermissionOutcome(findings: [], extra: [], sections: [])
    }

    func undoReport() throws -> DiagnosticReport {
        throw CLIFailure.incomplete("--undo: not built yet")
    }
}

struct PermissionOutcome {
    var findings: [Finding]
    var extra: [(String, JSONValue)]
    var sections: [DiagnosticReport.Section]
}
