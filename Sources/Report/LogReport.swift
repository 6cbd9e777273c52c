import Diagnosis
import Evidence

/// What `why401 logs` concluded: the summary of every input (already masked where `LogScan` built
/// it), the findings, the detected spike and the inputs that could not be read. Built by
/// `UseCase.analyzeLogs`; `LogReport` renders it as text, Markdown and JSON, `LogReportHTML` as a page.
public struct LogsResult: Sendable {
    public var summary: LogSummary
    public var findings: [Finding]
    public var spike: LogSpike?
    /// The inputs as given (`access.log --error-log error.log`).
    public var subject: String
    /// One line per input that could not be read while others could (`PATH: reason — analysing the
    /// rest`), for the front end to show beside the report (the CLI prints them on stderr).
    public var warnings: [String]

    public init(summary: LogSummary, findings: [Finding], spike: LogSpike?, subject: String, warnings: [String] = []) {
        self.summary = summary
        self.findings = findings
        self.spike = spike
        self.subject = subject
        self.warnings = warnings
    }
}

/// The `why401 logs` report: JSON fields and text/Markdown sections built from a `LogSummary`
/// (already masked by `LogSecretMasking`), the findings and the detected spike. Times are ISO-8601 UTC.
public enum LogReport {
    /// The report of a scan. It states no threshold: `.ok`, raised by the exit policy when a finding
    /// reaches `--fail-on` — except when an input's format was not recognised: nothing in it was
    /// analysed, a failure that is no finding's severity, so the report is `.problems` and never
    /// reads as a clean bill of health for a file it did not understand.
    public static func report(_ r: LogsResult) -> DiagnosticReport {
        let unanalysed = r.summary.inputs.contains { $0.unrecognized }
        return report(
            r.summary, findings: r.findings, spike: r.spike, subject: r.subject, outcome: unanalysed ? .problems : .ok)
    }

    /// How many entries of each top list the text shows (JSON has them all, up to `LogSummary.topLimit`).
    public static let textTopLimit = 5
    /// Client and user records in JSON are capped: 10⁶ scanning addresses must not make a 10⁶-object report.
    public static let jsonRecordLimit = 1000

    public static func report(
        _ s: LogSummary, findings: [Finding], spike: LogSpike?, subject: String, outcome: DiagnosticReport.Outcome
    ) -> DiagnosticReport {
        DiagnosticReport(
            command: "logs", subject: subject, outcome: outcome, findings: findings, extra: extra(s, spike: spike),
            sections: sections(s, spike: spike))
    }

    /// The earliest failed 401 (exact second, from the client records).
    public static func firstFailure(_ s: LogSummary) -> Int64? { s.clients.map(\.firstFailure).min() }

    // MARK: JSON

