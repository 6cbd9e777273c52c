import Foundation
import TestSupport
import Testing

/// `why401 lab --port N` serves the scenarios until it is stopped.
@Suite struct LabCLITests {
    @Test func labServesTheIndexOnTheGivenPort() async throws {
        let port = try FreePort.find()
        let binary = try CLI.binary
        // The lab runs until killed: the test stops it with SIGTERM after the checks below (the
        // timeout is only a safety net; a loaded CI machine may take seconds to start it).
        let running = Task { try await ProcessRunner.runAsync(binary, ["lab", "--port", String(port)], timeout: 120) }
        defer { _ = try? ProcessRunner.run("pkill", ["-TERM", "-f", "why401 lab --port \(port)$"]) }
        var listening = false
        for _ in 0..<600 where !listening {
            listening = Loopback.isListening(port: port)
            if !listening { try await Task.sleep(for: .milliseconds(50)) }
        }
        #expect(listening, "lab did not listen on \(port)")
        let index = try HTTPProbe.get("http://127.0.0.1:\(port)/")
        #expect(index.status == 200)
        #expect(index.bodyText.contains("basic-wrong-password"))
        #expect(index.bodyText.contains("why401 http://127.0.0.1:\(port)/basic/"))
        let basic = try HTTPProbe.get("http://127.0.0.1:\(port)/basic/")
        #expect(basic.status == 401)
        #expect(basic.header("WWW-Authenticate") == #"Basic realm="lab", charset="UTF-8""#)
        _ = try ProcessRunner.run("pkill", ["-TERM", "-f", "why401 lab --port \(port)$"])
        let result = try await running.value
        #expect(!result.timedOut)
        #expect(result.stdout.contains("why401 lab on http://127.0.0.1:\(port)/"))
    }

    @Test func labDescribesItselfInJSON() async throws {
        let port = try FreePort.find()
        let binary = try CLI.binary
        let running = Task {
            try await ProcessRunner.runAsync(binary, ["lab", "--port", String(port), "--json"], timeout: 120)
        }
        for _ in 0..<600 where !Loopback.isListening(port: port) { try await Task.sleep(for: .milliseconds(50)) }
        // The lab describes itself before it serves anything: once a request is answered, the JSON is out.
        #expect(try HTTPProbe.get("http://127.0.0.1:\(port)/").status == 200)
        _ = try ProcessRunner.run("pkill", ["-TERM", "-f", "why401 lab --port \(port) --json$"])
        let result = try await running.value
        #expect(!result.timedOut)
        #expect(try SchemaValidator.validate(result.stdout) == nil)
        #expect(result.stdout.contains("\"url\": \"http://127.0.0.1:\(port)/basic/\""))
    }

    @Test func labRejectsABadPort() throws {
        let result = try CLI.run(["lab", "--port", "70000"])
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
