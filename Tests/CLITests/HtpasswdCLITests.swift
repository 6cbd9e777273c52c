import Foundation
import TestSupport
import Testing

/// `why401 htpasswd verify|lint` end to end: files written by the real `htpasswd`, the real binary,
/// the password on stdin (`--password-stdin`), every output format searched for the password.
@Suite(.serialized) struct HtpasswdCLITests {
    static let password = "Zq7-htpw-cli-Secret"
    let dir: String

    init() throws {
        dir = NSTemporaryDirectory() + "why401-htpasswd-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    }

    /// A file with one user per htpasswd format (`u_m`, `u_B`, …), all with `password`.
    func makeFile(_ password: String = Self.password) throws -> String {
        let path = dir + "/htpasswd"
        for format in Htpasswd.Format.allCases {
            try Htpasswd.create(file: path, user: "u_" + format.flag.dropFirst(), password: password, format: format)
        }
        return path
    }

    static func json(_ text: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
    }

    static func ids(_ doc: [String: Any]) -> [String] {
        ((doc["findings"] as? [[String: Any]]) ?? []).compactMap { $0["id"] as? String }
    }

    @Test func verifyEveryFormatExitCodes() throws {
        let file = try makeFile()
        for format in ["m", "B", "s", "d", "2", "5"] {
            let ok = try CLI.run(
                ["htpasswd", "verify", "--password-stdin", file, "u_" + format], stdin: Self.password + "\n")
            #expect(ok.status == 0, "u_\(format): \(ok)")
            let bad = try CLI.run(["htpasswd", "verify", "--password-stdin", file, "u_" + format], stdin: "wrong\n")
            #expect(bad.status == 1, "u_\(format)")
            #expect(bad.stdout.contains("authfile.password-mismatch"))
        }
        // Plain text: the password "matches" but no Linux server ever accepts it.
        let plain = try CLI.run(["htpasswd", "verify", "--password-stdin", file, "u_p"], stdin: Self.password + "\n")
        #expect(plain.status == 1)
        #expect(plain.stdout.contains("authfile.unsupported-hash"))
        let missing = try CLI.run(
            ["htpasswd", "verify", "--password-stdin", file, "nobody"], stdin: Self.password + "\n")
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("authfile.user-not-found"))
    }

    @Test func verifyAgreesWithHtpasswdV() throws {
        let file = try makeFile()
        for (user, pass) in [("u_B", Self.password), ("u_B", "nope"), ("u_m", Self.password), ("ghost", "x")] {
            let theirs = try Htpasswd.verify(file: file, user: user, password: pass)
            let ours = try CLI.run(["htpasswd", "verify", "--password-stdin", file, user], stdin: pass + "\n")
            #expect((theirs == 0) == (ours.status == 0), "\(user)")
        }
    }

    @Test func desEightCharacters() throws {
        let path = dir + "/des"
        try Htpasswd.create(file: path, user: "d", password: "Secret123", format: .crypt)
        let r = try CLI.run(["htpasswd", "verify", "--password-stdin", path, "d", "--json"], stdin: "Secret12X\n")
        #expect(r.status == 0, "\(r)")
        let doc = try Self.json(r.stdout)
        #expect(Self.ids(doc) == ["authfile.weak-hash"])
        #expect(r.stdout.contains("only the first 8"))
        #expect(!r.stdout.contains("Secret12X") && !r.stdout.contains("Secret123"))
    }

    @Test func passwordNeverAppearsInAnyFormat() throws {
        let file = try makeFile()
        try (try String(contentsOfFile: file, encoding: .utf8) + "x_plain:{PLAIN}\(Self.password)\n").write(
            toFile: file, atomically: true, encoding: .utf8)
        for user in ["u_m", "u_B", "u_p", "u_d", "x_plain", "nobody"] {
            for format in [["--format", "text"], ["--json"], ["--format", "markdown"]] {
                for pass in [Self.password, Self.password + "X"] {
                    let r = try CLI.run(
                        ["htpasswd", "verify", "--password-stdin", file, user] + format, stdin: pass + "\n")
                    #expect(!r.stdout.contains(Self.password) && !r.stderr.contains(Self.password), "\(user) \(format)")
                    #expect([0, 1].contains(r.status))
                }
            }
        }
        for format in [["--format", "text"], ["--json"], ["--format", "markdown"]] {
            let r = try CLI.run(["htpasswd", "lint", file] + format)
            #expect(!r.stdout.contains(Self.password) && !r.stderr.contains(Self.password))
        }
    }