    public static func extra(_ s: LogSummary, spike: LogSpike?) -> [(String, JSONValue)] {
        let iso: (Int64?) -> JSONValue = { t in t.map { .string(LogTime.iso($0)) } ?? .null }
        let summary: JSONValue = .object([
            ("lines", .int(s.lines)), ("requests", .int(s.requests)), ("unauthorized", .int(s.unauthorized)),
            ("malformed", .int(s.malformed)),
            ("first", iso(s.first)), ("last", iso(s.last)),
            ("failures", .int(s.failures)), ("handshakes", .int(s.handshakes)), ("successes", .int(s.successes)),
            ("unauthorized_percent", .double(percent(s.unauthorized, s.requests))),
            ("failure_percent", .double(percent(s.failures, s.requests))),
            ("first_failure", iso(firstFailure(s))), ("onset", iso(spike?.began)),
            ("error_lines", .int(s.errorLines)), ("handshake_window", .int(s.handshakeWindow)),
        ])
        let timeline: JSONValue = .object([
            ("bucket_seconds", .int(s.bucketSeconds)),
            (
                "buckets",
                .array(
                    s.timeline.map {
                        .object([
                            ("start", .string(LogTime.iso($0.start))), ("requests", .int($0.requests)),
                            ("failures", .int($0.failures)),
                        ])
                    })
            ),
        ])
        let tallies: ([Tally]) -> JSONValue = { list in
            .array(list.map { .object([("value", .string($0.value)), ("count", .int($0.count))]) })
        }
        let top: JSONValue = .object([
            ("paths", tallies(s.topPaths)), ("clients", tallies(s.topClients)), ("users", tallies(s.topUsers)),
            ("user_agents", tallies(s.topUserAgents)),
        ])
        let clients: JSONValue = .array(
            s.clients.sorted { ($1.failures, $0.address) < ($0.failures, $1.address) }.prefix(jsonRecordLimit).map {
                c in
                .object([
                    ("address", .string(c.address)), ("failures", .int(c.failures)), ("successes", .int(c.successes)),
                    ("first_failure", .string(LogTime.iso(c.firstFailure))),
                    ("last_failure", .string(LogTime.iso(c.lastFailure))),
                    ("peak_failures", .int(c.peakFailures)), ("burst_window", .int(c.burstWindow)),
                    ("users_tried", .array(c.usersTried.map(JSONValue.string))),
                    ("distinct_users", .int(c.distinctUsers)),
                ])
            })
        let users: JSONValue = .array(
            s.users.sorted { ($1.failures, $0.name) < ($0.failures, $1.name) }.prefix(jsonRecordLimit).map { u in
                .object([
                    ("name", .string(u.name)), ("failures", .int(u.failures)), ("successes", .int(u.successes)),
                    ("first_failure", .string(LogTime.iso(u.firstFailure))),
                    ("last_failure", .string(LogTime.iso(u.lastFailure))),
                ])
            })
        let events: JSONValue = .array(
            s.errorEvents.map { e in
                .object([
                    ("cause", .string(e.cause.rawValue)), ("finding", .string(findingID(e.cause))),
                    ("server", .string(e.server)), ("code", .optional(e.code)),
                    ("user", .optional(e.user)), ("path", .optional(e.path)), ("file", .optional(e.file)),
                    ("reason", .optional(e.reason)),
                    ("count", .int(e.count)), ("first", iso(e.first)), ("last", iso(e.last)),
                    ("first_line", .object([("path", .string(e.firstLine.path)), ("line", .int(e.firstLine.line))])),
                ])
            })
        let inputs: JSONValue = .array(
            s.inputs.map { i in
                .object([
                    ("path", .string(i.path)), ("kind", .string(i.kind.rawValue)), ("format", .string(i.format)),
                    ("gzip", .bool(i.gzip)),
                    ("lines", .int(i.lines)), ("malformed", .int(i.malformed)), ("problem", .optional(i.problem)),
                    ("notes", .array(i.notes.map(JSONValue.string))),
                ])
            })
        var fields: [(String, JSONValue)] = [
            ("summary", summary), ("timeline", timeline), ("top", top), ("clients", clients), ("users", users),
            ("error_events", events),
            ("inputs", inputs),
            (
                "malformed_samples",
                .array(s.malformedSamples.map { .object([("path", .string($0.path)), ("line", .int($0.line))]) })
            ),
        ]
        if let spike {
            fields.append(
                (
                    "spike",
                    .object([
                        ("onset", .string(LogTime.iso(spike.onset))), ("began", .string(LogTime.iso(spike.began))),
                        ("baseline_per_bucket", .double(spike.baselinePerBucket)),
                        ("baseline_percent", .double(spike.baselineShare * 100)),
                        ("onset_failures", .int(spike.onsetFailures)), ("onset_requests", .int(spike.onsetRequests)),
                        ("peak", .string(LogTime.iso(spike.peakStart))), ("peak_failures", .int(spike.peakFailures)),
                    ])
                ))
        }
        return fields
    }

    /// The finding an error-log cause maps to (`logs.password-mismatch` for `.passwordMismatch`).
    public static func findingID(_ cause: ErrorEvent.Cause) -> String { "logs." + cause.rawValue }

    /// Percent with one decimal (the JSON renderer prints one decimal place).
    static func percent(_ part: Int, _ whole: Int) -> Double {
        whole == 0 ? 0 : Double(part) / Double(whole) * 100
    }

    // MARK: Text and Markdown

    public static func sections(_ s: LogSummary, spike: LogSpike?, width: Int = 60) -> [DiagnosticReport.Section] {
        var out: [DiagnosticReport.Section] = [summarySection(s, spike: spike)]
        if !s.timeline.isEmpty { out.append(timelineSection(s, spike: spike, width: width)) }
        let tops: [(String, [Tally])] = [
            ("paths", s.topPaths), ("clients", s.topClients), ("users", s.topUsers), ("user agents", s.topUserAgents),
        ]
        if tops.contains(where: { !$0.1.isEmpty }) {
            var lines: [String] = []
            for (name, list) in tops where !list.isEmpty {
                lines.append("\(name):")
                let pad = String(list.first!.count).count
                lines += list.prefix(textTopLimit).map {
                    "  \(String($0.count).leftPadded(pad))  \($0.value.isEmpty ? "(empty)" : $0.value)"
                }
            }
            out.append(DiagnosticReport.Section(title: "Top among failed 401s", lines: lines))
        }
        if !s.errorEvents.isEmpty {
            let lines = s.errorEvents.sorted { ($1.count, $0.cause.rawValue) < ($0.count, $1.cause.rawValue) }.prefix(
                20
            ).map { e -> String in
                var parts = ["\(e.count)×", findingID(e.cause), e.code ?? e.server]
                if let user = e.user { parts.append("user \(LogFigures.user(user))") }
                if let path = e.path { parts.append(path) }
                if let file = e.file { parts.append(file) }
                if let reason = e.reason { parts.append("(\(reason))") }
                if let first = e.first {
                    parts.append(LogTime.iso(first) + (e.last.map { $0 != first ? " – " + LogTime.iso($0) : "" } ?? ""))
                }
                return parts.joined(separator: " ")
            }
            out.append(
                DiagnosticReport.Section(
                    title: "Error-log causes (\(s.errorLines) lines read)",
                    lines: lines + (s.errorEvents.count > 20 ? ["… and \(s.errorEvents.count - 20) more"] : [])))
        }
        out.append(DiagnosticReport.Section(title: "Inputs", lines: s.inputs.map(inputLine)))
        return out
    }

