import ArgumentParser
import Why401Serve

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `why401 serve`: the local page and JSON API (`Why401Serve`). Thin: flags → `ServeConfiguration`
/// → `ServeServer.run` until SIGINT/SIGTERM.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "A local web page and JSON API for the same diagnoses (curl line, HAR, URL, challenge, JWT).",
        discussion: """
            Open the printed URL in a browser: paste a "Copy as cURL" line, drop a HAR, fill in a URL and \
            credentials, or paste a WWW-Authenticate value or a JWT; the report is the CLI's (ranked findings, \
            evidence, fix steps, exchanges with secrets masked), printable and downloadable as one HTML file. \
            The page works without JavaScript.

            JSON API (schema 1, what the CLI prints with --json): POST /api/v1/check, /api/v1/curl, \
            /api/v1/har, /api/v1/jwt, /api/v1/challenge; GET /api/v1/explain/ID; GET /healthz. See docs/serve.md.

            It sends requests with the credentials you give, so it is locked down: loopback by default; a Host \
            other than the listen address or localhost is refused (DNS rebinding), so is a POST from another \
            origin; listening elsewhere needs --token (every request then carries Authorization: Bearer TOKEN, \
            or the page asks for it once); bodies are capped (1 MiB, HAR 32 MiB); nothing is written to disk; \
            the log shows method, route and status only.

            Examples:
              why401 serve                                  http://127.0.0.1:8400/
              why401 serve --listen 127.0.0.1:9000
              WHY401_SERVE_TOKEN=$(openssl rand -hex 16) why401 serve --listen 0.0.0.0:8400
            """
    )

    @Option(name: .long, help: ArgumentHelp("Address to listen on (default 127.0.0.1:8400).", valueName: "HOST:PORT"))
    var listen = "127.0.0.1:8400"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Bearer token every request must carry; required off loopback. TOKEN, @FILE, or env WHY401_SERVE_TOKEN.",
            valueName: "TOKEN|@FILE"))
    var token: String?

    @Option(name: .long, help: ArgumentHelp("Seconds a live check may take in all. Default 60.", valueName: "S"))
    var maxTime: Double = 60

    func run() async throws {
        let configuration: ServeConfiguration
        do {
            configuration = try ServeConfiguration(
                listen: listen, token: try readToken(), maxTime: maxTime, version: Why401.version)
        } catch let failure as ServeFailure {
            throw CLIFailure.usage(failure.message)
        }
        do {
            try await ServeServer.run(configuration, announce: Self.line, log: Self.line)
        } catch let failure as ServeFailure {
            throw CLIFailure.incomplete(failure.message)
        }
    }

    /// `--token`, `--token @FILE` or `WHY401_SERVE_TOKEN` (see `SecretInput.token`).
    func readToken() throws -> String? {
        try SecretInput.serverToken(token, environment: "WHY401_SERVE_TOKEN")
    }

    /// One whole line on stdout, written at once (lines from concurrent requests never interleave).
    static let line: @Sendable (String) -> Void = { text in
        var line = text + "\n"
        line.withUTF8 { buffer in _ = write(STDOUT_FILENO, buffer.baseAddress, buffer.count) }
    }
}
