import Diagnosis
import Evidence

/// What a command concluded, in one value every renderer takes. Mirrors JSON schema 1 (`schema/report-1.schema.json`).
public struct DiagnosticReport: Sendable {
    /// ok | unauthorized | problems | error — also decides the exit code.
    public enum Outcome: String, Sendable, CaseIterable {
        /// Nothing wrong found: the resource answers without 401, or the audit is clean.
        case ok
        /// The final answer is still 401/407.
        case unauthorized
        /// Problems were diagnosed (audit findings, lint errors) without a live 401.
        case problems
        /// The command could not complete (DNS, connect, unreadable input).
        case error

        /// Exit codes as docs/output.md documents: 0 nothing wrong, 1 a problem diagnosed, 3 could not complete.
        public var exitCode: Int32 {
            switch self {
            case .ok: 0
            case .unauthorized, .problems: 1
            case .error: 3
            }
        }
    }

    public var command: String
    public var subject: String
    public var outcome: Outcome
    /// Final HTTP status, where there is one.
    public var status: Int?
    /// Findings, most likely cause first (call `ranked()` before building if unsure).
    public var findings: [Finding]
    public var exchanges: [Exchange]
    /// Command-specific top-level fields (`summary` for logs, `header`/`claims` for jwt…), in order.
    public var extra: [(String, JSONValue)]
    /// The verdict line in the command's own words, when the generic one would not answer the
    /// question asked (`htpasswd verify`: "✓ alice: password verifies"). Nil: the generic line.
    public var headline: String?
    /// Command-specific sections for text and Markdown (what `extra` is for JSON), printed between
    /// the verdict and the findings: e.g. the parsed challenges, a log summary.
    public var sections: [Section]
    /// The human forms of a report that is a page of its own rather than a verdict over findings
    /// (the demo's table, a catalog entry); nil: the generic layout. JSON always comes from the fields
    /// above, so every command keeps the one schema-1 envelope and the one exit policy.
    public var page: Page?

    /// Text (given whether to colour it) and Markdown that replace the generic layout.
    public struct Page: Sendable {
        public var text: @Sendable (_ color: Bool) -> String
        public var markdown: String
        public init(text: @escaping @Sendable (_ color: Bool) -> String, markdown: String) {
            self.text = text
            self.markdown = markdown
        }
    }

    /// A titled block of lines for the human formats.
    public struct Section: Sendable {
        public var title: String
        public var lines: [String]
        public init(title: String, lines: [String]) {
            self.title = title
            self.lines = lines
        }
    }

    public init(
        command: String, subject: String, outcome: Outcome, status: Int? = nil, findings: [Finding] = [],
        exchanges: [Exchange] = [], extra: [(String, JSONValue)] = [], sections: [Section] = [], page: Page? = nil
    ) {
        self.command = command
        self.subject = subject
        self.outcome = outcome
        self.status = status
        self.findings = findings
        self.exchanges = exchanges
        self.extra = extra
        self.sections = sections
        self.page = page
    }

    /// The id of the top finding when it explains something (error or warning), else nil.
    /// Info-only findings are context, never "the cause".
    public var cause: String? {
        guard let top = findings.first, top.severity != .info else { return nil }
        return top.id.rawValue
    }
}

/// The three output formats every command offers.
public enum OutputFormat: String, Sendable, CaseIterable {
    case text
    case json
    case markdown
}

extension DiagnosticReport {
    /// Renders in the given format. `color` applies to text only.
    public func rendered(as format: OutputFormat, color: Bool = false) -> String {
        switch format {
        case .text: TextRenderer(color: color).render(self)
        case .json: JSONRenderer.render(self)
        case .markdown: MarkdownRenderer.render(self)
        }
    }
}
