import Diagnosis
import Evidence

/// What `why401 challenge` read: the header lines as a client parses them and the findings about them.
public struct ChallengeResult: Sendable {
    public var evidence: ChallengeEvidence
    /// Ranked.
    public var findings: [Finding]
    /// The status code the values came with, when given (`--status`).
    public var status: Int?

    public init(evidence: ChallengeEvidence, findings: [Finding], status: Int? = nil) {
        self.evidence = evidence
        self.findings = findings
        self.status = status
    }
}

/// The challenge report: every challenge with its parameters (JSON `challenges`, whole; the text
/// section shortened), whether the grammar held, and the findings.
public enum ChallengeReport {
    /// Subjects longer than this are cut in every format: a subject is a label, the values follow.
    static let subjectLimit = 300

    /// Nothing about a challenge is "still 401", so the outcome is `.ok` and the exit policy alone
    /// decides from the findings (a warning fails only with `--fail-on warning`).
    public static func report(_ r: ChallengeResult) -> DiagnosticReport {
        let evidence = r.evidence
        let subject = evidence.fields.joined(separator: " | ")
        let challenges: [JSONValue] = evidence.challenges.map { challenge in
            .object([
                ("scheme", .string(challenge.scheme)),
                ("token68", .optional(challenge.token68)),
                ("parameters", .array(challenge.parameters.map { .array([.string($0.name), .optional($0.value)]) })),
            ])
        }
        return DiagnosticReport(
            command: "challenge",
            subject: subject.count > subjectLimit ? String(subject.prefix(subjectLimit)) + "…" : subject,
            outcome: .ok, status: r.status, findings: r.findings,
            extra: [
                ("field", .string(evidence.header.rawValue)),
                ("strict", .bool(evidence.parsed.isStrictlyValid)),
                ("challenges", .array(challenges)),
            ],
            sections: [section(evidence)])
    }

    /// Long server values are shown shortened in the human formats (JSON keeps them whole).
    static func clip(_ text: String) -> String {
        text.count > 200 ? String(text.prefix(200)) + "…(\(text.utf8.count) bytes)" : text
    }

    /// At most 50 challenges of 50 parameters each are listed; the rest are counted.
    static func section(_ evidence: ChallengeEvidence) -> DiagnosticReport.Section {
        var lines: [String] = []
        if evidence.challenges.isEmpty { lines.append("(none)") }
        for (index, challenge) in evidence.challenges.prefix(50).enumerated() {
            lines.append(
                "\(index + 1). \(clip(challenge.scheme))" + (challenge.token68.map { " token68=\(clip($0))" } ?? ""))
            for parameter in challenge.parameters.prefix(50) {
                lines.append(
                    "     \(clip(parameter.name))" + (parameter.value.map { " = \"\(clip($0))\"" } ?? " (no value)"))
            }
            if challenge.parameters.count > 50 {
                lines.append("     … \(challenge.parameters.count - 50) more parameters")
            }
        }
        if evidence.challenges.count > 50 { lines.append("… \(evidence.challenges.count - 50) more challenges") }
        let deviations = evidence.parsed.deviations
        let notUTF8 = deviations.filter { $0.kind == .invalidUTF8 }.count
        if deviations.isEmpty {
            lines.append("grammar: valid (RFC 9110 §11)")
        } else if notUTF8 == deviations.count {
            lines.append("grammar: valid (RFC 9110 §11); \(notUTF8) byte(s) not UTF-8, read as ISO-8859-1")
        } else {
            lines.append("grammar: \(deviations.count) deviation(s) from RFC 9110 §11; recovered leniently")
        }
        return DiagnosticReport.Section(title: "\(evidence.header.rawValue) challenges, in order", lines: lines)
    }
}
