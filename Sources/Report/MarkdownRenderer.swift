import Diagnosis
import Evidence

/// Markdown for issue trackers and chat: the same order as the text renderer (verdict, findings,
/// transcript), with evidence and headers in code spans so nothing a server sent renders as markup.
public enum MarkdownRenderer {
    public static func render(_ report: DiagnosticReport) -> String {
        if let page = report.page { return page.markdown }
        var out: [String] = []
        let verdict = TextRenderer(color: false).verdict(report)
        out.append("# why401 \(report.command): \(escape(report.subject))")
        out.append("")
        out.append("**\(escape(verdict))**")
        if let status = report.status {
            out.append("")
            out.append("Final status: `\(status)`")
        }
        for section in report.sections {
            out.append("")
            out.append("## \(escape(section.title))")
            out.append("")
            let lines = section.lines.map(Sanitize.line)
            let fence = self.fence(for: lines)
            out.append(fence + "text")
            out += lines
            out.append(fence)
        }
        if !report.findings.isEmpty {
            out.append("")
            out.append("## Findings")
            for (index, finding) in report.findings.enumerated() {
                out.append("")
                out.append("### \(index + 1). `\(finding.id)` — \(escape(finding.title))")
                out.append("")
                out.append("*\(finding.severity.rawValue), for the \(finding.audience.rawValue)*")
                out.append("")
                out.append(escape(finding.detail))
                if !finding.evidence.isEmpty {
                    out.append("")
                    out.append("Evidence:")
                    out.append("")
                    for item in finding.evidence { out.append("- \(code(item))") }
                }
                if !finding.fix.isEmpty {
                    out.append("")
                    out.append("Fix:")
                    out.append("")
                    for step in finding.fix {
                        if step.contains("\n") {
                            out.append("- ")
                            out.append("  ```")
                            out += step.split(separator: "\n", omittingEmptySubsequences: false).map {
                                "  " + Sanitize.line(String($0))
                            }
                            out.append("  ```")
                        } else {
                            out.append("- \(escape(step))")
                        }
                    }
                }
                if !finding.references.isEmpty {
                    out.append("")
                    out.append("References: " + finding.references.map(escape).joined(separator: "; "))
                }
            }
        }
        if !report.exchanges.isEmpty {
            out.append("")
            out.append("## Exchanges (secrets masked)")
            for (index, exchange) in report.exchanges.enumerated() {
                out.append("")
                out.append("\(index + 1). \(escape(exchange.purpose ?? "request"))")
                out.append("")
                out.append("```http")
                out.append(Sanitize.line("\(exchange.request.method) \(exchange.request.url)"))
                for f in exchange.request.headers { out.append(Sanitize.line("\(f.name): \(f.value)")) }
                if let response = exchange.response {
                    out.append("")
                    out.append("HTTP \(response.status)")
                    for f in response.headers { out.append(Sanitize.line("\(f.name): \(f.value)")) }
                } else {
                    out.append("")
                    out.append("(no response)")
                }
                out.append("```")
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// Backslash-escapes Markdown punctuation so server text cannot inject links or HTML.
    static func escape(_ text: String) -> String {
        var out = ""
        for ch in Sanitize.line(text) {
            if "\\`*_{}[]<>#|!".contains(ch) { out.append("\\") }
            out.append(ch)
        }
        return out
    }

    /// A code fence longer than any backtick run in the lines, so server text cannot close it.
    static func fence(for lines: [String]) -> String {
        var longest = 0
        for line in lines {
            var run = 0
            for ch in line {
                run = ch == "`" ? run + 1 : 0
                longest = max(longest, run)
            }
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }

    /// A code span long enough to hold any backticks in the text.
    static func code(_ text: String) -> String {
        let clean = Sanitize.line(text)
        var longest = 0
        var run = 0
        for ch in clean {
            run = ch == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let pad = clean.hasPrefix("`") || clean.hasSuffix("`") ? " " : ""
        return fence + pad + clean + pad + fence
    }
}
