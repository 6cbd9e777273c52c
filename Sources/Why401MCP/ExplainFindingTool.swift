import Diagnosis
import MCP
import Report

/// `explain_finding`: `why401 explain ID` — one catalog entry, as `CatalogReport` presents it.
public enum ExplainFindingTool: Why401Tool {
    /// The tool\'s name, as clients call it.
    public static let name = "explain_finding"

    /// The description and the input schema `tools/list` gives.
    public static var definition: Tool {
        Tool(
            name: name, title: "Explain a why401 finding",
            description: """
                Explain a why401 finding id (such as token.expired or credentials.rejected, as the other tools \
                report in `cause` and `findings[].id`): its severity, who must act (client or server), the \
                explanation, the fix steps and the references (RFCs, server documentation). Call it to tell the \
                user more about a finding or how to fix it. Returns a one-line title and the catalog entry as \
                JSON (schema 1). An unknown id is an error that suggests the nearest ids.
                """,
            inputSchema: Schema.object(
                ["id": Schema.string("The finding id, e.g. token.expired.")], required: ["id"]),
            annotations: .init(readOnlyHint: true, openWorldHint: false))
    }

    /// The catalog entry the id names. Pure. Throws `ToolInputError` for an unknown id, with the
    /// nearest ids, as `why401 explain` says it.
    public static func entry(_ arguments: ToolArguments) throws -> CatalogEntry {
        try arguments.expectOnly(["id"])
        let id = try arguments.requiredString("id").trimmingWhitespace
        guard let entry = Catalog.entry(named: id) else {
            let suggestions = Catalog.nearest(to: id)
            let hint =
                suggestions.isEmpty
                ? "call explain_finding with an id from a report"
                : "did you mean \(suggestions.joined(separator: ", "))?"
            throw ToolInputError("unknown finding id '\(ToolArguments.shown(id))': \(hint)")
        }
        return entry
    }

    /// Looks the id up (`entry`) and returns `CatalogReport` for it, as `why401 explain ID --json`.
    public static func call(_ arguments: ToolArguments, settings: MCPSettings) async throws -> ToolOutput {
        ToolOutput(report: CatalogReport.report(ExplainResult(entries: [try entry(arguments)], single: true)))
    }
}
