import Diagnosis

/// Which findings make a command end with exit 1 (`--fail-on`).
public enum FailOn: String, Sendable, CaseIterable {
    /// Only error-level findings (and a resource still answering 401) are a failure. The default.
    case error
    /// Warnings fail too: for CI jobs that want a clean bill of health.
    case warning

    func fails(_ severity: Severity) -> Bool {
        switch self {
        case .error: severity == .error
        case .warning: severity != .info
        }
    }
}

/// The one exit policy of every command and front end, named once:
/// 0 nothing wrong, 1 a finding at or above the threshold (or a resource still answering 401, or a
/// command-specific failure such as a password that does not verify), 2 usage error (the argument
/// parser's), 3 could not complete.
///
/// A report builder states what it knows without a threshold — `.error` when the command could not
/// complete, `.unauthorized` when the final answer is 401/407, `.problems` for a failure that is not
/// a finding — and otherwise `.ok`; the policy then raises `.ok` to `.problems` when a finding
/// reaches the threshold. The JSON `outcome` and the exit code therefore always agree.
public struct ExitPolicy: Sendable, Equatable {
    public var failOn: FailOn

    public init(failOn: FailOn = .error) {
        self.failOn = failOn
    }

    /// The report's outcome under this policy.
    public func outcome(of report: DiagnosticReport) -> DiagnosticReport.Outcome {
        outcome(stated: report.outcome, findings: report.findings)
    }

    /// `stated` is what the builder knows without a threshold; findings may only raise `.ok`.
    public func outcome(stated: DiagnosticReport.Outcome, findings: [Finding]) -> DiagnosticReport.Outcome {
        guard stated == .ok else { return stated }
        return findings.contains { failOn.fails($0.severity) } ? .problems : .ok
    }

    /// The report with its outcome decided by this policy.
    public func applied(to report: DiagnosticReport) -> DiagnosticReport {
        var out = report
        out.outcome = outcome(of: report)
        return out
    }

    /// 0, 1 or 3 (2 is the argument parser's).
    public func exitCode(of report: DiagnosticReport) -> Int32 {
        outcome(of: report).exitCode
    }
}
