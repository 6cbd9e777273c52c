// The exporter's YAML config: what it accepts, and that every refusal is one line naming FILE:LINE
// without quoting a secret. Modules become plan requests (`ProbeModule.request`) in pure code.
import Foundation
import TestSupport
import Testing

@testable import Why401Exporter

struct ExporterConfigTests {
    /// A temp dir with `config.yml` holding `text` and the secret files the configs name.
    static func load(_ text: String, environment: [String: String] = [:]) throws -> (ExporterConfig, TempDirectory) {
        let dir = try TempDirectory(prefix: "why401-exporter-config")
        _ = try dir.write("alice.pw", "correct horse\n")
        _ = try dir.write("api.token", "tok-one\r\n")
        let path = try dir.write("config.yml", text)
        return (try ExporterConfig.load(path: path, environment: environment), dir)
    }

    /// The error `text` gives, as the user sees it.
    static func error(_ text: String, environment: [String: String] = [:]) throws -> String {
        let dir = try TempDirectory(prefix: "why401-exporter-config")
        defer { dir.remove() }
        _ = try dir.write("alice.pw", "correct horse\n")
        let path = try dir.write("config.yml", text)
        do {
            _ = try ExporterConfig.load(path: path, environment: environment)
            Issue.record("the config was accepted: \(text)")
            return ""
        } catch let error as ConfigError {
            let description = error.description
            #expect(description.hasPrefix(path + ":"), "\(description)")
            #expect(!description.contains("\n"), "one line: \(description)")
            return String(description.dropFirst(path.count + 1))
        }
    }

    @Test func aFullModule() throws {
        let (config, dir) = try Self.load(
            """
            modules:
              api:
                method: head
                scheme: http
                digest: true
                user: alice
                password_file: alice.pw
                headers:
                  Accept: application/json
                  X-Api-Key: {env: API_KEY}
                targets: [https://API.example.com:443, "http://127.0.0.1:8080"]
                timeout: 500ms
                connect_timeout: 2s
                max_time: 1m
                repeat: 2
                max_credentialed: 3
                insecure_skip_verify: yes
                audience: my-api
                issuer: https://issuer.example
              plain:
            """, environment: ["API_KEY": "k-123"])
        defer { dir.remove() }
        let api = try #require(config.modules["api"])
        #expect(api.method == "HEAD" && api.scheme == "http" && api.digest && api.user == "alice")
        #expect(api.password == .file(dir.path("alice.pw")))
        #expect(api.headers.map(\.name) == ["Accept", "X-Api-Key"])
        #expect(api.headers[1].value == .secret(.environment(name: "API_KEY", value: "k-123")))
        #expect(api.targets == ["https://api.example.com", "http://127.0.0.1:8080"])
        #expect(api.timeout == 0.5 && api.connectTimeout == 2 && api.maxTime == 60)
        #expect(api.repeatCount == 2 && api.credentialBudget == 3 && api.insecureSkipVerify)
        #expect(api.expectedAudience == "my-api" && api.expectedIssuer == "https://issuer.example")
        #expect(config.modules["plain"] == ProbeModule(name: "plain"))

        let request = try api.request(for: "127.0.0.1:8080/me", budget: 20)
        #expect(request.url == "http://127.0.0.1:8080/me")
        #expect(request.password == "correct horse" && request.passwordMode == .digest && request.method == "HEAD")
        #expect(request.headers.map(\.value) == ["application/json", "k-123"])
        #expect(request.maxTime == 20 && request.probe.readTimeout == 0.5 && request.probe.connectTimeout == 2)
        // The scrape budget caps every limit.
        let short = try api.request(for: "http://127.0.0.1:8080/", budget: 0.2)
        #expect(short.maxTime == 0.2 && short.probe.readTimeout == 0.2 && short.probe.connectTimeout == 0.2)
    }

