import Checkup
import Diagnosis
import Evidence
import Foundation
// Shared helpers for the Checkup integration tests against real Apache httpd and nginx.
import TestSupport
import Testing

/// One `Checkup.run` and the ranked findings `ClientRules.run` makes of its evidence.
struct CheckRun {
    var outcome: CheckOutcome
    var findings: [Finding]

    var evidence: CheckEvidence { outcome.evidence }
    var finalStatus: Int? { evidence.finalStatus }
    var ids: [FindingID] { findings.map(\.id) }
    /// The verdict: the first error-severity finding.
    var cause: FindingID? { findings.first { $0.severity == .error }?.id }
    var errorIDs: [FindingID] { findings.filter { $0.severity == .error }.map(\.id) }
    func finding(_ id: FindingID) -> Finding? { findings.first { $0.id == id } }

    /// A one-paragraph summary for failure messages (steps, statuses, findings in order).
    var summary: String {
        var lines = [
            "final status: \(finalStatus.map(String.init) ?? "none"); incomplete: \(outcome.incomplete ?? "-")"
        ]
        lines += evidence.steps.map { step in
            let status = step.status.map(String.init) ?? (step.exchange.failure ?? "no response")
            let auth = step.exchange.request.headers.first("Authorization") ?? "-"
            let challenge = step.exchange.response?.headers.values("WWW-Authenticate").joined(separator: " | ") ?? ""
            let label = step.label.map { " [\($0)]" } ?? ""
            return "  \(step.kind.rawValue)\(label) cred=\(step.credentialed) auth=\(auth) → \(status) \(challenge)"
        }
        lines.append("findings: " + findings.map { "\($0.id)(\($0.severity))" }.joined(separator: ", "))
        lines.append("notes: " + outcome.notes.joined(separator: "; "))
        return lines.joined(separator: "\n")
    }
}

enum Check {
    static func run(
        _ url: String, user: String? = nil, password: String? = nil, mode: CheckRequest.PasswordMode = .basic,
        bearer: String? = nil, cookies: [(name: String, value: String)] = [], budget: Int = 4,
        method: String = "GET", body: String = "", replayUnsafe: Bool = false
    ) async -> CheckRun {
        var request = CheckRequest(url: url)
        request.cookies = cookies
        request.method = method
        request.body = Array(body.utf8)
        request.replayUnsafe = replayUnsafe
        request.user = user
        request.password = password
        request.passwordMode = mode
        request.bearer = bearer
        request.credentialBudget = budget
        request.maxTime = 30
        let outcome = await Checkup.run(request)
        return CheckRun(outcome: outcome, findings: ClientRules.run(outcome.evidence))
    }
}

/// Writes a line per case to stdout so the report can quote the ranked ids.
func log(_ label: String, _ run: CheckRun) {
    print(
        """
        CHECKUP \(label): status \(run.finalStatus.map(String.init) ?? "none"), cause \(run.cause ?? "none"), ids \
        \(run.ids)
        """
    )
    if ProcessInfo.processInfo.environment["WHY401_CHECKUP_VERBOSE"] != nil {
        for f in run.findings { print("    \(f.id): \(f.detail) | \(f.evidence.joined(separator: " / "))") }
        print(run.summary)
    }
}
