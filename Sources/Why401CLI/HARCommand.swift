import ArgumentParser
import Report
import Why401Kit

/// `why401 har FILE.har [--redact OUT.har]`: every 401 in a browser or proxy export, offline.
struct HARCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "har",
        abstract: "Diagnose every 401 in a HAR export (browser DevTools, mitmproxy, Charles, Fiddler, Postman).",
        discussion: """
            Reads a HAR 1.2 file and diagnoses each entry that got a 401, a 407, or a 403 with a challenge or an \
            authentication message, with the same rules as the live check — plus what the file shows around it: \
            the redirect that dropped Authorization, the preflight before it, the login response whose cookie \
            has expired since or is scoped elsewhere, the token that expired between two requests, the same \
            request succeeding earlier. Nothing is sent anywhere.

            HAR files hold secrets (Authorization, cookies, tokens in URLs and bodies): har.contains-secrets \
            names where (never the values), and --redact OUT.har writes a copy with them masked — every other \
            byte unchanged, so it still opens in a HAR viewer.

            Files up to 256 MiB are read; larger ones are refused.

            Examples:
              why401 har capture.har
              why401 har capture.har --json
              why401 har capture.har --redact capture-redacted.har

            Exit codes: 0 no entry diagnosed, 1 at least one entry diagnosed, 2 usage, 3 unreadable or not a HAR.
            """
    )

    @Argument(help: ArgumentHelp("The HAR file.", valueName: "FILE.har"))
    var file: String

    @Option(name: .long, help: ArgumentHelp("Write a copy with secrets masked to this path.", valueName: "OUT.har"))
    var redact: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let result = try UseCase.analyzeHAR(HARRequest(source: .file(file), redactTo: redact))
        try output.emit(HARReport.report(result))
    }
}
