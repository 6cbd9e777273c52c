import MCP
import Why401Kit

/// `diagnose_curl`: `why401 curl` — a pasted command line, through `UseCase.diagnoseCurl`.
public enum DiagnoseCurlTool: Why401Tool {
    /// The tool\'s name, as clients call it.
    public static let name = "diagnose_curl"

    /// The description and the input schema `tools/list` gives.
    public static var definition: Tool {
        Tool(
            name: name, title: "Diagnose a curl command that gets 401",
            description: """
                Diagnose a request given as a command line — a curl command (bash or cmd "Copy as cURL" from \
                browser DevTools, Postman, or one written by hand), a PowerShell Invoke-WebRequest or a fetch() \
                call — that is answered 401 Unauthorized. Call it when you have the whole command: it is replayed \
                with exactly its method, headers, cookies, body and -u credentials, followed by the same short \
                plan as diagnose_url (credentials never go to another origin; an unsafe method is sent once). \
                -u USER needs USER:PASS here (there is no prompt); -d @FILE and -b FILE are refused: paste the \
                content. Returns a one-line verdict and the report as JSON (schema 1) with `cause` and \
                `findings`, the notes saying how the command was read; secrets are masked.
                """,
            inputSchema: Schema.object(
                ["command": Schema.string("The whole command as pasted, line continuations included.")],
                required: ["command"]),
            annotations: .init(readOnlyHint: false, destructiveHint: false, openWorldHint: true))
    }

    /// The entry point's request: the pasted text on the server's plan settings; no file reading
    /// and no password prompt. Pure.
    public static func request(_ arguments: ToolArguments, settings: MCPSettings) throws -> CurlRequest {
        try arguments.expectOnly(["command"])
        return CurlRequest(
            input: .text(try arguments.requiredString("command")), settings: settings.planSettings(url: ""),
            command: "curl", readsFiles: false, password: nil)
    }

    /// Maps the arguments (`request`), calls `UseCase.diagnoseCurl`, and returns the check report.
    public static func call(_ arguments: ToolArguments, settings: MCPSettings) async throws -> ToolOutput {
        ToolOutput(check: try await UseCase.diagnoseCurl(try request(arguments, settings: settings)))
    }
}
