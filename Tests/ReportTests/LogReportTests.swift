import Diagnosis
import Evidence
import Foundation
import TestSupport
import Testing

@testable import Report

/// The log report's HTML page (self-contained, escaped), its sparkline and its JSON fields.
@Suite struct LogReportTests {
    static let t0: Int64 = 1_795_939_200  // 2026-11-29T08:00:00Z

    /// Ten quiet minutes, then a burst of failures from one hostile-looking client.
    static func summary() -> LogSummary {
        let counts = Array(repeating: (100, 1), count: 10) + [(120, 80), (200, 150), (100, 1)]
        let timeline = counts.enumerated().map {
            TimeBucket(start: t0 + Int64($0.offset * 60), requests: $0.element.0, failures: $0.element.1)
        }
        let hostile = "<script>alert('x')</script>"
        return LogSummary(
            inputs: [
                LogInput(path: "access.log", kind: .access, format: "combined", lines: 1121, malformed: 1),
                LogInput(path: "gone.log", kind: .access, format: "unknown", problem: "cannot open: Permission denied"),
            ],
            lines: 1121, requests: 1120, unauthorized: 245, handshakes: 5, successes: 880, malformed: 1,
            malformedSamples: [LineReference(path: "access.log", line: 17)], first: t0, last: t0 + 779,
            timeline: timeline, bucketSeconds: 60,
            topPaths: [Tally("/admin/\"><img src=x onerror=alert(1)>", 200), Tally("/basic/", 40)],
            topClients: [Tally("203.0.113.7", 230)], topUsers: [Tally("admin", 150), Tally("", 3)],
            topUserAgents: [Tally(hostile, 230)],
            clients: [
                ClientRecord(
                    address: "203.0.113.7", failures: 230, successes: 0, firstFailure: t0 + 617, lastFailure: t0 + 719,
                    peakFailures: 150,
                    burstWindow: 60, usersTried: ["admin", hostile], distinctUsers: 2)
            ],
            users: [
                UserRecord(name: "admin", failures: 150, successes: 0, firstFailure: t0 + 617, lastFailure: t0 + 719)
            ],
            errorLines: 300,
            errorEvents: [
                ErrorEvent(
                    cause: .passwordMismatch, server: "apache", code: "AH01617", user: "admin", path: "/admin/",
                    file: nil, reason: nil, count: 150,
                    first: t0 + 617, last: t0 + 719, firstLine: LineReference(path: "error.log", line: 3))
            ])
    }

    static func built() -> (DiagnosticReport, LogSummary, LogSpike?) {
        let s = summary()
        let findings = LogRules.run(s)
        let spike = LogSpike.detect(s, thresholds: LogThresholds())
        return (
            LogReport.report(s, findings: findings, spike: spike, subject: "access.log <b>", outcome: .problems), s,
            spike
        )
    }

    @Test func sparklineLevels() {
        #expect(Sparkline.render([0, 1, 2, 4, 8]) == "▁▂▃▅█")
        #expect(Sparkline.render([0, 0]) == "▁▁")
        #expect(Sparkline.render([]) == "")
        // A single failure among thousands stays visible.
        #expect(Sparkline.render([1, 10_000]) == "▂█")
        #expect(Sparkline.groupSize(count: 600, width: 60) == 10)
        #expect(Sparkline.groupSize(count: 61, width: 60) == 2)
        #expect(Sparkline.sums([1, 2, 3, 4, 5], group: 2) == [3, 7, 5])
    }