    @Test func refusalsNameTheLine() throws {
        #expect(
            try Self.error("modules:\n  a:\n    user: alice\n    password: hunter2-secret\n    targets: [http://x]\n")
                == "4: module a: a secret is never written in the config; use password_file: PATH or password_env: NAME"
        )
        #expect(try Self.error("modules:\n  a:\n    colour: red\n").hasPrefix("3: unknown key \"colour\" in module a"))
        #expect(
            try Self.error("modules:\n  a:\n    bearer_env: NOPE_NOT_SET\n    targets: [http://x]\n")
                == "3: bearer_env: the environment variable NOPE_NOT_SET is not set")
        #expect(
            try Self.error("modules:\n  a:\n    bearer_file: missing.token\n    targets: [http://x]\n")
                .hasPrefix("3: bearer_file: cannot read "))
        #expect(try Self.error("modules:\n  a:\n    user: alice\n    password_file: alice.pw\n").contains("targets:"))
        #expect(
            try Self.error("modules:\n  a:\n    timeout: soon\n")
                == "3: timeout must be a duration like 10s, 500ms or 2m, from 1ms to 600s")
        #expect(try Self.error("modules:\n  a:\n    method: POST\n").contains("unsafe_methods: true"))
        #expect(try Self.error("modules:\n  a: [1, 2\n").hasPrefix("3: YAML:"))
        #expect(try Self.error("").hasPrefix("1: the file is empty"))
        #expect(try Self.error("modules: {}\n") == "1: `modules:` is empty")
        #expect(try Self.error("module:\n  a:\n").hasPrefix("1: unknown key \"module\""))
        #expect(try Self.error("modules:\n  a:\n  a:\n").hasPrefix("2: duplicate key a"))
        #expect(try Self.error("modules:\n  \"a b\":\n").hasPrefix("2: module name \"a b\""))
        #expect(
            try Self.error("modules:\n  a:\n    headers:\n      Authorization: Bearer abc.def.ghi\n")
                == "4: header Authorization carries a credential: give it as {file: PATH} or {env: NAME}, "
                + "never in the config")
        #expect(try Self.error("modules:\n  a:\n    targets: [https://x.example/path]\n").contains("not an origin"))
    }

    @Test func aSecretIsNeverQuoted() throws {
        let secret = "hunter2-very-secret"
        for text in [
            "modules:\n  a:\n    password: \(secret)\n",
            "modules:\n  a:\n    headers:\n      Cookie: sid=\(secret)\n",
            "modules:\n  a:\n    headers:\n      X-Session: '\(secret)\n",
            "modules:\n  a:\n    user: alice\n    password: \"\(secret)\n",
        ] {
            #expect(!(try Self.error(text)).contains(secret), "\(text)")
        }
    }

    @Test func targetsAndSecretsAtProbeTime() throws {
        let (config, dir) = try Self.load(
            """
            modules:
              token:
                bearer_file: api.token
                targets: [http://127.0.0.1:9999]
              open:
            """)
        defer { dir.remove() }
        let token = try #require(config.modules["token"])
        // One trailing CRLF is dropped; the file is read at every probe, so a rotated token is used.
        #expect(try token.request(for: "http://127.0.0.1:9999/a", budget: 5).bearer == "tok-one")
        _ = try dir.write("api.token", "tok-two\n")
        #expect(try token.request(for: "http://127.0.0.1:9999/a", budget: 5).bearer == "tok-two")
        // Credentials go only to the origins listed.
        #expect(throws: ProbeRefusal.self) { try token.request(for: "http://127.0.0.1:9998/a", budget: 5) }
        #expect(throws: ProbeRefusal.self) { try token.request(for: "https://127.0.0.1:9999/a", budget: 5) }
        // A module without credentials probes anything http(s), never a URL with credentials in it.
        let open = try #require(config.modules["open"])
        #expect(try open.request(for: "example.com/x", budget: 5).url == "https://example.com/x")
        for bad in ["http://u:p@127.0.0.1/", "ftp://127.0.0.1/", "http://"] {
            #expect(throws: ProbeRefusal.self, "\(bad)") { try open.request(for: bad, budget: 5) }
        }
        // A secret file that disappears: a 500 naming the file, not the value.
        unlink(dir.path("api.token"))
        do {
            _ = try token.request(for: "http://127.0.0.1:9999/a", budget: 5)
            Issue.record("a missing token file was not refused")
        } catch let refusal as ProbeRefusal {
            #expect(refusal.status == .internalServerError && refusal.message.contains("api.token"))
        }
    }

    @Test func durations() {
        #expect(ConfigDuration.seconds("250ms") == 0.25)
        #expect(ConfigDuration.seconds("2m") == 120)
        #expect(ConfigDuration.seconds("1h") == 3600)
        #expect(ConfigDuration.seconds("7") == 7)
        #expect(ConfigDuration.seconds("-1s") == nil && ConfigDuration.seconds("s") == nil)
    }
}
