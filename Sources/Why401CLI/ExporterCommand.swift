import ArgumentParser
import Foundation
import Why401Exporter
import Why401Kit

/// `why401 exporter`: Prometheus probes (`Why401Exporter`). Thin: flags → `ExporterSettings` →
/// `ExporterServer.run` until SIGINT/SIGTERM; SIGHUP reloads the config.
struct ExporterCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exporter",
        abstract: "Serve diagnoses as Prometheus metrics: /probe?target=URL&module=NAME (multi-target).",
        discussion: """
            Prometheus scrapes /probe?target=URL&module=NAME (relabel the target into __param_target, as for \
            blackbox_exporter); why401 runs the client check of `why401 URL` with the module's settings and answers \
            why401_probe_success, why401_probe_http_status, why401_probe_duration_seconds, \
            why401_probe_finding{id,severity}, why401_probe_token_expiry_timestamp_seconds and \
            why401_probe_credentialed_requests. GET /metrics is the exporter's own.

            The YAML --config names the modules: method, scheme, digest, user, password_file/password_env, \
            bearer_file/bearer_env, headers, the origins credentials may go to (targets), timeouts. A secret is \
            never written in the config or a target URL. A wrong config is one line naming FILE:LINE (exit 2); \
            SIGHUP reloads it (a wrong one is reported and the old one kept).

            A probe never outlasts the scrape timeout (X-Prometheus-Scrape-Timeout-Seconds, less 0.5 s); at most \
            --max-concurrent run at once, --max-waiting more wait, the rest are answered 503. See docs/exporter.md.

            Examples:
              why401 exporter --config why401.yml
              why401 exporter --config why401.yml --listen 0.0.0.0:9401 --token @/etc/why401/scrape.token
            """
    )

    @Option(name: .long, help: ArgumentHelp("The modules (YAML).", valueName: "FILE"))
    var config: String

    @Option(name: .long, help: ArgumentHelp("Address to listen on (default 127.0.0.1:9401).", valueName: "HOST:PORT"))
    var listen = "127.0.0.1:9401"

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Bearer token every scrape must carry; required off loopback. TOKEN, @FILE, or env WHY401_EXPORTER_TOKEN.",
            valueName: "TOKEN|@FILE"))
    var token: String?

    @Option(name: .long, help: ArgumentHelp("Probes running at once (default 32).", valueName: "N"))
    var maxConcurrent = 32

    @Option(name: .long, help: ArgumentHelp("Probes waiting for a slot before 503 (default 1024).", valueName: "N"))
    var maxWaiting = 1024

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Seconds a probe may take when the scraper sends no timeout header (default 10).", valueName: "S"))
    var defaultTimeout: Double = 10

    func run() async throws {
        let listen = try MetricsListen(
            address: try ListenAddress.parse(self.listen, defaultPort: 9401),
            token: try SecretInput.serverToken(token, environment: "WHY401_EXPORTER_TOKEN"),
            command: "make this machine send requests with the modules' credentials")
        let settings = try ExporterSettings(
            listen: listen, configPath: config, maxConcurrent: maxConcurrent, maxWaiting: maxWaiting,
            defaultTimeout: defaultTimeout)
        let environment = ProcessInfo.processInfo.environment
        do {
            try await ExporterServer.run(
                settings, environment: environment, version: Why401.version, announce: ServeCommand.line,
                log: ServeCommand.line)
        } catch let error as ConfigError {
            throw CLIFailure.usage(error.description)
        }
    }
}
