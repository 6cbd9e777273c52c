import ArgumentParser
import Report

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension OutputFormat: ExpressibleByArgument {}

/// `--format` and `--json`, shared by every command.
struct OutputOptions: ParsableArguments {
    @Option(name: .long, help: "Output format: text, json or markdown.")
    var format: OutputFormat = .text

    @Flag(name: .long, help: "Same as --format json.")
    var json = false

    var effectiveFormat: OutputFormat { json ? .json : format }

    /// Prints the report and ends with its outcome's exit code (0 ok, 1 problems, 3 could not complete).
    func emit(_ report: DiagnosticReport) throws {
        let text = report.rendered(as: effectiveFormat, color: effectiveFormat == .text && Terminal.wantsColor)
        print(text, terminator: "")
        let code = report.outcome.exitCode
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
