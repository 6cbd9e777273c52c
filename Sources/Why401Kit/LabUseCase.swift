import Lab
import Report

/// `why401 lab`: where to run the scenario server for people to try with curl, a browser or why401.
public struct LabRequest: Sendable {
    /// The listen address; loopback, as the lab answers anyone who reaches it with known secrets.
    public var host: String
    /// The main listener (every scenario); 0: any free port.
    public var port: Int
    /// The second origin, target of the cross-origin redirect; 0: any free port.
    public var secondPort: Int

    public init(host: String = "127.0.0.1", port: Int = 8401, secondPort: Int = 0) {
        self.host = host
        self.port = port
        self.secondPort = secondPort
    }
}

/// A lab started by `UseCase.startLab`: what it announced, and the way to stop it. A front end keeps
/// it as long as it wants the lab served (the CLI: until Ctrl-C).
public final class RunningLab: Sendable {
    /// Where it listens and what each scenario is (`LabReport` renders it).
    public let result: LabResult
    private let server: LabServer

    init(_ server: LabServer) {
        self.server = server
        self.result = UseCase.labDescription(server)
    }

    /// Closes both listeners and every open connection. Calling it again does nothing.
    public func stop() async throws { try await server.stop() }
}

extension UseCase {
    /// Starts the lab and returns it running. `onReady` gets the description once the ports are
    /// known and before the first request is served — where a front end announces it, so anyone who
    /// reaches the lab has already been told what it is. Throws `AuditFailure.usage` for a port out
    /// of range and `.incomplete` when the ports cannot be bound.
    public static func startLab(
        _ request: LabRequest, onReady: (@Sendable (LabResult) -> Void)? = nil
    ) async throws -> RunningLab {
        guard (0...65535).contains(request.port), (0...65535).contains(request.secondPort) else {
            throw AuditFailure.usage("ports are 0–65535")
        }
        do {
            let server = try await LabServer.start(
                host: request.host, port: request.port, secondPort: request.secondPort,
                onReady: { server in onReady?(labDescription(server)) })
            return RunningLab(server)
        } catch {
            throw AuditFailure.incomplete("cannot start the lab on \(request.host):\(request.port): \(error)")
        }
    }

    static func labDescription(_ server: LabServer) -> LabResult {
        LabResult(
            baseURL: server.baseURL, secondBaseURL: server.secondBaseURL,
            scenarios: server.scenarios.map {
                LabResult.Scenario(id: $0.id, url: $0.url(on: server), summary: $0.summary, expected: $0.expectedCause)
            })
    }
}
