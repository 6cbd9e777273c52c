import ArgumentParser

/// The root command. Subcommands are registered only when they work end to end: the CLI never
/// shows a "not implemented" placeholder.
public struct Why401: AsyncParsableCommand {
    public static let version = "0.1.0"

    public static let configuration = CommandConfiguration(
        commandName: "why401",
        abstract: "Find out why an HTTP request is answered 401 Unauthorized, and what to change.",
        discussion: """
            why401 runs the checks of a 401 troubleshooting checklist itself and ranks the causes, each with \
            the evidence it saw and a concrete fix. Every diagnosis has a stable id (like token.expired) \
            that `why401 explain ID` describes.

            Start here (the client side):
              why401 demo                   every cause of a 401, shown on the built-in lab
              why401 https://api.example.com/me -u alice
                                            diagnose a live URL (prompts for the password)
              why401 challenge 'Bearer error="invalid_token"'
                                            read a WWW-Authenticate value as a client must
              why401 curl --from pasted.txt diagnose a pasted "Copy as cURL" / PowerShell / fetch line
              why401 har session.har        every 401 in a browser or proxy export, offline
              why401 jwt @token.txt         decode a JWT, check its times and signature

            On the server (admins):
              why401 server                 auth config, user files, web-root permissions
              why401 logs access.log --error-log error.log
                                            when 401s began, who gets them, brute force
              why401 wordpress /var/www/html
                                            plugins and settings that break logins
              why401 htpasswd verify /etc/apache2/.htpasswd alice

              why401 explain                list every diagnosis why401 can make

            Beyond the terminal:
              why401 serve                  a local page and JSON API: paste a curl line, drop a HAR
              why401 mcp                    the diagnosis as MCP tools for coding assistants (stdio)
              why401 exporter --config why401.yml
                                            Prometheus probes: /probe?target=URL&module=NAME
              why401 logs --follow access.log --metrics 127.0.0.1:9402
                                            live log counters for Prometheus

            Output: every command takes --format text|json|markdown (--json for short). Text is coloured only \
            on a terminal and never when NO_COLOR is set. JSON follows schema 1 (schema/report-1.schema.json).

            Exit codes: 0 nothing wrong found, 1 a problem was diagnosed, 2 usage error, 3 could not complete. \
            Exits 2 and 3 print a one-line reason on stderr.

            Secrets (passwords, tokens, cookies) are never printed: they are masked in every format.

            Shell completions: why401 --generate-completion-script bash|zsh|fish
            """,
        version: version,
        subcommands: [
            CheckCommand.self, CurlCommand.self, DemoCommand.self, LabCommand.self, ChallengeCommand.self,
            JWTCommand.self, HtpasswdCommand.self, ServerCommand.self, WordPressCommand.self, LogsCommand.self,
            HARCommand.self, ExplainCommand.self,
            ServeCommand.self,
            MCPCommand.self,
            ExporterCommand.self,
        ],
        defaultSubcommand: CheckCommand.self
    )

    public init() {}
}
