import Diagnosis
import Evidence
import TextEscaping

/// `why401 logs --html OUT`: one self-contained page — inline CSS and an inline SVG chart, no script,
/// no external asset — that can be mailed or attached to a ticket. Everything from a log is hostile
/// (a user agent can be `<script>…`), so every value goes through `HTML.escape`, control characters
/// first made visible by `Sanitize.line`.
public enum LogReportHTML {
    /// Chart columns at most; longer timelines are summed into groups of buckets.
    public static let chartColumns = 480
    /// Rows per client/user table.
    public static let tableLimit = 100

    /// The page for a scan, with the verdict `policy` decides (so it agrees with the exit code).
    public static func render(_ result: LogsResult, policy: ExitPolicy = ExitPolicy()) -> String {
        render(policy.applied(to: LogReport.report(result)), summary: result.summary, spike: result.spike)
    }

    public static func render(_ report: DiagnosticReport, summary s: LogSummary, spike: LogSpike?) -> String {
        var h = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>why401 logs — \(HTML.escape(report.subject))</title>
            <style>\(style)</style>
            </head>
            <body>
            <h1>why401 logs</h1>
            <p class="subject">\(HTML.escape(report.subject))</p>
            <p class="verdict \(report.outcome.rawValue)">\(HTML.escape(TextRenderer(color: false).verdict(report)))</p>

            """
        h += section("Totals", table(["", "count"], totals(s, spike: spike), numeric: [1]))
        if !s.timeline.isEmpty { h += section("Timeline", chart(s, spike: spike)) }
        var tops = ""
        for (name, list) in [
            ("Paths", s.topPaths), ("Clients", s.topClients), ("Users", s.topUsers), ("User agents", s.topUserAgents),
        ] where !list.isEmpty {
            tops +=
                "<div class=\"top\"><h3>\(name)</h3>"
                + table(
                    ["failed 401s", "value"], list.map { [String($0.count), $0.value.isEmpty ? "(empty)" : $0.value] },
                    numeric: [0]) + "</div>\n"
        }
        if !tops.isEmpty { h += section("Top among failed 401s", "<div class=\"tops\">\(tops)</div>") }
        if !s.clients.isEmpty {
            let rows = s.clients.sorted { ($1.failures, $0.address) < ($0.failures, $1.address) }.prefix(tableLimit).map
            { c in
                [
                    c.address, String(c.failures), String(c.successes), String(c.peakFailures),
                    LogTime.iso(c.firstFailure), LogTime.iso(c.lastFailure),
                    "\(c.distinctUsers)" + (c.usersTried.isEmpty ? "" : ": " + c.usersTried.joined(separator: ", ")),
                ]
            }
            h += section(
                "Clients with failed 401s (\(s.clients.count))",
                table(
                    [
                        "address", "failed", "successes", "peak / \(s.clients.first!.burstWindow) s", "first failure",
                        "last failure", "users tried",
                    ], Array(rows), numeric: [1, 2, 3]))
        }
        if !s.users.isEmpty {
            let rows = s.users.sorted { ($1.failures, $0.name) < ($0.failures, $1.name) }.prefix(tableLimit).map { u in
                [
                    u.name.isEmpty ? "(empty)" : u.name, String(u.failures), String(u.successes),
                    LogTime.iso(u.firstFailure), LogTime.iso(u.lastFailure),
                ]
            }
            h += section(
                "Users with failed 401s (\(s.users.count))",
                table(["user", "failed", "successes", "first failure", "last failure"], Array(rows), numeric: [1, 2]))
        }
        if !s.errorEvents.isEmpty {
            let rows = s.errorEvents.sorted { $0.count > $1.count }.map { e in
                [
                    LogReport.findingID(e.cause), e.code ?? e.server, e.user.map { $0.isEmpty ? "(empty)" : $0 } ?? "",
                    e.path ?? "", (e.file ?? "") + (e.reason.map { " (\($0))" } ?? ""), String(e.count),
                    LogTime.iso(e.first), LogTime.iso(e.last), "\(e.firstLine.path):\(e.firstLine.line)",
                ]
            }
            h += section(
                "Error-log causes (\(s.errorLines) lines read)",
                table(
                    ["cause", "code", "user", "path", "file", "count", "first", "last", "first line"], rows,
                    numeric: [5]))
        }
        h += section(
            "Findings",
            report.findings.isEmpty
                ? "<p>Nothing wrong found.</p>" : report.findings.map(finding).joined(separator: "\n"))
        let inputRows = s.inputs.map { i in
            [
                i.path, i.kind.rawValue, i.format + (i.gzip ? ", gzip" : ""), String(i.lines), String(i.malformed),
                ([i.unrecognized ? "format not recognised, nothing in it was analysed" : nil, i.problem].compactMap {
                    $0
                } + i.notes).joined(separator: "; "),
            ]
        }
        h += section(
            "Inputs", table(["input", "kind", "format", "lines", "malformed", "notes"], inputRows, numeric: [3, 4]))
        h += "<footer>why401 logs · times in UTC (ISO-8601)</footer>\n</body>\n</html>\n"
        return h
    }

    static func totals(_ s: LogSummary, spike: LogSpike?) -> [[String]] {
        var rows = [
            ["access-log lines", String(s.lines)], ["requests", String(s.requests)],
            ["401 responses", "\(s.unauthorized) (\(LogFigures.percent(s.unauthorized, of: s.requests)))"],
            ["failed 401s", String(s.failures)], ["challenge-then-success handshakes", String(s.handshakes)],
            ["successful (2xx/3xx)", String(s.successes)], ["malformed lines", String(s.malformed)],
            ["error-log lines", String(s.errorLines)],
        ]
        if let first = s.first, let last = s.last {
            rows.append(["period", "\(LogTime.iso(first)) – \(LogTime.iso(last))"])
        }
        if let t = LogReport.firstFailure(s) { rows.append(["first failed 401", LogTime.iso(t)]) }
        if let spike { rows.append(["401s began (spike onset)", LogTime.iso(spike.began)]) }
        return rows
    }

    static func finding(_ f: Finding) -> String {
        var h =
            """
            <div class=\"finding \(f.severity.rawValue)\"><h3><span class=\"sev\">\(f.severity.rawValue)</span> \
            <code>\(HTML.escape(f.id.rawValue))</code> — \(HTML.escape(f.title))</h3>\n
            """
        h += "<p>\(HTML.escape(f.detail))</p>\n"
        if !f.evidence.isEmpty {
            h += "<h4>Evidence</h4><ul>" + f.evidence.map { "<li>\(HTML.escape($0))</li>" }.joined() + "</ul>\n"
        }
        if !f.fix.isEmpty {
            h +=
                "<h4>Fix</h4><ol>" + f.fix.map { "<li><pre>\(HTML.escape($0, keepNewlines: true))</pre></li>" }.joined()
                + "</ol>\n"
        }
        if !f.references.isEmpty {
            h += "<p class=\"refs\">See: \(HTML.escape(f.references.joined(separator: "; ")))</p>\n"
        }
        return h + "</div>"
    }

    static func section(_ title: String, _ body: String) -> String {
        "<section><h2>\(HTML.escape(title))</h2>\n\(body)\n</section>\n"
    }

    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int> = []) -> String {
        var h = "<table><thead><tr>" + header.map { "<th>\(HTML.escape($0))</th>" }.joined() + "</tr></thead><tbody>\n"
        for row in rows {
            h +=
                "<tr>"
                + row.enumerated().map {
                    numeric.contains($0.offset)
                        ? "<td class=\"n\">\(HTML.escape($0.element))</td>" : "<td>\(HTML.escape($0.element))</td>"
                }.joined() + "</tr>\n"
        }
        return h + "</tbody></table>"
    }

    /// Two panels over the same time axis: requests with their failed 401s (same scale: the red part
    /// is the share), and failed 401s alone on their own scale. The onset is a dashed line on both.
    static func chart(_ s: LogSummary, spike: LogSpike?) -> String {
        let group = Sparkline.groupSize(count: s.timeline.count, width: chartColumns)
        let requests = Sparkline.sums(s.timeline.map(\.requests), group: group)
        let failures = Sparkline.sums(s.timeline.map(\.failures), group: group)
        let n = requests.count
        let width = 960.0
        let left = 56.0
        let right = 8.0
        let panel = 110.0
        let gap = 34.0
        let top = 10.0
        let column = (width - left - right) / Double(n)
        let height = top + panel * 2 + gap + 30
        let maxRequests = max(1, requests.max() ?? 0)
        let maxFailures = max(1, failures.max() ?? 0)
        func num(_ v: Double) -> String { LogFigures.decimal(v) }
        var svg =
            """
            <svg viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"requests and failed 401s \
            per \(HTML.escape(LogTime.unit(s.bucketSeconds * group)))\">\n
            """
        let base1 = top + panel
        let base2 = top + panel * 2 + gap
        for (i, (r, f)) in zip(requests, failures).enumerated() {
            let x = left + Double(i) * column
            let w = max(column - (column > 3 ? 1 : 0), 0.5)
            let start = s.timeline[i * group].start
            let tip = "<title>\(LogTime.iso(start)): \(r) requests, \(f) failed 401s</title>"
            if r > 0 {
                let hr = Double(r) / Double(maxRequests) * panel
                svg +=
                    """
                    <rect class=\"req\" x=\"\(num(x))\" y=\"\(num(base1 - hr))\" width=\"\(num(w))\" \
                    height=\"\(num(hr))\">\(tip)</rect>
                    """
            }
            if f > 0 {
                let hf = Double(f) / Double(maxRequests) * panel
                svg +=
                    """
                    <rect class=\"fail\" x=\"\(num(x))\" y=\"\(num(base1 - hf))\" width=\"\(num(w))\" \
                    height=\"\(num(max(hf, 0.5)))\">\(tip)</rect>
                    """
                let hf2 = Double(f) / Double(maxFailures) * panel
                svg +=
                    """
                    <rect class=\"fail\" x=\"\(num(x))\" y=\"\(num(base2 - hf2))\" width=\"\(num(w))\" \
                    height=\"\(num(hf2))\">\(tip)</rect>
                    """
            }
        }
        svg +=
            """
            \n<line class=\"axis\" x1=\"\(num(left))\" y1=\"\(num(base1))\" x2=\"\(num(width - right))\" \
            y2=\"\(num(base1))\"/>
            """
        svg +=
            """
            <line class=\"axis\" x1=\"\(num(left))\" y1=\"\(num(base2))\" x2=\"\(num(width - right))\" \
            y2=\"\(num(base2))\"/>\n
            """
        svg += "<text x=\"4\" y=\"\(num(top + 10))\">\(maxRequests)</text><text x=\"4\" y=\"\(num(base1))\">0</text>"
        svg +=
            """
            <text x=\"4\" y=\"\(num(base1 + gap - 4 + 10))\">\(maxFailures)</text><text x=\"4\" \
            y=\"\(num(base2))\">0</text>\n
            """
        svg +=
            """
            <text x=\"\(num(left + 4))\" y=\"\(num(top + 10))\" class=\"label\">requests (grey), failed 401s \
            (red), per \(HTML.escape(LogTime.unit(s.bucketSeconds * group)))</text>
            """
        svg += "<text x=\"\(num(left + 4))\" y=\"\(num(base1 + gap - 4 + 10))\" class=\"label\">failed 401s</text>\n"
        let end = s.timeline.last!.start + Int64(s.bucketSeconds)
        svg += "<text x=\"\(num(left))\" y=\"\(num(base2 + 18))\">\(LogTime.iso(s.timeline.first!.start))</text>"
        svg +=
            """
            <text x=\"\(num(width - right))\" y=\"\(num(base2 + 18))\" \
            text-anchor=\"end\">\(LogTime.iso(end))</text>\n
            """
        if let spike, let index = s.timeline.firstIndex(where: { $0.start == spike.onset }) {
            let x = left + Double(index / group) * column
            svg += "<line class=\"onset\" x1=\"\(num(x))\" y1=\"\(num(top))\" x2=\"\(num(x))\" y2=\"\(num(base2))\"/>"
            // Near the right edge the label goes to the left of the line so it is not cut off.
            let anchor = x > width * 0.7 ? " text-anchor=\"end\"" : ""
            svg +=
                """
                <text class=\"onset\" x=\"\(num(anchor.isEmpty ? x + 3 : x - 3))\" \
                y=\"\(num(top + panel + 14))\"\(anchor)>onset \(LogTime.iso(spike.began))</text>\n
                """
        }
        return svg + "</svg>"
    }

    static let style = """
        body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1100px;padding:0 \
        16px;color:#1d1d1f}
        h1{margin-bottom:0}.subject{color:#555;margin-top:4px;word-break:break-all}
        .verdict{font-weight:600;padding:8px \
        12px;border-radius:6px;background:#eef7ee}.verdict.problems,.verdict.error{background:#fdecea}
        section{margin-top:28px}table{border-collapse:collapse;font-size:13px}th,td{border-bottom:1px solid \
        #ddd;padding:3px 8px;text-align:left;vertical-align:top;word-break:break-all}
        td.n{text-align:right;font-variant-numeric:tabular-nums}.tops{display:flex;flex-wrap:wrap;gap:24px}\
        .top{min-width:240px;max-width:520px}
        svg{width:100%;height:auto;font-size:11px}svg .req{fill:#b8bcc4}svg .fail{fill:#d93025}svg .axis{stroke:#888}
        svg line.onset{stroke:#1a73e8;stroke-dasharray:4 3}svg text.onset{fill:#1a73e8}svg .label{fill:#444}
        .finding{border-left:4px solid #999;padding:4px 12px;margin:12px \
        0}.finding.error{border-color:#d93025}.finding.warning{border-color:#f29900}
        .sev{font-size:11px;text-transform:uppercase;color:#555}pre{white-space:pre-wrap;margin:0;font-size:12.5px}\
        .refs{color:#555;font-size:12px}
        footer{margin-top:32px;color:#777;font-size:12px}
        """
}

/// HTML text escaping for hostile content.
public enum HTML {
    /// `&<>"'` escaped; control characters made visible first (newlines too unless kept).
    public static func escape(_ text: String, keepNewlines: Bool = false) -> String {
        let clean =
            keepNewlines
            ? text.split(separator: "\n", omittingEmptySubsequences: false).map { Sanitize.line(String($0)) }.joined(
                separator: "\n") : Sanitize.line(text)
        return HTMLText.escape(clean)
    }
}
