import Diagnosis
import Evidence

/// What the live check concluded (`why401 URL`, `why401 curl`, `check --from-curl`): the plan's
/// evidence, the findings the client rules drew from it, and what the plan says about itself.
public struct CheckResult: Sendable {
    /// `check` or `curl`: the JSON `command`.
    public var command: String
    /// The URL checked, secrets in it already masked.
    public var subject: String
    public var evidence: CheckEvidence
    /// Ranked by the rules, most likely cause first.
    public var findings: [Finding]
    /// The Plan section: the credential count first, what a pasted command was read as, skipped steps.
    public var notes: [String]
    /// Set when the request as given got no HTTP answer at all (DNS, connect, TLS): exit 3 with this line.
    public var incomplete: String?
    /// Sections shown before the Plan (the demo's pasted command line).
    public var preface: [DiagnosticReport.Section]

    public init(
        command: String, subject: String, evidence: CheckEvidence, findings: [Finding], notes: [String],
        incomplete: String? = nil, preface: [DiagnosticReport.Section] = []
    ) {
        self.command = command
        self.subject = subject
        self.evidence = evidence
        self.findings = findings
        self.notes = notes
        self.incomplete = incomplete
        self.preface = preface
    }
}

/// The live check's report: the verdict, the Plan (also as the JSON `plan` array), the findings and
/// every exchange of the plan.
public enum CheckReport {
    /// States only what needs no threshold — could not complete, or still 401/407 at the end —
    /// and leaves the rest to the exit policy (`--fail-on`).
    public static func report(_ r: CheckResult) -> DiagnosticReport {
        let status = r.evidence.finalStatus
        let outcome: DiagnosticReport.Outcome
        if r.incomplete != nil {
            outcome = .error
        } else if status == 401 || status == 407 {
            outcome = .unauthorized
        } else {
            outcome = .ok
        }
        var planLines = r.notes
        if let reason = r.incomplete { planLines.append("could not complete: \(reason)") }
        return DiagnosticReport(
            command: r.command, subject: r.subject, outcome: outcome, status: status, findings: r.findings,
            exchanges: r.evidence.steps.map(\.exchange), extra: [("plan", .array(planLines.map(JSONValue.string)))],
            sections: r.preface + [DiagnosticReport.Section(title: "Plan", lines: planLines)])
    }
}
