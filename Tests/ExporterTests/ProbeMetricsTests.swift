// What one probe answers: the contract's metrics for a real diagnosis against the built-in lab (a
// wrong password, the healthy control, an expired JWT), and the log follower's counters with label
// values that need escaping.
import Evidence
import Foundation
import Lab
import LogScan
import Testing
import Why401Kit

@testable import Why401Exporter

struct ProbeMetricsTests {
    /// `name{labels} value` lines of an exposition text, by series.
    static func samples(_ text: String) -> [String: Double] {
        var out: [String: Double] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else {
                continue
            }
            out[String(line[..<space])] = value
        }
        return out
    }

    static func probe(_ lab: LabServer, module: ProbeModule, path: String) async throws -> String {
        let request = try module.request(for: lab.baseURL + path, budget: 10)
        let result = try await UseCase.check(request)
        return ProbeMetrics.render(result, seconds: 0.25)
    }

    @Test func wrongPasswordHealthyAndExpiredToken() async throws {
        let lab = try await LabServer.start()
        defer { Task { try? await lab.stop() } }
        let dir = NSTemporaryDirectory() + "why401-probe-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try "battery staple\n".write(toFile: dir + "/wrong.pw", atomically: true, encoding: .utf8)
        try "correct horse\n".write(toFile: dir + "/right.pw", atomically: true, encoding: .utf8)
        var module = ProbeModule(name: "m")
        module.user = "alice"
        module.targets = [lab.baseURL]

        module.password = .file(dir + "/wrong.pw")
        let wrong = try await Self.probe(lab, module: module, path: "/basic/")
        let w = Self.samples(wrong)
        #expect(w["why401_probe_success"] == 0)
        #expect(w["why401_probe_http_status"] == 401)
        #expect(w["why401_probe_finding{id=\"credentials.rejected\",severity=\"error\"}"] == 1)
        #expect(w["why401_probe_cause{id=\"credentials.rejected\"}"] == 1)
        #expect(w["why401_probe_duration_seconds"] == 0.25)
        #expect((w["why401_probe_credentialed_requests"] ?? 0) >= 1)
        #expect(w["why401_probe_token_expiry_timestamp_seconds"] == nil)
        #expect(wrong.contains("# TYPE why401_probe_success gauge"))
        #expect(!wrong.contains("battery staple"))

        module.password = .file(dir + "/right.pw")
        let healthy = Self.samples(try await Self.probe(lab, module: module, path: "/healthy/"))
        #expect(healthy["why401_probe_success"] == 1 && healthy["why401_probe_http_status"] == 200)
        #expect(!healthy.keys.contains { $0.hasPrefix("why401_probe_cause") })

        // A JWT was sent: its expiry is a series of its own (and expired is the cause).
        let scenario = try #require(lab.scenarios.first { $0.id == "bearer-expired-jwt" })
        guard case .bearer(let token) = scenario.client.credentials else {
            Issue.record("the scenario sends no token")
            return
        }
        try (token + "\n").write(toFile: dir + "/token", atomically: true, encoding: .utf8)
        var bearer = ProbeModule(name: "t")
        bearer.bearer = .file(dir + "/token")
        bearer.targets = [lab.baseURL]
        let expired = try await Self.probe(lab, module: bearer, path: scenario.path)
        let e = Self.samples(expired)
        let expiry = try #require(e["why401_probe_token_expiry_timestamp_seconds"])
        #expect(expiry < Date().timeIntervalSince1970 && expiry > Date().timeIntervalSince1970 - 86400)
        #expect(e["why401_probe_success"] == 0)
        #expect(e["why401_probe_finding{id=\"token.expired\",severity=\"error\"}"] == 1)
        #expect(!expired.contains(token))
    }

    @Test func followerCountersEscapeLabels() {
        var counts = LogFollowCounts()
        counts.lines = 7
        counts.requestsByStatus = [200: 3, 401: 4]
        counts.unauthorized = 4
        counts.failures = 2
        counts.pendingUnauthorized = 1
        counts.handshakes = 1
        counts.errorEventsByCause = [.passwordMismatch: 5]
        counts.bruteForceClients = 1
        counts.inputs = [
            FollowedInput(
                path: "/var/log/a \"b\"\\c\nd.log", kind: .access, format: "combined", offset: 123, rotations: 1,
                truncations: 1, waiting: false, problem: nil)
        ]
        let text = FollowMetrics.render(counts)
        let s = Self.samples(text)
        #expect(s["why401_log_lines_total"] == 7)
        #expect(s["why401_log_requests_total{status=\"200\"}"] == 3)
        #expect(s["why401_log_requests_total{status=\"401\"}"] == 4)
        #expect(s["why401_log_unauthorized_total"] == 4 && s["why401_log_failures_total"] == 2)
        #expect(s["why401_log_unauthorized_pending"] == 1 && s["why401_log_brute_force_clients"] == 1)
        #expect(s["why401_log_error_events_total{cause=\"password-mismatch\"}"] == 5)
        // Every cause has a series from the start (0 until seen).
        #expect(
            s.keys.filter { $0.hasPrefix("why401_log_error_events_total{") }.count == ErrorEvent.Cause.allCases.count)
        #expect(text.contains(#"why401_log_input_offset_bytes{path="/var/log/a \"b\"\\c\nd.log"} 123"#))
        #expect(s[#"why401_log_input_rotations_total{path="/var/log/a \"b\"\\c\nd.log"}"#] == 2)
    }
}
