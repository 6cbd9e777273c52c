import Diagnosis
import Evidence

/// What `why401 demo` found: each lab scenario (and each offline input shown on the lab) with the
/// cause it should get, the report it got, and whether the two agree.
public struct DemoResult: Sendable {
    public struct Row: Sendable {
        /// The lab scenario, or an offline input shown on it (`pasted-curl`, `har-export`).
        public var id: String
        public var path: String
        /// The finding id the diagnosis must put first; nil: a healthy control, which must come out `.ok`.
        public var expected: String?
        /// The scenario's report, its outcome decided by the default exit policy (errors only), so a
        /// healthy control with warnings still counts as healthy.
        public var report: DiagnosticReport

        public init(id: String, path: String, expected: String?, report: DiagnosticReport) {
            self.id = id
            self.path = path
            self.expected = expected
            self.report = report
        }

        public var cause: String? { report.cause }
        public var outcome: DiagnosticReport.Outcome { report.outcome }
        /// The expected cause came first (and the outcome is a failure), or a control came out `.ok`.
        public var matched: Bool {
            guard let expected else { return report.outcome == .ok }
            return report.cause == expected && report.outcome != .ok
        }
    }

    public var rows: [Row]

    public init(rows: [Row]) { self.rows = rows }

    public var mismatches: [Row] { rows.filter { !$0.matched } }
}

/// The demo as a report: the JSON `scenarios` table, and in text and Markdown a table of scenario →
/// diagnosed cause → ✓/✗ (with every scenario's own report under `verbose`). A misdiagnosed scenario
/// is not a finding about anything the user runs, so it is stated as `.problems`, not as a finding.
public enum DemoReport {
    public static func report(_ r: DemoResult, verbose: Bool = false) -> DiagnosticReport {
        let rows = r.rows
        let failures = r.mismatches
        let table = rows.map { row -> JSONValue in
            .object([
                ("scenario", .string(row.id)), ("path", .string(row.path)),
                ("expected", .optional(row.expected)), ("diagnosed", .optional(row.cause)),
                ("outcome", .string(row.outcome.rawValue)), ("matched", .bool(row.matched)),
            ])
        }
        return DiagnosticReport(
            command: "demo", subject: "built-in lab", outcome: failures.isEmpty ? .ok : .problems, findings: [],
            extra: [
                ("scenarios", .array(table)), ("matched", .int(rows.count - failures.count)),
                ("total", .int(rows.count)),
            ],
            page: DiagnosticReport.Page(
                text: { _ in page(r, markdown: false, verbose: verbose) },
                markdown: page(r, markdown: true, verbose: verbose)))
    }

    /// The table, the summary line, one line per misdiagnosed scenario, then (verbose) each report.
    static func page(_ r: DemoResult, markdown: Bool, verbose: Bool) -> String {
        let rows = r.rows
        let failures = r.mismatches
        var out = table(rows, markdown: markdown)
        out +=
            "\n\(failures.isEmpty ? "✓" : "✗") \(rows.count - failures.count) of \(rows.count) "
            + "scenarios diagnosed as expected\n"
        for row in failures {
            out +=
                "  Scenario \(row.id) was misdiagnosed: expected \(row.expected ?? "no problem (exit 0)"), "
                + "got \(row.cause ?? "no cause") (\(row.outcome.rawValue))\n"
        }
        if verbose {
            for row in rows {
                out += "\n── \(row.id) " + String(repeating: "─", count: max(0, 60 - row.id.count)) + "\n"
                out += row.report.rendered(as: .text, color: false)
            }
        }
        return out
    }

    static func table(_ rows: [DemoResult.Row], markdown: Bool) -> String {
        let idWidth = max(8, rows.map(\.id.count).max() ?? 0) + 2
        let causeWidth = max(8, rows.map { ($0.cause ?? "—").count }.max() ?? 0)
        func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
        var lines: [String] = []
        if markdown {
            lines.append("| scenario | diagnosed cause | expected | ok |")
            lines.append("|---|---|---|---|")
            for row in rows {
                let expected = row.expected ?? "nothing wrong"
                lines.append("| \(row.id) | \(row.cause ?? "—") | \(expected) | \(row.matched ? "✓" : "✗") |")
            }
        } else {
            lines.append(pad("scenario", idWidth) + "  " + pad("diagnosed cause", causeWidth) + "  expected")
            for row in rows {
                let expected =
                    row.expected.map { $0 == row.cause ? "" : $0 } ?? (row.outcome == .ok ? "" : "nothing wrong")
                lines.append(
                    (row.matched ? "✓ " : "✗ ") + pad(row.id, idWidth - 2) + "  "
                        + pad(row.cause ?? "— (exit 0)", causeWidth)
                        + "  " + expected)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// A running lab as `why401 lab` announces it: where it listens and what each scenario is.
public struct LabResult: Sendable {
    public struct Scenario: Sendable {
        public var id: String
        public var url: String
        public var summary: String
        public var expected: String?
        public init(id: String, url: String, summary: String, expected: String?) {
            self.id = id
            self.url = url
            self.summary = summary
            self.expected = expected
        }
    }

    public var baseURL: String
    public var secondBaseURL: String
    public var scenarios: [Scenario]

    public init(baseURL: String, secondBaseURL: String, scenarios: [Scenario]) {
        self.baseURL = baseURL
        self.secondBaseURL = secondBaseURL
        self.scenarios = scenarios
    }
}

/// `why401 lab`'s announcement: a banner with one line per scenario, or one JSON document.
public enum LabReport {
    public static func report(_ r: LabResult) -> DiagnosticReport {
        let scenarios = r.scenarios.map { scenario -> JSONValue in
            .object([
                ("scenario", .string(scenario.id)), ("url", .string(scenario.url)),
                ("summary", .string(scenario.summary)),
                ("expected", .optional(scenario.expected)),
            ])
        }
        var banner = "why401 lab on \(r.baseURL)/ (second origin \(r.secondBaseURL)/) — Ctrl-C stops it\n"
        for scenario in r.scenarios { banner += "  \(scenario.url)  \(scenario.summary)\n" }
        let text = banner
        return DiagnosticReport(
            command: "lab", subject: r.baseURL, outcome: .ok,
            extra: [("second_origin", .string(r.secondBaseURL)), ("scenarios", .array(scenarios))],
            page: DiagnosticReport.Page(text: { _ in text }, markdown: text))
    }
}
