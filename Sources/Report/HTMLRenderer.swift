import Diagnosis
import Evidence
import TextEscaping

/// Any `DiagnosticReport` as HTML: the verdict, the cause, the command's sections, the ranked
/// findings with their evidence and fix steps, and the exchanges (secrets already masked in the
/// evidence). What the text renderer prints, laid out for a browser — readable on a phone (it
/// reflows), printable (a print style sheet), and as one self-contained document without script or
/// external asset that can be saved, mailed or attached to a ticket.
///
/// Everything in a report may come from a hostile server or file (a realm, a header, a HAR URL), so
/// every value goes through `HTML.escape` (control characters made visible, then `&<>"'` escaped).
/// The caller decides the outcome first (`ExitPolicy.applied(to:)`), as for every renderer.
public enum HTMLRenderer {
    /// The report as an `<article>` to place in a page that includes `style` (the `why401 serve`
    /// page does, for a result shown without reloading).
    public static func fragment(_ report: DiagnosticReport) -> String {
        let cause = report.cause ?? ""
        var h = """
            <article class="report \(report.outcome.rawValue)" data-outcome="\(report.outcome.rawValue)" \
            data-cause="\(HTML.escape(cause))">
            <header>
            <p class="command">why401 \(HTML.escape(report.command))</p>
            <p class="subject">\(HTML.escape(report.subject))</p>
            <p class="verdict \(report.outcome.rawValue)">\(HTML.escape(TextRenderer(color: false).verdict(report)))</p>

            """
        h += "<dl class=\"facts\">"
        h += "<dt>outcome</dt><dd class=\"fact-outcome\">\(report.outcome.rawValue)</dd>"
        if let status = report.status { h += "<dt>status</dt><dd class=\"fact-status\">\(status)</dd>" }
        h += "<dt>cause</dt><dd><code class=\"cause\">\(cause.isEmpty ? "none" : HTML.escape(cause))</code></dd>"
        h += "</dl>\n</header>\n"
        if let page = report.page {
            return h + "<pre class=\"page\">\(HTML.escape(page.text(false), keepNewlines: true))</pre>\n</article>\n"
        }
        for section in report.sections {
            h += "<section class=\"part\"><h3>\(HTML.escape(section.title))</h3>\n<ul class=\"lines\">"
            h += section.lines.map { "<li>\(HTML.escape($0))</li>" }.joined()
            h += "</ul></section>\n"
        }
        h += "<section class=\"part\"><h3>"
        h += report.findings.count == 1 ? "Finding" : "Findings (most likely cause first)"
        h += "</h3>\n"
        if report.findings.isEmpty {
            h += "<p>Nothing wrong found.</p>\n"
        } else {
            h += "<ol class=\"findings\">\n" + report.findings.map(finding).joined(separator: "\n") + "\n</ol>\n"
        }
        h += "</section>\n"
        if !report.exchanges.isEmpty {
            h += "<section class=\"part\"><h3>Exchanges (secrets masked)</h3>\n"
            for (index, item) in report.exchanges.enumerated() { h += exchange(item, number: index + 1) }
            h += "</section>\n"
        }
        return h + "</article>\n"
    }

