import ArgumentParser
import Report

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension OutputFormat: ExpressibleByArgument {}
extension FailOn: ExpressibleByArgument {}

/// `--format` and `--json`, shared by every command.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: text, json or markdown.")
    var format: OutputFormat = .text

    @Flag(name: .long, help: "Same as --format json.")
    var json = false

    @Option(name: .customLong("fail-on"), help: "Which findings make the exit code 1: error (default) or warning.")
    var failOn: FailOn = .error

    var effectiveFormat: OutputFormat { json ? .json : format }

    var policy: ExitPolicy { ExitPolicy(failOn: failOn) }

    /// Prints the report with its outcome decided by the one exit policy, and ends with that
    /// outcome's exit code (0 ok, 1 problems or still 401, 3 could not complete).
    func emit(_ report: DiagnosticReport) throws {
        let decided = policy.applied(to: report)
        let text = decided.rendered(as: effectiveFormat, color: effectiveFormat == .text && Terminal.wantsColor)
        print(text, terminator: "")
        let code = decided.outcome.exitCode
        if code != 0 { throw ExitCode(code) }
    }
}

enum Terminal {
    /// Colour only on a TTY, never with NO_COLOR (https://no-color.org) or TERM=dumb.
    static var wantsColor: Bool {
        if let noColor = getenv("NO_COLOR"), noColor.pointee != 0 { return false }
        if let term = getenv("TERM"), String(cString: term) == "dumb" { return false }
        return isatty(STDOUT_FILENO) == 1
    }
}
