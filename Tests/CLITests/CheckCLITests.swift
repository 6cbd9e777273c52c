// `why401 URL` end to end: the built binary against a real Apache httpd on loopback.
import Foundation
import TestSupport
import Testing

@Suite("why401 URL against real Apache")
struct CheckCLITests {
    static let user = "alice"
    static let password = "Zq9-unique-PW"
    static let token = "tok-Zq9-unique-BEARER-7f3a"
    static let digestRealm = "Private Digest Area"

    static let config =
        ApacheConfigs.basicArea() + "\n" + """
            <Directory "{{DOCROOT}}/digest">
                AuthType Digest
                AuthName "\(digestRealm)"
                AuthDigestProvider file
                AuthUserFile "{{ROOT}}/auth/htdigest"
                Require valid-user
            </Directory>
            """

    static var files: [ServerFile] {
        [
            .htpasswd("auth/htpasswd", users: [(user, password, .bcrypt)]),
            .htdigest("auth/htdigest", users: [(user, digestRealm, password)]),
            .text("htdocs/basic/index.html", "<p>secret</p>\n"),
            .text("htdocs/digest/index.html", "<p>digest secret</p>\n"),
        ]
    }

    /// Every form in which a secret could leak: raw, Basic's base64 of user:password, URL-encoded.
    static var forbidden: [String] {
        [
            password, token,
            Data("\(user):\(password)".utf8).base64EncodedString(),
            Data("\(user):Wrong-\(password)".utf8).base64EncodedString(),
            Data(token.utf8).base64EncodedString(),
        ]
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(
            try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object:\n\(text)")
    }

    /// Exchanges whose request carried an Authorization header.
    static func credentialedExchanges(_ object: [String: Any]) -> [[String: Any]] {
        let exchanges = object["exchanges"] as? [[String: Any]] ?? []
        return exchanges.filter { exchange in
            let headers = (exchange["request"] as? [String: Any])?["headers"] as? [[String]] ?? []
            return headers.contains { $0.first?.lowercased() == "authorization" }
        }
    }

    static func planLines(_ object: [String: Any]) -> [String] { object["plan"] as? [String] ?? [] }

    // MARK: JSON schema and exit codes

    @Test("--json validates; exit 0 for the correct password, 1 for a wrong one")
    func jsonAndExitCodes() async throws {
        try RealServers.requireApache()
        try await withApache(config: Self.config, files: Self.files) { apache in
            let url = apache.url("/basic/")
            let good = try CLI.run([url, "-u", "\(Self.user):\(Self.password)", "--json"])
            #expect(good.status == 0, "\(good)")
            #expect(try SchemaValidator.validate(good.stdout) == nil)
            let okObject = try Self.json(good.stdout)
            #expect(okObject["outcome"] as? String == "ok")
            #expect(okObject["status"] as? Int == 200)
            #expect(okObject["cause"] is NSNull, "\(good.stdout)")
            #expect(okObject["command"] as? String == "check")
            let okErrors = (okObject["findings"] as? [[String: Any]] ?? []).filter {
                $0["severity"] as? String == "error"
            }
            #expect(okErrors.isEmpty, "\(good.stdout)")

            let wrong = try CLI.run([url, "-u", "\(Self.user):Wrong-\(Self.password)", "--json"])
            #expect(wrong.status == 1, "\(wrong)")
            #expect(try SchemaValidator.validate(wrong.stdout) == nil)
            let badObject = try Self.json(wrong.stdout)
            #expect(badObject["outcome"] as? String == "unauthorized")
            #expect(badObject["status"] as? Int == 401)
            #expect(badObject["cause"] as? String == "credentials.rejected", "\(wrong.stdout)")

            // The explicit subcommand and --digest against the Digest area.
            let digest = try CLI.run([
                "check", apache.url("/digest/"), "-u", "\(Self.user):\(Self.password)", "--digest", "--json",
            ])
            #expect(digest.status == 0, "\(digest)")
            #expect(try SchemaValidator.validate(digest.stdout) == nil)
            #expect(try Self.json(digest.stdout)["status"] as? Int == 200)
        }
    }

    // MARK: secrets

    @Test("The password, its base64 form and a bearer token never appear in text, json or markdown")
    func secretsNeverPrinted() async throws {
        try RealServers.requireApache()
        try await withApache(config: Self.config, files: Self.files) { apache in
            let basic = apache.url("/basic/")
            let userinfoURL = basic.replacingOccurrences(of: "http://", with: "http://\(Self.user):\(Self.password)@")
            let runs: [[String]] = [
                [basic, "-u", "\(Self.user):\(Self.password)"],
                [basic, "-u", "\(Self.user):Wrong-\(Self.password)"],
                [basic, "--bearer", Self.token],
                [apache.url("/digest/"), "-u", "\(Self.user):\(Self.password)", "--digest"],
                [apache.url("/digest/"), "-u", "\(Self.user):Wrong-\(Self.password)", "--digest"],
                [apache.url("/digest/"), "-u", "\(Self.user):\(Self.password)"],  // Basic to a Digest area
                [userinfoURL],
                [basic, "-H", "Authorization: Bearer \(Self.token)"],
            ]
            for args in runs {
                for format in ["text", "json", "markdown"] {
                    let result = try CLI.run(args + ["--format", format])
                    #expect([0, 1].contains(result.status), "\(args) \(format): \(result)")
                    #expect(!result.stdout.isEmpty, "\(args) \(format): no output")
                    for secret in Self.forbidden {
                        #expect(
                            !result.stdout.contains(secret),
                            "secret in stdout (\(format), \(Self.describe(args))):\n\(result.stdout)")
                        #expect(
                            !result.stderr.contains(secret),
                            "secret in stderr (\(format), \(Self.describe(args))):\n\(result.stderr)")
                    }
                    if format == "json" {
                        #expect(try SchemaValidator.validate(result.stdout) == nil, "\(Self.describe(args))")
                    }
                }
            }
        }
    }

    /// Arguments for a failure message with the secrets replaced (the message itself must not leak them).
    static func describe(_ args: [String]) -> String {
        var text = args.joined(separator: " ")
        for secret in forbidden { text = text.replacingOccurrences(of: secret, with: "<secret>") }
        return text
    }

    @Test("-u alice with WHY401_PASSWORD in the environment")
    func passwordFromEnvironment() async throws {
        try RealServers.requireApache()
        try await withApache(config: Self.config, files: Self.files) { apache in
            let good = try CLI.run(
                [apache.url("/basic/"), "-u", Self.user, "--json"], environment: ["WHY401_PASSWORD": Self.password])
            #expect(good.status == 0, "\(good)")
            let object = try Self.json(good.stdout)
            #expect(object["status"] as? Int == 200)
            #expect(!good.stdout.contains(Self.password) && !good.stderr.contains(Self.password))

            let wrong = try CLI.run(
                [apache.url("/basic/"), "-u", Self.user, "--json"],
                environment: ["WHY401_PASSWORD": "Wrong-\(Self.password)"])
            #expect(wrong.status == 1, "\(wrong)")
            #expect(try Self.json(wrong.stdout)["cause"] as? String == "credentials.rejected")
        }
    }

    // MARK: could not complete

    @Test("A refused port: exit 3 and a one-line reason on stderr")
    func refusedPort() throws {
        let port = try FreePort.find()  // free a moment ago: nothing listens there
        #expect(!Loopback.isListening(port: port))
        for extra in [[], ["--json"]] {
            let result = try CLI.run(
                ["http://127.0.0.1:\(port)/basic/", "-u", "\(Self.user):\(Self.password)"] + extra)
            #expect(result.status == 3, "\(result)")
            let lines = result.stderr.split(separator: "\n", omittingEmptySubsequences: true)
            #expect(lines.count == 1, "stderr: \(result.stderr)")
            #expect(result.stderr.hasPrefix("why401: "), "stderr: \(result.stderr)")
            #expect(!result.stderr.contains(Self.password) && !result.stdout.contains(Self.password))
            if extra == ["--json"] {
                #expect(try SchemaValidator.validate(result.stdout) == nil, "\(result.stdout)")
                #expect(try Self.json(result.stdout)["outcome"] as? String == "error")
            }
        }
    }

    // MARK: credential budget

    @Test("--max-credentialed N: at most N exchanges carry Authorization, and the plan says so", arguments: [1, 2, 4])
    func credentialBudget(budget: Int) async throws {
        try RealServers.requireApache()
        try await withApache(config: Self.config, files: Self.files) { apache in
            let cases: [(String, [String])] = [
                ("basic wrong", [apache.url("/basic/"), "-u", "\(Self.user):Wrong-\(Self.password)"]),
                ("basic right", [apache.url("/basic/"), "-u", "\(Self.user):\(Self.password)"]),
                ("digest wrong", [apache.url("/digest/"), "-u", "\(Self.user):Wrong-\(Self.password)", "--digest"]),
                ("basic to digest", [apache.url("/digest/"), "-u", "\(Self.user):\(Self.password)"]),
                ("bearer", [apache.url("/basic/"), "--bearer", Self.token]),
            ]
            for (name, args) in cases {
                let result = try CLI.run(args + ["--max-credentialed", String(budget), "--repeat", "5", "--json"])
                #expect([0, 1].contains(result.status), "\(name): \(result)")
                let object = try Self.json(result.stdout)
                let sent = Self.credentialedExchanges(object).count
                #expect(sent <= budget, "\(name): \(sent) credentialed exchanges, budget \(budget)\n\(result.stdout)")
                let note = Self.planLines(object).first { $0.hasPrefix("credentialed requests:") }
                #expect(
                    note == "credentialed requests: \(sent) of at most \(budget)",
                    "\(name): plan \(Self.planLines(object))")
                print("CLI budget \(budget) \(name): \(sent) credentialed; plan \(Self.planLines(object))")
            }
        }
    }
}
