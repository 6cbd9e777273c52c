// `why401 URL --bearer T --secret S` and `why401 jwt --jwks URL` end to end: the real binary
// against the embedded lab. The token and the secret never appear in any output format.
import Foundation
import Lab
import TestSupport
import Testing

@Suite(.serialized) struct CheckTokenCLITests {
    static let wrongSecret = "Wq7-wrong-secret-unique-4c1e9b"

    static func withLab(_ body: (LabServer) async throws -> Void) async throws { try await LabServer.with(body) }

    static func token(_ lab: LabServer) throws -> String {
        let scenario = try #require(lab.scenarios.first { $0.id == "bearer-ok" })
        guard case .bearer(let token) = scenario.client.credentials else {
            throw HarnessError("bearer-ok sends no token")
        }
        return token
    }

    /// The token, its signature part and the secret, none of which may be printed.
    static func forbidden(token: String, secret: String) -> [String] {
        [token, String(token.split(separator: ".").last ?? ""), String(token.dropFirst(12)), secret]
    }

    @Test("A wrong --secret → token.signature-invalid; T and S in no output format")
    func wrongSecretInEveryFormat() async throws {
        try await Self.withLab { lab in
            let token = try Self.token(lab)
            let url = lab.baseURL + "/bearer/"
            for format in ["text", "json", "markdown"] {
                let r = try CLI.run([url, "--bearer", token, "--secret", Self.wrongSecret, "--format", format])
                #expect(r.status == 1, "\(format): \(r.stderr)")
                #expect(r.stdout.contains("token.signature-invalid"), "\(format):\n\(r.stdout)")
                for secret in Self.forbidden(token: token, secret: Self.wrongSecret) {
                    #expect(!r.stdout.contains(secret) && !r.stderr.contains(secret), "\(format) leaks a secret")
                }
                if format == "json" {
                    let object = try #require(
                        try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
                    #expect(object["cause"] as? String == "token.signature-invalid")
                    let findings = object["findings"] as? [[String: Any]] ?? []
                    let evidence =
                        findings.first { $0["id"] as? String == "token.signature-invalid" }?["evidence"] as? [String]
                        ?? []
                    #expect(evidence.contains("key from --secret"), "\(evidence)")
                    #expect(try SchemaValidator.validate(r.stdout) == nil)
                }
            }
        }
    }

    @Test("The right --secret @FILE verifies; stdin token; nothing leaks")
    func rightSecretFromFile() async throws {
        try await Self.withLab { lab in
            let token = try Self.token(lab)
            let path = NSTemporaryDirectory() + "why401-secret-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
            try (LabScenarios.jwtSecret + "\n").write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let r = try CLI.run(
                [lab.baseURL + "/bearer/", "--bearer", "-", "--secret", "@" + path, "--json"], stdin: token + "\n")
            #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
            #expect(!r.stdout.contains("token.signature-invalid"))
            #expect(!r.stdout.contains(token))
        }
    }

    @Test("Usage: at most one of --secret, --key, --jwks")
    func oneKeyOnly() throws {
        let r = try CLI.run(["http://127.0.0.1:9/", "--bearer", "x", "--secret", "a", "--jwks", "b.json"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("at most one of --secret, --key, --jwks"))
    }

    @Test("jwt --jwks URL: fetched with the prober; a URL that never answers → exit 3, one line, within --timeout")
    func jwtJWKSURL() async throws {
        let listener = try SilentListener()
        defer { listener.close() }  // also keeps it alive until the test ends
        let port = listener.port
        try await Self.withLab { lab in
            let token = try Self.token(lab)
            let started = Date()
            let silent = try CLI.run(
                ["jwt", "-", "--jwks", "http://127.0.0.1:\(port)/jwks.json", "--timeout", "1"], stdin: token + "\n")
            // --timeout 1, not the 60 s --max-time (generous: CI is loaded)
            #expect(Date().timeIntervalSince(started) < 45)
            #expect(silent.status == 3)
            #expect(silent.stdout.isEmpty)
            let lines = silent.stderr.split(separator: "\n")
            #expect(
                lines.count == 1 && lines[0].contains("--jwks http://127.0.0.1:\(port)/jwks.json"), "\(silent.stderr)")
            #expect(!silent.stderr.contains(token))

            let missing = try CLI.run(["jwt", "-", "--jwks", lab.baseURL + "/no-such-jwks.json"], stdin: token + "\n")
            #expect(missing.status == 3)
            #expect(missing.stderr.contains("answered 404"))

            // The lab's JWKS is empty and its tokens are HS256: fetched, then a finding (not a crash).
            let fetched = try CLI.run(
                ["jwt", "-", "--jwks", lab.baseURL + "/.well-known/jwks.json", "--json"], stdin: token + "\n")
            #expect(fetched.status == 1, "\(fetched.stderr)")
            #expect(fetched.stdout.contains("token.signature-invalid"))
            #expect(!fetched.stdout.contains(token))
        }
    }
}
