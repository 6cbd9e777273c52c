import MCP
import Report
import Why401Kit

/// `read_challenge`: `why401 challenge` — read `WWW-Authenticate` values, through `UseCase.readChallenge`.
public enum ReadChallengeTool: Why401Tool {
    /// The tool\'s name, as clients call it.
    public static let name = "read_challenge"

    /// The description and the input schema `tools/list` gives.
    public static var definition: Tool {
        Tool(
            name: name, title: "Read a WWW-Authenticate challenge",
            description: """
                Read the WWW-Authenticate (or Proxy-Authenticate) header values of a 401/407 response the way a \
                client must (RFC 9110 §11): every scheme and parameter, what the server asks for (Basic, Digest, \
                Bearer with error="invalid_token", resource_metadata for OAuth / MCP authorization…), and every \
                syntax problem that makes clients fail. Call it when you have the header value but not a live \
                URL, e.g. from a log or a bug report. Offline. Returns a one-line verdict and the report as JSON \
                (schema 1) with the parsed challenges and `findings`. Never give it an Authorization header (the \
                client's credentials): it refuses one.
                """,
            inputSchema: Schema.object(
                [
                    "headers": Schema.strings(
                        "The header values, one per field line (a pasted \"WWW-Authenticate: \" prefix is fine)."),
                    "proxy": Schema.boolean("The values are Proxy-Authenticate (a proxy asks, status 407)."),
                    "status": Schema.integer("The status code they came with, e.g. 401."),
                ], required: ["headers"]),
            annotations: .init(readOnlyHint: true, openWorldHint: false))
    }

    /// The entry point's request: each value split into field lines as `why401 challenge` reads
    /// stdin (a pasted block with line folding included). Pure.
    public static func request(_ arguments: ToolArguments) throws -> ChallengeReadRequest {
        try arguments.expectOnly(["headers", "proxy", "status"])
        guard let values = try arguments.strings("headers") else { throw ToolInputError("headers is required") }
        let fields = values.flatMap { ChallengeReadRequest.headerLines(Array($0.utf8)) }
        if fields.isEmpty { throw ToolInputError("headers: give at least one WWW-Authenticate value") }
        return ChallengeReadRequest(
            fields: fields, proxy: try arguments.bool("proxy") ?? false, status: try arguments.integer("status"))
    }

    /// Maps the arguments (`request`), calls `UseCase.readChallenge`, and returns `ChallengeReport`.
    public static func call(_ arguments: ToolArguments, settings: MCPSettings) async throws -> ToolOutput {
        ToolOutput(report: ChallengeReport.report(try UseCase.readChallenge(try request(arguments))))
    }
}
