import Foundation
import MCP
import Report
import Why401Kit

/// `diagnose_har`: `why401 har` — every 401 in a HAR export, offline, through `UseCase.analyzeHAR`.
public enum DiagnoseHARTool: Why401Tool {
    /// The tool\'s name, as clients call it.
    public static let name = "diagnose_har"

    /// The subject of a HAR given as text (a path names itself).
    public static let inlineName = "HAR text"

    /// The description and the input schema `tools/list` gives.
    public static var definition: Tool {
        Tool(
            name: name, title: "Diagnose the 401s in a HAR file",
            description: """
                Diagnose every 401 (and 407, and authentication 403) in a HAR export — browser DevTools "Save all \
                as HAR", mitmproxy, Charles, Fiddler, Postman. Call it when the user has a .har file or HAR JSON of \
                a failing login or API session. Offline: nothing is sent. Each entry is judged with the same rules \
                as a live check plus what the file shows around it (a redirect that dropped Authorization, a \
                preflight, an expired cookie or token, the same request succeeding earlier). Give `path` (a file \
                on this machine, absolute or ~/…) or `har` (the JSON text), not both. Returns a one-line verdict \
                and the report as JSON (schema 1): `entries` with each entry's `cause` and `findings`; where the \
                file holds secrets is named (har.contains-secrets), never their values.
                """,
            inputSchema: Schema.object([
                "path": Schema.string("Path of the .har file on this machine (absolute, or ~/…)."),
                "har": Schema.string("The HAR JSON itself, instead of a path."),
            ]),
            annotations: .init(readOnlyHint: true, openWorldHint: false))
    }

    /// The entry point's request: the file (a leading `~/` is the user's home) or the text. Pure.
    public static func request(_ arguments: ToolArguments, home: String? = nil) throws -> HARRequest {
        try arguments.expectOnly(["path", "har"])
        switch (try arguments.string("path"), try arguments.string("har")) {
        case (let path?, nil):
            if path.isEmpty { throw ToolInputError("path is empty") }
            if path.hasPrefix("~/"), let home = home ?? ProcessInfo.processInfo.environment["HOME"] {
                return HARRequest(source: .file(home + path.dropFirst()))
            }
            return HARRequest(source: .file(path))
        case (nil, let text?):
            if text.allSatisfy(\.isWhitespace) { throw ToolInputError("har is empty") }
            return HARRequest(source: .bytes(Array(text.utf8), name: inlineName))
        case (nil, nil):
            throw ToolInputError("give path (a .har file) or har (its JSON text)")
        case (_?, _?):
            throw ToolInputError("give path or har, not both")
        }
    }

    /// Maps the arguments (`request`), calls `UseCase.analyzeHAR`, and returns `HARReport`.
    public static func call(_ arguments: ToolArguments, settings: MCPSettings) async throws -> ToolOutput {
        ToolOutput(report: HARReport.report(try UseCase.analyzeHAR(try request(arguments))))
    }
}
