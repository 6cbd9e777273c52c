import ArgumentParser
import HTTPAuth
import Why401Kit

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A failure the CLI reports as one line on stderr with a defined exit code.
struct CLIFailure: Error {
    /// 2 usage error, 3 could not complete (docs/output.md).
    var code: Int32
    var message: String

    static func usage(_ message: String) -> CLIFailure { CLIFailure(code: 2, message: message) }
    static func incomplete(_ message: String) -> CLIFailure { CLIFailure(code: 3, message: message) }
}

/// The process entry point, kept apart from `main.swift` so the binary stays a one-liner.
/// It maps every error to the documented exit codes (docs/output.md) (argument-parser alone would use 64 for usage).
public enum Why401Main {
    public static func main(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) async -> Never {
        if startsCheck(arguments) { UseCase.prepareCheck() }
        do {
            var command = try Why401.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            finish(0)
        } catch let failure as CLIFailure {
            writeError(failure.message)
            finish(failure.code)
        } catch let failure as AuditFailure {
            // A library entry point's own refusal: the same one line and exit code as a CLI failure.
            writeError(failure.cli.message)
            finish(failure.cli.code)
        } catch let code as ExitCode {
            finish(code.rawValue)
        } catch {
            if Why401.exitCode(for: error) == .success {
                // --help, --version, --generate-completion-script
                print(Why401.fullMessage(for: error))
                finish(0)
            }
            let message = Why401.message(for: error)
                .split(whereSeparator: \.isNewline).map { $0.trimmingOWS }.joined(separator: " ")
            writeError("\(message) (see 'why401 --help')")
            finish(2)
        }
    }

    /// One line on stderr, prefixed with the tool's name.
    static func writeError(_ message: String) {
        var line = "why401: " + message.replacingNewlines() + "\n"
        fflush(nil)
        line.withUTF8 { buffer in _ = write(STDERR_FILENO, buffer.baseAddress, buffer.count) }
    }

    /// `why401 URL …` or `why401 check …`: a live check follows, whose HTTP set-up can start now.
    static func startsCheck(_ arguments: [String]) -> Bool {
        guard let first = arguments.first?.lowercased() else { return false }
        return first == "check" || first.hasPrefix("http://") || first.hasPrefix("https://")
    }

    static func finish(_ code: Int32) -> Never {
        fflush(nil)
        exit(code)
    }
}

extension StringProtocol {
    func replacingNewlines() -> String {
        split(omittingEmptySubsequences: true, whereSeparator: \.isNewline).joined(separator: " ")
    }
}