    @Test func textSectionsShowTotalsSparklineAndOnset() throws {
        let (report, _, spike) = Self.built()
        #expect(spike?.began == Self.t0 + 617)
        let text = report.rendered(as: .text)
        #expect(text.contains("1120 requests in 1121 access-log lines (1 malformed)"))
        #expect(
            text.contains(
                "245 × 401 (21.9% of requests): 240 failed, 5 challenge-then-success handshakes (not failures)"))
        #expect(text.contains("401s began at 2026-11-29T08:10:17Z"))
        #expect(text.contains("failed 401s  ▂▂▂▂▂▂▂▂▂▂▅█▂  max 150 per minute"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let spark = try #require(lines.first { $0.contains("failed 401s  ▂") })
        let caret = try #require(lines.first { $0.contains("^ onset") })
        // The caret sits under the onset column (the 11th).
        let sparkStart = try #require(spark.firstIndex(of: "▂"))
        let column = spark.distance(from: spark.startIndex, to: sparkStart) + 10
        #expect(caret.distance(from: caret.startIndex, to: caret.firstIndex(of: "^")!) == column)
        #expect(text.contains("gone.log: access log, unknown, 0 lines — cannot open: Permission denied"))
    }

    @Test func jsonFieldsUseISOTimesAndKeepTheContract() throws {
        let (report, _, _) = Self.built()
        let json = report.rendered(as: .json)
        for expected in [
            #""summary": {"#, #""lines": 1121"#, #""requests": 1120"#, #""unauthorized": 245"#, #""malformed": 1"#,
            #""first": "2026-11-29T08:00:00Z""#, #""last": "2026-11-29T08:12:59Z""#,
            #""onset": "2026-11-29T08:10:17Z""#,
            #""bucket_seconds": 60"#, #""error_events": ["#, #""finding": "logs.password-mismatch""#,
            #""problem": "cannot open: Permission denied""#,
        ] {
            #expect(json.contains(expected), "missing \(expected)")
        }
    }

    @Test func htmlIsSelfContained() {
        let (report, s, spike) = Self.built()
        let page = LogReportHTML.render(report, summary: s, spike: spike)
        #expect(page.hasPrefix("<!DOCTYPE html>"))
        #expect(page.contains("<svg"))
        #expect(page.contains("class=\"onset\""))
        #expect(!page.lowercased().contains("<script"))
        #expect(!page.contains("<link"))
        for attribute in ["src=\"http", "href=\"http", "src='http", "href='http", "url(http", "@import"] {
            #expect(!page.lowercased().contains(attribute), "external reference \(attribute)")
        }
        // Every finding, with its fix steps.
        for finding in report.findings { #expect(page.contains(finding.id.rawValue)) }
        // Apache wrote the error log, so the block list is in Apache's syntax.
        #expect(page.contains("Require not ip 203.0.113.7"))
        #expect(page.contains("&lt;RequireAll&gt;"))
    }

    @Test func htmlEscapesHostileLogContent() {
        let (report, s, spike) = Self.built()
        let page = LogReportHTML.render(report, summary: s, spike: spike)
        #expect(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"))
        #expect(!page.contains("<img"))
        #expect(page.contains("/admin/&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"))
        #expect(page.contains("access.log &lt;b&gt;"))
        #expect(HTML.escape("a\u{1B}[31mb\n") == "a\\x1B[31mb\\x0A")
    }

    @Test func longTimelinesAreSummedIntoColumns() {
        var s = Self.summary()
        s.timeline = (0..<10_000).map {
            TimeBucket(start: Self.t0 + Int64($0 * 60), requests: 1, failures: $0 == 5000 ? 1 : 0)
        }
        let page = LogReportHTML.render(
            DiagnosticReport(command: "logs", subject: "x", outcome: .ok), summary: s, spike: nil)
        let rects = page.components(separatedBy: "<rect class=\"req\"").count - 1
        #expect(rects <= LogReportHTML.chartColumns && rects > 400)
        let section = LogReport.sections(s, spike: nil).first { $0.title == "Timeline" }!
        #expect(section.lines[0].contains("max 167 per 2 h 47 min"))
    }

    @Test func inputNotesAndUnrecognisedFormatsAreStatedInEveryFormat() throws {
        var s = Self.summary()
        let note =
            "3 lines start with an X-Forwarded-For list (`10.0.0.2, 10.0.0.1, …`): the client is its first address"
        s.inputs = [
            LogInput(path: "proxied.log", kind: .access, format: "combined", lines: 3, notes: [note]),
            LogInput(path: "mystery.log", kind: .error, format: "unknown", lines: 7),
        ]
        let findings = LogRules.run(s)
        #expect(findings.contains { $0.id == "logs.unrecognized-format" && $0.severity == .warning })
        let report = LogReport.report(s, findings: findings, spike: nil, subject: "x", outcome: .problems)
        let inputs = try #require(report.sections.first { $0.title == "Inputs" })
        #expect(
            inputs.lines == [
                "proxied.log: access log, combined, 3 lines; " + note,
                "mystery.log: error log, unknown, 7 lines — format not recognised, nothing in it was analysed",
            ])
        let json = JSONRenderer.render(report)
        #expect(json.contains("\"notes\": [") && json.contains("X-Forwarded-For list"), "\(json)")
        let page = LogReportHTML.render(report, summary: s, spike: nil)
        #expect(
            page.contains("format not recognised, nothing in it was analysed") && page.contains("X-Forwarded-For list"))
    }
}
