import ArgumentParser

// Placeholder while the command is being written (replaced by its owner before commit).
struct WordPressCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "wordpress", abstract: "(in progress)")
    func run() throws { throw CLIFailure.incomplete("wordpress: not built yet") }
}
