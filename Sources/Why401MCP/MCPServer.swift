import Foundation
import MCP
import Why401Kit

/// `why401 mcp`: the diagnosis as Model Context Protocol tools on stdio, each a thin caller of a
/// library entry point (`UseCase.*`) whose report it returns as the CLI's schema-1 JSON.
///
/// A call never ends the server: bad arguments and failures are tool error results (`isError`) with
/// a one-line reason, and every call is bounded by `MCPSettings.callBound`.
public enum Why401MCPServer {
    /// Every tool, in the order `tools/list` gives them.
    public static let tools: [any Why401Tool.Type] = [
        DiagnoseURLTool.self, DiagnoseCurlTool.self, DiagnoseHARTool.self, InspectJWTTool.self,
        ReadChallengeTool.self, ExplainFindingTool.self,
    ]

    /// What the server tells a client about itself when it connects.
    public static let instructions = """
        why401 finds out why an HTTP request is answered 401 Unauthorized (or 407) and says what to change. \
        Pick the tool by what you have: a URL and credentials (diagnose_url), a curl/PowerShell/fetch command \
        (diagnose_curl), a HAR export (diagnose_har), a JWT (inspect_jwt), a WWW-Authenticate value \
        (read_challenge). Each returns a one-line verdict and a JSON report whose `cause` is the most likely \
        finding id; explain_finding describes any id. Secrets are masked in every result.
        """

    /// Answers one `tools/call`. Never throws: bad input, a failure, and a call past the bound are
    /// tool error results. Nil for a tool that does not exist (a protocol error, not a tool error).
    public static func call(name: String, arguments: [String: Value]?, settings: MCPSettings) async -> ToolOutput? {
        guard let tool = tools.first(where: { $0.name == name }) else { return nil }
        let given = ToolArguments(arguments)
        do {
            return try await UseCase.within(seconds: settings.callBound) {
                try await tool.call(given, settings: settings)
            }
        } catch let error as ToolInputError {
            return .failure(error.message)
        } catch let error as AuditFailure {
            return .failure(error.message)
        } catch is CallTimeout {
            return .failure("\(name) did not finish within \(Int(settings.callBound)) s (why401 mcp --max-time)")
        } catch {
            // No library error carries a secret, but an unknown one is not shown whole.
            return .failure("\(name) failed: \(type(of: error))")
        }
    }

    /// Serves on stdin/stdout until stdin closes. Throws only when stdio cannot be set up, or for
    /// settings outside `MCPSettings.validate()`.
    public static func run(settings: MCPSettings, version: String) async throws {
        try settings.validate()
        let server = Server(
            name: "why401", version: version, title: "why401", instructions: instructions,
            capabilities: .init(tools: .init(listChanged: false)))
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: tools.map { $0.definition })
        }
        await server.withMethodHandler(CallTool.self) { params in
            guard let output = await call(name: params.name, arguments: params.arguments, settings: settings) else {
                throw MCPError.invalidParams("unknown tool '\(ToolArguments.shown(params.name))'")
            }
            return output.result
        }
        try await server.start(transport: StdioTransport())
        await server.waitUntilCompleted()
        await server.stop()
    }
}