    static func inputLine(_ i: LogInput) -> String {
        var line =
            """
            \(i.path): \(i.kind.rawValue) log, \(i.format)\(i.gzip ? ", gzip" : ""), \(i.lines) \
            line\(i.lines == 1 ? "" : "s")
            """
        if i.malformed > 0 { line += ", \(i.malformed) malformed" }
        if i.unrecognized { line += " — format not recognised, nothing in it was analysed" }
        if let problem = i.problem { line += " — \(problem)" }
        for note in i.notes { line += "; " + note }
        return line
    }

    static func summarySection(_ s: LogSummary, spike: LogSpike?) -> DiagnosticReport.Section {
        var lines: [String] = []
        // Only error logs given: access-log totals would be a row of zeros.
        if s.lines > 0 || s.inputs.contains(where: { $0.kind == .access }) {
            lines += [
                """
                \(s.requests) requests in \(s.lines) access-log \
                lines\(s.malformed > 0 ? " (\(s.malformed) malformed)" : "")
                """,
                """
                \(s.unauthorized) × 401 (\(LogFigures.percent(s.unauthorized, of: s.requests)) of requests): \
                \(s.failures) failed, \(s.handshakes) challenge-then-success \
                handshake\(s.handshakes == 1 ? "" : "s") (not failures)
                """,
                "\(s.successes) successful (2xx/3xx)",
            ]
        }
        if let first = s.first, let last = s.last {
            lines.append("period \(LogTime.iso(first)) – \(LogTime.iso(last)) (\(LogTime.span(last - first)))")
        }
        if let t = firstFailure(s) { lines.append("first failed 401 at \(LogTime.iso(t))") }
        if let spike {
            lines.append(
                """
                401s began at \(LogTime.iso(spike.began)): from \(LogFigures.decimal(spike.baselinePerBucket)) to \
                \(spike.onsetFailures) failed per \(LogTime.unit(spike.bucketSeconds))
                """
            )
        }
        if s.errorLines > 0 || s.inputs.contains(where: { $0.kind == .error }) {
            lines.append(
                "\(s.errorLines) error-log lines, \(s.errorEvents.reduce(0) { $0 + $1.count }) about authentication")
        }
        return DiagnosticReport.Section(title: "Summary", lines: lines)
    }

    static func timelineSection(_ s: LogSummary, spike: LogSpike?, width: Int) -> DiagnosticReport.Section {
        let group = Sparkline.groupSize(count: s.timeline.count, width: width)
        let requests = Sparkline.sums(s.timeline.map(\.requests), group: group)
        let failures = Sparkline.sums(s.timeline.map(\.failures), group: group)
        let columnSeconds = s.bucketSeconds * group
        let unit = columnSeconds == s.bucketSeconds ? LogTime.unit(s.bucketSeconds) : LogTime.span(Int64(columnSeconds))
        let start = s.timeline.first!.start
        let end = s.timeline.last!.start + Int64(s.bucketSeconds)
        var lines = [
            "requests     \(Sparkline.render(requests))  max \(requests.max() ?? 0) per \(unit)",
            "failed 401s  \(Sparkline.render(failures))  max \(failures.max() ?? 0) per \(unit)",
        ]
        if let spike, let index = s.timeline.firstIndex(where: { $0.start == spike.onset }) {
            lines.append(String(repeating: " ", count: 13 + index / group) + "^ onset \(LogTime.iso(spike.onset))")
        }
        lines.append("one column = \(unit), \(LogTime.iso(start)) – \(LogTime.iso(end))")
        return DiagnosticReport.Section(title: "Timeline", lines: lines)
    }
}

/// Terminal sparklines (▁▂▃▄▅▆▇█): zero is the lowest bar, any non-zero value at least the second,
/// so a single failure in a quiet hour stays visible.
public enum Sparkline {
    public static let bars: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

    public static func render(_ values: [Int]) -> String {
        let top = values.max() ?? 0
        return String(
            values.map { v -> Character in
                guard v > 0, top > 0 else { return bars[0] }
                let level = Int((Double(v) / Double(top) * 7).rounded(.up))
                return bars[min(7, max(1, level))]
            })
    }

    /// Buckets per column so that `count` buckets fit in `width` columns.
    public static func groupSize(count: Int, width: Int) -> Int { max(1, (count + width - 1) / max(1, width)) }

    /// Sums of consecutive groups.
    public static func sums(_ values: [Int], group: Int) -> [Int] {
        stride(from: 0, to: values.count, by: group).map { values[$0..<min($0 + group, values.count)].reduce(0, +) }
    }
}

extension String {
    fileprivate func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
