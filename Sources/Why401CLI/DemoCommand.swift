import ArgumentParser
import Report
import Why401Kit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `why401 demo`: starts the embedded lab on a free loopback port, diagnoses every scenario with
/// the same plan and rules as `why401 URL`, and checks each verdict against the known cause.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run why401 against its built-in lab: one scenario per cause of a 401.",
        discussion: """
            Starts the lab server on 127.0.0.1 (a free port), runs the full check on each scenario — Basic, Digest, \
            Bearer error codes, a missing challenge, a cross-origin redirect, flapping, a cached 401, a stale \
            cookie, a CORS preflight, a skewed clock, broken OAuth metadata, a 407 proxy, healthy controls — \
            and prints scenario → diagnosed cause → ✓/✗. Exits 0 only when every diagnosis matches.
            """
    )

    @Option(name: .long, help: "Run only the scenarios whose id contains this text.")
    var only: String?

    @Flag(name: .long, help: "Also print each scenario's full report.")
    var verbose = false

    @OptionGroup var output: OutputOptions

    func run() async throws {
        let result = try await UseCase.demo(DemoRequest(only: only))
        try output.emit(DemoReport.report(result, verbose: verbose))
    }
}

/// `why401 lab`: the scenario server for people to try with curl, a browser or why401.
struct LabCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lab",
        abstract: "Run the built-in lab server on loopback until Ctrl-C.",
        discussion: "Open http://127.0.0.1:PORT/ for the list of scenarios, each with a curl and a why401 command line."
    )

    @Option(name: .long, help: "Port on 127.0.0.1 (0 = any free port).")
    var port: Int = 8401

    @Option(name: .long, help: "Port of the second origin used by the cross-origin redirect (0 = any free port).")
    var secondPort: Int = 0

    @OptionGroup var output: OutputOptions

    func run() async throws {
        // Announced once the ports are known and before the first request is served.
        let output = self.output
        _ = try await UseCase.startLab(LabRequest(port: port, secondPort: secondPort)) { lab in
            try? output.emit(LabReport.report(lab))
            fflush(nil)
        }
        // Serve until interrupted: SIGINT/SIGTERM end the process; the kernel closes the sockets.
        while true { try await Task.sleep(for: .seconds(3600)) }
    }
}
