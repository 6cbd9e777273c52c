import ArgumentParser
import Why401Kit
import Why401MCP

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `why401 mcp [--max-time S]`: the diagnosis as Model Context Protocol tools on stdio, until stdin
/// closes. Flags → settings → `Why401MCPServer.run`; nothing else.
struct MCPCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mcp",
        abstract: "Serve the diagnosis as MCP tools on stdio, for coding assistants.",
        discussion: """
            A Model Context Protocol server on stdin/stdout, started by an MCP client (Claude Desktop, Claude \
            Code, VS Code, Cursor…) and ending when the client closes stdin. Tools: diagnose_url, \
            diagnose_curl, diagnose_har, inspect_jwt, read_challenge, explain_finding — each returns the \
            one-line verdict and the same schema-1 JSON as the CLI's --json; secrets are masked.

            Register it with a client (its JSON for stdio servers):
              {"mcpServers": {"why401": {"command": "why401", "args": ["mcp"]}}}

            See docs/mcp.md for the tools, their arguments and the security notes.
            """
    )

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds for a whole live check (diagnose_url, diagnose_curl); bounds every call. Default 60.",
            valueName: "SECONDS"))
    var maxTime: Double = 60

    func validate() throws {
        do { try MCPSettings(maxTime: maxTime).validate() } catch let failure as AuditFailure {
            throw ValidationError(failure.message)
        }
    }

    func run() async throws {
        if isatty(STDIN_FILENO) == 1 {
            // Someone typed the command: say what it is waiting for (stderr; stdout is the protocol's).
            Why401Main.writeError("MCP server on stdio, waiting for a client (Ctrl-D ends it; see docs/mcp.md)")
        }
        try await Why401MCPServer.run(settings: MCPSettings(maxTime: maxTime), version: Why401.version)
    }
}
