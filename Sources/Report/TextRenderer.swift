import Diagnosis
import Evidence

/// Text for terminals: the verdict first, then the ranked findings with evidence and fix, then the
/// exchange transcript (secrets already masked in the evidence). Colour only when asked — the CLI
/// asks only on a TTY and never with `NO_COLOR`.
public struct TextRenderer: Sendable {
    public var color: Bool
    /// Paragraphs wrap at this width.
    public var width: Int

    public init(color: Bool, width: Int = 100) {
        self.color = color
        self.width = width
    }

    public func render(_ report: DiagnosticReport) -> String {
        if let page = report.page { return page.text(color) }
        var lines: [String] = [verdict(report)]
        if !report.subject.isEmpty { lines.append(dim("  \(report.command): \(Sanitize.line(report.subject))")) }
        for section in report.sections {
            lines.append("")
            lines.append(bold(section.title))
            lines += section.lines.map { "  " + Sanitize.line($0) }
        }
        if !report.findings.isEmpty {
            lines.append("")
            lines.append(bold(report.findings.count == 1 ? "Finding" : "Findings (most likely cause first)"))
            for (index, finding) in report.findings.enumerated() {
                lines.append("")
                lines += render(finding, number: index + 1)
            }
        }
        if !report.exchanges.isEmpty {
            lines.append("")
            lines.append(bold("Exchanges (secrets masked)"))
            for (index, exchange) in report.exchanges.enumerated() {
                lines += render(exchange, number: index + 1)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    func verdict(_ report: DiagnosticReport) -> String {
        if let headline = report.headline {
            let good = report.outcome == .ok
            return paint(headline, good ? .green : .red)
        }
        let top = report.findings.first
        let cause = report.cause.flatMap { id in top.map { "\(id): \($0.title)" } ?? id }
        switch report.outcome {
        case .ok:
            // Nothing at or above the threshold, but warnings are still worth a look: say how many
            // instead of "nothing wrong found".
            let errors = report.findings.filter { $0.severity == .error }.count
            let warnings = report.findings.filter { $0.severity == .warning }.count
            // A refused request is never "OK", even when nothing about authentication is wrong
            // (a 403 for an account without permission: authz.forbidden).
            if let status = report.status, status >= 400, errors == 0 {
                let top = report.findings.first.map { " — " + bold("\($0.id): \($0.title)") } ?? ""
                return paint("• \(status) — no authentication failure found", .yellow)
                    + (warnings > 0 ? " — \(warnings) warning\(warnings == 1 ? "" : "s")" : "") + top
            }
            guard errors + warnings > 0 else {
                return paint("✓ OK", .green) + (report.status.map { " — HTTP \($0)" } ?? "") + " — nothing wrong found"
            }
            let counted = [(errors, "error"), (warnings, "warning")].filter { $0.0 > 0 }
                .map { "\($0.0) \($0.1)\($0.0 == 1 ? "" : "s")" }.joined(separator: ", ")
            return paint("✓ " + (report.status.map(String.init) ?? "OK"), .green) + " — " + counted
                + (cause.map { " — top: " + bold($0) } ?? "")
        case .unauthorized:
            let status =
                report.status.map { "\($0) \($0 == 407 ? "Proxy Authentication Required" : "Unauthorized")" }
                ?? "Unauthorized"
            return paint("✗ \(status)", .red) + (cause.map { " — most likely: " + bold($0) } ?? "")
        case .problems:
            let count = report.findings.filter { $0.severity != .info }.count
            return paint("✗ \(count) problem\(count == 1 ? "" : "s") found", .red)
                + (cause.map { " — top: " + bold($0) } ?? "")
        case .error:
            return paint("! could not complete", .red) + (cause.map { " — " + bold($0) } ?? "")
        }
    }

    func render(_ finding: Finding, number: Int) -> [String] {
        var lines = [
            "\(String(number).leftPad(3)). " + severityLabel(finding.severity) + " " + bold(finding.id.rawValue)
                + " — " + Sanitize.line(finding.title) + dim("  (for the \(finding.audience.rawValue))")
        ]
        lines += wrap(Sanitize.line(finding.detail), indent: "     ")
        if !finding.evidence.isEmpty {
            lines.append("     evidence:")
            for item in finding.evidence {
                lines += wrap(Sanitize.line(item), indent: "       • ", hanging: "         ")
            }
        }
        if !finding.fix.isEmpty {
            lines.append("     fix:")
            for step in finding.fix {
                // Multi-line steps are config blocks: keep their lines as written.
                let stepLines = step.split(separator: "\n", omittingEmptySubsequences: false).map {
                    Sanitize.line(String($0))
                }
                lines += wrap(stepLines[0], indent: "       → ", hanging: "         ")
                lines += stepLines.dropFirst().map { "         " + $0 }
            }
        }
        if !finding.references.isEmpty {
            lines += wrap(
                Sanitize.line(finding.references.joined(separator: "; ")), indent: dim("     see: "),
                hanging: "          ")
        }
        return lines
    }

    func render(_ exchange: Exchange, number: Int) -> [String] {
        var lines = [""]
        lines.append("  #\(number)" + (exchange.purpose.map { " " + $0 } ?? ""))
        lines.append(dim("  > ") + Sanitize.line("\(exchange.request.method) \(exchange.request.url)"))
        for field in exchange.request.headers {
            lines.append(dim("  > ") + Sanitize.line("\(field.name): \(field.value)"))
        }
        guard let response = exchange.response else {
            lines.append(dim("  < (no response" + (exchange.failure.map { ": " + Sanitize.line($0) } ?? "") + ")"))
            return lines
        }
        var meta: [String] = []
        if let ms = exchange.milliseconds { meta.append(String(format1: ms) + " ms") }
        if let t = exchange.timings {
            let phases = [("dns", t.dns), ("connect", t.connect), ("tls", t.tls), ("first byte", t.firstByte)]
                .compactMap { name, value in value.map { "\(name) \(String(format1: $0))" } }
            if !phases.isEmpty { meta.append(phases.joined(separator: " ")) }
        }
        if let version = exchange.httpVersion { meta.append(version) }
        if let peer = exchange.peer { meta.append(Sanitize.line(peer)) }
        let statusText = paint(
            String(response.status),
            response.status == 401 || response.status == 407 || response.status >= 500
                ? .red : (response.status < 400 ? .green : .yellow))
        lines.append(dim("  < ") + statusText + (meta.isEmpty ? "" : dim("  (\(meta.joined(separator: ", ")))")))
        for field in response.headers { lines.append(dim("  < ") + Sanitize.line("\(field.name): \(field.value)")) }
        // What the server said in the body (masked, one line): often the most telling line.
        if response.status >= 400, let message = ServerMessage.read(response) {
            lines.append(dim("  < ") + Sanitize.line("(body, \(message.source)) \(message.text)"))
        }
        return lines
    }

    // MARK: styling

    enum Colour: String {
        case red = "31"
        case green = "32"
        case yellow = "33"
        case cyan = "36"
    }

    func severityLabel(_ severity: Severity) -> String {
        switch severity {
        case .error: paint("[error]  ", .red)
        case .warning: paint("[warning]", .yellow)
        case .info: paint("[info]   ", .cyan)
        }
    }

    func paint(_ text: String, _ colour: Colour) -> String {
        color ? "\u{1B}[\(colour.rawValue)m\(text)\u{1B}[0m" : text
    }
    public func bold(_ text: String) -> String { color ? "\u{1B}[1m\(text)\u{1B}[0m" : text }
    func dim(_ text: String) -> String { color ? "\u{1B}[2m\(text)\u{1B}[0m" : text }

    /// Greedy word wrap; `indent` starts the first line, `hanging` the rest.
    public func wrap(_ text: String, indent: String, hanging: String? = nil) -> [String] {
        let rest = hanging ?? String(repeating: " ", count: indent.count)
        var lines: [String] = []
        var current = indent
        var currentIsEmpty = true
        let limit = max(width, 40)
        for word in text.split(separator: " ", omittingEmptySubsequences: true) {
            if !currentIsEmpty && current.count + 1 + word.count > limit {
                lines.append(current)
                current = rest
                currentIsEmpty = true
            }
            current += (currentIsEmpty ? "" : " ") + word
            currentIsEmpty = false
        }
        lines.append(current)
        return lines
    }
}

extension String {
    func leftPad(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }

    /// One decimal place, no Foundation.
    init(format1 value: Double) {
        let tenths = Int((value * 10).rounded())
        self = "\(tenths / 10).\(abs(tenths % 10))"
    }
}

/// Server-controlled text (header values, realms, error descriptions) can carry terminal escape
/// sequences; printed raw they could rewrite the screen or hide lines. Everything a renderer prints
/// from evidence goes through here.
public enum Sanitize {
    /// Control characters (C0, DEL, C1) become visible `\xNN` escapes; newlines too (one item, one line).
    public static func line(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x20 && v != 0x09 || v == 0x7F || (0x80...0x9F).contains(v) {
                let hex = Array("0123456789ABCDEF")
                out += "\\x" + String(hex[Int(v >> 4 & 0xF)]) + String(hex[Int(v & 0xF)])
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
