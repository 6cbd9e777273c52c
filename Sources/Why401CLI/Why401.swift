import ArgumentParser

public struct Why401: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "why401")
    public init() {}
    public func run() async throws {}
}
