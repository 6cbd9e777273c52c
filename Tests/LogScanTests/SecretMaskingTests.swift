// Secrets a log recorded (an Authorization header in the user agent, a token in a query string, a
// JWT as the user name, a credential in an error-log request line) are masked where LogScan builds
// the summary: no unmasked secret is in the LogSummary value itself, before any rule or renderer.
import Evidence
import Foundation
import TestSupport
import Testing

@testable import LogScan

@Suite("LogScan masks secrets in the summary")
struct SecretMaskingTests {
    static let jwt = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzY2FuLXRlc3QifQ.Zq9ScanSecretSignatureValue"
    static let basic = Data("alice:Zq9-scan-SECRET".utf8).base64EncodedString()
    static let queryToken = "Zq9QueryTokenSecret"

    /// Every string a summary holds, so the test cannot miss a field.
    static func strings(_ s: LogSummary) -> [String] {
        var out = (s.topPaths + s.topClients + s.topUsers + s.topUserAgents).map(\.value)
        out += s.clients.flatMap { [$0.address] + $0.usersTried }
        out += s.users.map(\.name)
        out += s.errorEvents.flatMap { [$0.user, $0.path, $0.file, $0.reason].compactMap { $0 } }
        return out
    }

    @Test("access and error log: every string of the summary is masked, the figures are not")
    func summaryHoldsNoSecret() async throws {
        let dir = try TempDirectory(prefix: "logscan-secrets")
        var lines: [String] = []
        for i in 0..<12 {
            let second = String(format: "%02d", i)
            let agent = i % 2 == 0 ? "curl/8.5 Bearer \(Self.jwt)" : "bot Basic \(Self.basic)"
            lines.append(
                "203.0.113.\(i % 3) - \(i % 2 == 0 ? Self.jwt : "alice") [29/Nov/2026:08:00:\(second) +0000] "
                    + "\"GET /api?access_token=\(Self.queryToken)&x=\(i) HTTP/1.1\" 401 12 \"-\" \"\(agent)\"")
        }
        let access = try dir.write("access.log", lines.joined(separator: "\n") + "\n")
        let error = try dir.write(
            "error.log",
            """
            2026/11/29 08:52:40 [error] 9#9: *40 user "\(Self.jwt)" was not found in "/etc/nginx/.htpasswd", \
            client: 127.0.0.1, server: localhost, request: "GET /x?access_token=\(Self.queryToken) HTTP/1.1", \
            host: "localhost"

            """)
        let summary = try await scanFile(access) { $0.errorPaths = [error] }
        #expect(summary.unauthorized == 12 && summary.failures == 12, "\(summary.inputs)")
        #expect(summary.errorEvents.count == 1, "\(summary.inputs)")
        let strings = Self.strings(summary)
        // Masked as the live probe masks: the user name of a Basic credential kept, a token shortened.
        #expect(strings.contains("bot Basic alice:****"), "\(strings)")
        #expect(strings.contains { $0.hasPrefix("curl/8.5 Bearer eyJh…(") })
        #expect(summary.users.contains { $0.name.hasPrefix("eyJh…(") }, "a JWT logged as the user name")
        for secret in [Self.jwt, Self.basic, Self.queryToken] {
            for value in strings { #expect(!value.contains(secret), "unmasked in the summary: \(value)") }
        }
        // A user name that is not a credential stays as logged: masking is not blanket redaction.
        #expect(summary.users.contains { $0.name == "alice" })
        #expect(summary.clients.contains { $0.address == "203.0.113.1" })
    }
}
