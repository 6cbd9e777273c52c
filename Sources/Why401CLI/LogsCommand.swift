import ArgumentParser

// Placeholder while the command is being written (replaced by its owner before commit).
struct LogsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logs", abstract: "(in progress)")
    func run() throws { throw CLIFailure.incomplete("logs: not built yet") }
}
