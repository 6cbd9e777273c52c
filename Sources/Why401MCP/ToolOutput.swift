import MCP
import Report
import Why401Kit

/// What a tool answers: a one-line summary, the schema-1 JSON report (what the CLI prints with
/// `--json`), and whether the call failed. A value, so tests read it without a client.
public struct ToolOutput: Sendable, Equatable {
    /// One line: the report's verdict as the CLI's text output states it, or the reason of a failure.
    public var summary: String
    /// The schema-1 JSON report; nil for a failure that produced no report.
    public var json: String?
    /// The call failed (bad input, or it could not complete): an MCP tool error result.
    public var isError: Bool

    /// An output from its parts.
    public init(summary: String, json: String?, isError: Bool) {
        self.summary = summary
        self.json = json
        self.isError = isError
    }

    /// A report through the one exit policy (the CLI's default `--fail-on error`), so `outcome` in
    /// the JSON is the CLI's. The summary is the first line of the CLI's text rendering.
    public init(report: DiagnosticReport) {
        let decided = ExitPolicy().applied(to: report)
        self.init(summary: Self.firstLine(of: decided), json: decided.rendered(as: .json), isError: false)
    }

    /// A failure: `reason` as one line (AuditFailure, ToolInputError), and no report.
    public static func failure(_ reason: String) -> ToolOutput {
        ToolOutput(summary: Self.oneLine(reason), json: nil, isError: true)
    }

    /// A check that got no HTTP answer at all: an error result that still carries the report of
    /// what was tried, as the CLI prints it before its exit-3 line.
    public static func incomplete(_ reason: String, report: DiagnosticReport) -> ToolOutput {
        var output = ToolOutput(report: report)
        output.summary = Self.oneLine("could not complete: " + reason)
        output.isError = true
        return output
    }

    /// The MCP result: the summary first, then the JSON, each a text content item.
    public var result: CallTool.Result {
        var content: [Tool.Content] = [.text(summary)]
        if let json { content.append(.text(json)) }
        return CallTool.Result(content: content, isError: isError)
    }

    static func firstLine(of report: DiagnosticReport) -> String {
        let text = report.rendered(as: .text, color: false)
        let line = text.split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
        return Sanitize.line(String(line.drop { $0 == " " }))
    }

    static func oneLine(_ text: String) -> String {
        Sanitize.line(text.split(whereSeparator: \.isNewline).joined(separator: " "))
    }
}
