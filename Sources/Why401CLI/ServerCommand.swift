import ArgumentParser

// Placeholder while the command is being written (replaced by its owner before commit).
struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "server", abstract: "(in progress)")
    func run() throws { throw CLIFailure.incomplete("server: not built yet") }
}