    /// A complete page holding only the report: inline CSS, no script, no external asset, no form.
    /// What "download this report" saves.
    public static func document(_ report: DiagnosticReport) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title(report))</title>
        <style>\(style)</style>
        </head>
        <body>
        \(fragment(report))<footer>why401 \(HTML.escape(report.command)) · secrets masked · schema 1 JSON: \
        why401 \(HTML.escape(report.command)) --json</footer>
        </body>
        </html>

        """
    }

    /// The page title for a report: command, cause (or outcome) and subject, escaped.
    public static func title(_ report: DiagnosticReport) -> String {
        let what = report.cause ?? report.outcome.rawValue
        let subject = report.subject.isEmpty ? "" : " — " + report.subject
        return HTML.escape("why401 \(report.command): \(what)\(subject)")
    }

    static func finding(_ f: Finding) -> String {
        var h = """
            <li class="finding \(f.severity.rawValue)" id="finding-\(HTML.escape(f.id.rawValue))">
            <h4><span class="sev">\(f.severity.rawValue)</span> <code class="id">\(HTML.escape(f.id.rawValue))</code> \
            — \(HTML.escape(f.title)) <span class="aud">for the \(f.audience.rawValue)</span></h4>
            <p>\(HTML.escape(f.detail))</p>

            """
        if !f.evidence.isEmpty {
            h += "<h5>Evidence</h5><ul class=\"evidence\">" + f.evidence.map { "<li>\(HTML.escape($0))</li>" }.joined()
            h += "</ul>\n"
        }
        if !f.fix.isEmpty {
            h += "<h5>Fix</h5><ol class=\"fix\">"
            // A multi-line step is a configuration block: kept as written; a sentence wraps as prose.
            h += f.fix.map { step in
                step.contains("\n")
                    ? "<li><pre>\(HTML.escape(step, keepNewlines: true))</pre></li>" : "<li>\(HTML.escape(step))</li>"
            }.joined()
            h += "</ol>\n"
        }
        if !f.references.isEmpty {
            h += "<p class=\"refs\">See: \(HTML.escape(f.references.joined(separator: "; ")))</p>\n"
        }
        return h + "</li>"
    }

    static func exchange(_ e: Exchange, number: Int) -> String {
        var lines = ["> \(e.request.method) \(e.request.url)"]
        lines += e.request.headers.map { "> \($0.name): \($0.value)" }
        var summary = "#\(number)" + (e.purpose.map { " " + $0 } ?? "") + " — \(e.request.method) "
        if let response = e.response {
            var meta: [String] = []
            if let ms = e.milliseconds { meta.append(String(format1: ms) + " ms") }
            if let version = e.httpVersion { meta.append(version) }
            if let peer = e.peer { meta.append(peer) }
            lines.append("< \(response.status)" + (meta.isEmpty ? "" : "  (\(meta.joined(separator: ", ")))"))
            lines += response.headers.map { "< \($0.name): \($0.value)" }
            if response.status >= 400, let message = ServerMessage.read(response) {
                lines.append("< (body, \(message.source)) \(message.text)")
            }
            summary += "→ \(response.status)"
        } else {
            lines.append("< (no response" + (e.failure.map { ": " + $0 } ?? "") + ")")
            summary += "→ no response"
        }
        let status = e.response.map { $0.status == 401 || $0.status == 407 || $0.status >= 500 ? "bad" : "" } ?? "bad"
        return """
            <div class="exchange \(status)"><p class="summary">\(HTML.escape(summary))</p>\
            <pre>\(lines.map { HTML.escape($0) }.joined(separator: "\n"))</pre></div>

            """
    }

    /// Screen (wide and narrow) and print styles for `fragment`, shared by `document` and the page
    /// of `why401 serve`.
    public static let style = """
        :root{color-scheme:light}
        body{font:15px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;margin:0 auto;max-width:1000px;\
        padding:12px 16px 32px;color:#1d1d1f;background:#fff}
        .report{margin:16px 0}.report header{border-bottom:1px solid #ddd;padding-bottom:8px}
        .command{margin:0;color:#555;font-size:13px;text-transform:uppercase;letter-spacing:.04em}
        .subject{margin:2px 0 8px;font-family:ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
        .verdict{font-weight:600;padding:8px 12px;border-radius:6px;background:#eef7ee;margin:8px 0}
        .verdict.unauthorized,.verdict.problems,.verdict.error{background:#fdecea}
        .facts{display:flex;flex-wrap:wrap;align-items:baseline;gap:4px 6px;margin:4px 0;font-size:13px}
        .facts dt{color:#666}.facts dd{margin:0 12px 0 0;font-weight:600}
        .part h3{margin:20px 0 6px;font-size:16px}.lines{margin:0;padding-left:20px}.lines li{word-break:break-word}
        .findings{padding-left:0;list-style:none;margin:0}
        .finding{border-left:4px solid #999;padding:4px 12px;margin:12px 0;background:#fafafa}
        .finding.error{border-color:#d93025}.finding.warning{border-color:#f29900}.finding.info{border-color:#1a73e8}
        .finding h4{margin:4px 0;font-size:15px;word-break:break-word}.finding h5{margin:8px 0 2px;font-size:13px}
        .finding ul,.finding ol{margin:0;padding-left:20px}.finding li{word-break:break-word}
        .sev{font-size:11px;text-transform:uppercase;color:#fff;background:#777;border-radius:3px;padding:1px 5px}
        .finding.error .sev{background:#d93025}.finding.warning .sev{background:#b06000}\
        .finding.info .sev{background:#1a73e8}
        .aud{font-size:12px;color:#666;font-weight:normal}.refs{color:#555;font-size:12px;word-break:break-all}
        pre{white-space:pre-wrap;overflow-wrap:anywhere;margin:0;font:12.5px/1.4 ui-monospace,Menlo,Consolas,monospace}
        .exchange{border:1px solid #ddd;border-radius:6px;margin:8px 0;padding:6px 10px;background:#fcfcfc}
        .exchange.bad{border-color:#f3b5b0}.exchange .summary{margin:0 0 4px;font-weight:600;font-size:13px}
        .page{background:#fafafa;padding:10px;border-radius:6px}
        footer{margin-top:24px;color:#777;font-size:12px}
        @media (max-width:600px){body{font-size:14px;padding:8px 10px}.verdict{padding:6px 8px}\
        .finding{padding:4px 8px}pre{font-size:12px}}
        @media print{body{max-width:none;padding:0;font-size:11pt}.verdict,.finding,.exchange,.page{background:none}\
        .finding,.exchange{break-inside:avoid}.noprint,form,nav,.actions{display:none!important}\
        a{color:inherit;text-decoration:none}}
        """
}