    @Test func jsonValidatesAgainstTheSchema() throws {
        let file = try makeFile()
        let runs = [
            try CLI.run(
                ["htpasswd", "verify", "--password-stdin", file, "u_B", "--json"], stdin: Self.password + "\n"),
            try CLI.run(["htpasswd", "verify", "--password-stdin", file, "u_B", "--json"], stdin: "wrong\n"),
            try CLI.run(["htpasswd", "verify", "--password-stdin", file, "ghost", "--json"], stdin: "x\n"),
            try CLI.run(["htpasswd", "lint", file, "--json"]),
        ]
        for r in runs {
            if let errors = try SchemaValidator.validate(r.stdout) { Issue.record("schema: \(errors)\n\(r.stdout)") }
        }
        let verified = try Self.json(runs[0].stdout)
        #expect(verified["command"] as? String == "htpasswd verify")
        #expect(verified["outcome"] as? String == "ok")
        let verification = try #require(verified["verification"] as? [String: Any])
        #expect(verification["verdict"] as? String == "match")
        #expect(verification["format"] as? String == "bcrypt")
        #expect(try Self.json(runs[1].stdout)["cause"] as? String == "authfile.password-mismatch")
        #expect(try Self.json(runs[2].stdout)["cause"] as? String == "authfile.user-not-found")
    }

    @Test func lintListsWeakAndUnsupportedPerServer() throws {
        let file = try makeFile()
        try (try String(contentsOfFile: file, encoding: .utf8) + "x_plain:{PLAIN}abc\n").write(
            toFile: file, atomically: true, encoding: .utf8)
        let both = try CLI.run(["htpasswd", "lint", file, "--json"])
        #expect(both.status == 1)
        let doc = try Self.json(both.stdout)
        let findings = try #require(doc["findings"] as? [[String: Any]])
        let unsupported = findings.filter { $0["id"] as? String == "authfile.unsupported-hash" }
        #expect(unsupported.count == 2)
        let apacheEvidence =
            (unsupported.first { ($0["detail"] as? String)?.hasPrefix("Apache") == true }?["evidence"] as? [String])
            ?? []
        #expect(apacheEvidence.contains { $0.contains("u_p") } && apacheEvidence.contains { $0.contains("x_plain") })
        let weak = try #require(findings.first { $0["id"] as? String == "authfile.weak-hash" })
        let weakEvidence = (weak["evidence"] as? [String]) ?? []
        for user in ["u_m", "u_s", "u_d", "u_p", "x_plain"] {
            #expect(weakEvidence.contains { $0.contains("\"\(user)\"") }, "\(user)")
        }
        #expect(!weakEvidence.contains { $0.contains("\"u_B\"") || $0.contains("\"u_5\"") })

        let nginx = try CLI.run(["htpasswd", "lint", file, "--server", "nginx"])
        #expect(nginx.stdout.contains("nginx never matches 1 entry"))
        #expect(!nginx.stdout.contains("Apache httpd never matches"))

        let clean = dir + "/clean"
        try Htpasswd.create(file: clean, user: "a", password: "pw", format: .bcrypt)
        #expect(try CLI.run(["htpasswd", "lint", clean]).status == 0)
        let weakOnly = dir + "/weak"
        try Htpasswd.create(file: weakOnly, user: "a", password: "pw", format: .md5)
        let weakRun = try CLI.run(["htpasswd", "lint", weakOnly])
        #expect(weakRun.status == 0)  // warnings only
        #expect(weakRun.stdout.contains("authfile.weak-hash"))
    }

    @Test func malformedFileAndHtdigest() throws {
        let path = dir + "/mixed"
        let made = try Htpasswd.create(file: dir + "/tmp", user: "good", password: "pw", format: .bcrypt)
        let bytes = Array((made + "\r\nno-colon-line\r\n:empty\n").utf8) + [UInt8]([0xFF, 0x00, 0x3A, 0x01, 0x0A])
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let r = try CLI.run(["htpasswd", "verify", "--password-stdin", path, "good", "--json"], stdin: "pw\n")
        #expect(r.status == 0, "good's password verifies; the malformed lines are other users' problem")
        let doc = try Self.json(r.stdout)
        let malformed = try #require(
            (doc["findings"] as? [[String: Any]])?.first { $0["id"] as? String == "authfile.malformed" })
        #expect(malformed["severity"] as? String == "warning")
        let evidence = (malformed["evidence"] as? [String]) ?? []
        #expect(evidence.map { String($0.prefix(7)) } == ["line 2:", "line 3:", "line 4:"])
        #expect(try CLI.run(["htpasswd", "lint", path]).status == 1)  // lint is for the whole file

        let digest = dir + "/htdigest"
        try Htdigest.append(file: digest, user: "dora", realm: "Private Area", password: Self.password)
        let ok = try CLI.run(
            ["htpasswd", "verify", "--password-stdin", "--realm", "Private Area", digest, "dora"],
            stdin: Self.password + "\n")
        #expect(ok.status == 0, "\(ok)")
        let auto = try CLI.run(["htpasswd", "verify", "--password-stdin", digest, "dora"], stdin: Self.password + "\n")
        #expect(auto.status == 0, "\(auto)")
        let wrongRealm = try CLI.run(
            ["htpasswd", "verify", "--password-stdin", "--realm", "Other", digest, "dora"], stdin: Self.password + "\n")
        #expect(wrongRealm.status == 1)
        #expect(wrongRealm.stdout.contains("Private Area"))
        let bad = try CLI.run(["htpasswd", "verify", "--password-stdin", digest, "dora"], stdin: "nope\n")
        #expect(bad.status == 1)
    }

    /// Issue 11: `verify FILE USER` answers for USER: exit 0 and "✓ alice: password verifies" when the
    /// password verifies with a hash the --server reads, whatever the other lines hold (plain text,
    /// DES, {SHA}, {PLAIN}, malformed lines), listed as warnings below. Hashes by the real htpasswd.
    @Test func verifyAnswersForTheUserWhateverOtherLinesHold() throws {
        let path = dir + "/shared"
        try Htpasswd.create(file: path, user: "plainuser", password: "p1", format: .plain)
        try Htpasswd.create(file: path, user: "desuser", password: "Secret123", format: .crypt)
        try Htpasswd.create(file: path, user: "alice", password: Self.password, format: .bcrypt)
        try Htpasswd.create(file: path, user: "shauser", password: "p3", format: .sha1)
        try Htpasswd.create(file: path, user: "md5user", password: "p4", format: .md5)
        // Without malformed lines the real `htpasswd -v` reads the file too: same answers.
        #expect(try Htpasswd.verify(file: path, user: "alice", password: Self.password) == 0)
        #expect(
            try CLI.run(["htpasswd", "verify", "--password-stdin", path, "alice"], stdin: Self.password + "\n").status
                == 0)
        try
            (try String(contentsOfFile: path, encoding: .utf8)
            + "no-colon-here\n{PLAIN}user:{PLAIN}abc\nnginxonly:{PLAIN}abc\n")
            .write(toFile: path, atomically: true, encoding: .utf8)
        for server in ["apache", "nginx", "both"] {
            let text = try CLI.run(
                ["htpasswd", "verify", "--password-stdin", path, "alice", "--server", server],
                stdin: Self.password + "\n")
            #expect(text.status == 0, "\(server): \(text)")
            #expect(text.stdout.contains("✓ alice: password verifies"), "\(text.stdout)")
            // The verdict line itself answers the question, with the other lines' warnings counted.
            let first = String(text.stdout.prefix(while: { $0 != "\n" }))
            #expect(first.hasPrefix("✓ alice: password verifies — ") && first.hasSuffix(" warnings"), "\(first)")
            #expect(!text.stdout.contains("✓ OK"), "\(text.stdout)")
            #expect(!text.stdout.contains("[error]"))
            #expect(text.stdout.contains("[warning]") && text.stdout.contains("authfile.malformed"))
            #expect(!text.stdout.contains(Self.password))
            let json = try CLI.run(
                ["htpasswd", "verify", "--password-stdin", path, "alice", "--server", server, "--json"],
                stdin: Self.password + "\n")
            #expect(json.status == 0)
            #expect(try SchemaValidator.validate(json.stdout) == nil)
            let doc = try Self.json(json.stdout)
            #expect(doc["outcome"] as? String == "ok")
            let severities = ((doc["findings"] as? [[String: Any]]) ?? []).compactMap { $0["severity"] as? String }
            #expect(!severities.isEmpty && severities.allSatisfy { $0 == "warning" }, "\(severities)")
            #expect(Set(Self.ids(doc)) == ["authfile.malformed", "authfile.unsupported-hash", "authfile.weak-hash"])
        }
        // A script can trust `verify … && echo ok`.
        let script = try CLI.binary
        let shell = try ProcessRunner.run(
            "/bin/sh",
            ["-c", "\"$0\" htpasswd verify --password-stdin \"$1\" alice >/dev/null && echo ok", script, path],
            stdin: Self.password + "\n")
        #expect(shell.stdout == "ok\n")
        // The other users' own answers are unchanged: wrong password, unusable hash, unknown user.
        let wrong = try CLI.run(["htpasswd", "verify", "--password-stdin", path, "alice"], stdin: "wrong\n")
        #expect(wrong.status == 1)
        #expect(wrong.stdout.contains("✗ alice: password does not verify"))
        let plain = try CLI.run(["htpasswd", "verify", "--password-stdin", path, "plainuser"], stdin: "p1\n")
        #expect(plain.status == 1)
        #expect(plain.stdout.contains("✗ plainuser: password matches, but"))
        #expect(
            try CLI.run(
                ["htpasswd", "verify", "--password-stdin", path, "nginxonly", "--server", "nginx"], stdin: "abc\n"
            ).status == 0)
        #expect(
            try CLI.run(
                ["htpasswd", "verify", "--password-stdin", path, "nginxonly", "--server", "apache"], stdin: "abc\n"
            ).status == 1)
        let des = try CLI.run(["htpasswd", "verify", "--password-stdin", path, "desuser"], stdin: "Secret123\n")
        #expect(des.status == 0)
        let ghost = try CLI.run(["htpasswd", "verify", "--password-stdin", path, "ghost"], stdin: "x\n")
        #expect(ghost.status == 1)
        #expect(ghost.stdout.contains("✗ ghost: no such user"))
    }

    @Test func usageAndUnreadable() throws {
        let file = try makeFile()
        let missing = try CLI.run(["htpasswd", "verify", "--password-stdin", dir + "/nope", "u_B"], stdin: "x\n")
        #expect(missing.status == 3)
        #expect(missing.stderr.split(separator: "\n").count == 1)
        #expect(try CLI.run(["htpasswd", "lint", dir]).status == 3)  // a directory
        let emptyStdin = try CLI.run(["htpasswd", "verify", "--password-stdin", file, "u_B"], stdin: "")
        #expect(emptyStdin.status == 2)
        // No terminal and no --password-stdin: a usage error, never a password from argv.
        let noTTY = try CLI.run(["htpasswd", "verify", file, "u_B"])
        #expect(noTTY.status == 2)
        #expect(noTTY.stderr.contains("--password-stdin"))
        #expect(try CLI.run(["htpasswd", "verify", file]).status == 2)
        #expect(try CLI.run(["htpasswd", "lint", file, "--server", "iis"]).status == 2)
        let help = try CLI.run(["htpasswd", "--help"])
        #expect(help.stdout.contains("Exit codes"))
    }

    @Test func millionLineFileLints() throws {
        let path = dir + "/big"
        let hash = try #require(
            try Htpasswd.create(file: dir + "/one", user: "x", password: "pw", format: .sha1).split(separator: ":").last
        )
        var text = ""
        text.reserveCapacity(50_000_000)
        for i in 0..<1_000_000 { text += "user\(i):\(hash)\n" }
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        let r = try CLI.run(["htpasswd", "lint", path, "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        let doc = try Self.json(r.stdout)
        #expect((doc["password_file"] as? [String: Any])?["entries"] as? Int == 1_000_000)
        let v = try CLI.run(["htpasswd", "verify", "--password-stdin", path, "user999999"], stdin: "pw\n")
        #expect(v.status == 0, "\(v)")
    }
}
