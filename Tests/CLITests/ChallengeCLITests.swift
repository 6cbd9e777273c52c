import Foundation
import TestSupport
import Testing

@Suite struct ChallengeCLITests {
    @Test func validBasicChallengeExitsZero() throws {
        let result = try CLI.run(["challenge", #"Basic realm="Private", charset="UTF-8""#])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("✓ OK"))
        #expect(result.stdout.contains(#"realm = "Private""#))
        #expect(result.stdout.contains("grammar: valid"))
    }

    @Test func gatewayCommaLessBearerIsDiagnosed() throws {
        let value =
            #"WWW-Authenticate: Bearer scope="" error="invalid_token" error_description="The access token expired""#
        let result = try CLI.run(["challenge", value, "--json"])
        #expect(result.status == 1)
        #expect(try SchemaValidator.validate(result.stdout) == nil)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        #expect(object["cause"] as? String == "token.invalid")
        #expect(object["strict"] as? Bool == false)
        let ids = (object["findings"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
        #expect(ids.contains("challenge.malformed"))
        let challenges = try #require(object["challenges"] as? [[String: Any]])
        #expect(challenges.count == 1)
        #expect((challenges[0]["parameters"] as? [[Any]])?.count == 3)
    }

    @Test func readsHeaderLinesFromStdin() throws {
        let input = "WWW-Authenticate: Negotiate\r\nWWW-Authenticate: NTLM\r\n\r\n"
        let result = try CLI.run(["challenge", "-", "--format", "markdown"], stdin: input)
        // Negotiate/NTLM are legitimate schemes: an info note, not a problem.
        #expect(result.status == 0)
        #expect(result.stdout.contains("```text\n1. Negotiate\n2. NTLM\n"))
        #expect(result.stdout.contains("`challenge.unsupported-scheme`"))
    }

    @Test func proxyChallenge() throws {
        let result = try CLI.run(["challenge", "--proxy", #"Basic realm="corp""#, "--json"])
        #expect(result.status == 1)
        #expect(result.stdout.contains(#""cause": "challenge.proxy""#))
        #expect(try SchemaValidator.validate(result.stdout) == nil)
    }

    /// A pasted Authorization line is refused, and its secret is not echoed in any format.
    @Test(arguments: ["text", "json", "markdown"])
    func credentialsArePastedByMistakeAndNeverPrinted(format: String) throws {
        let secret = "eyJhbGciOiJIUzI1NiJ9.c2VjcmV0LXRva2VuLXZhbHVl.sig"
        let result = try CLI.run(["challenge", "Authorization: Bearer \(secret)", "--format", format])
        #expect(result.status == 2)
        #expect(!result.stdout.contains(secret) && !result.stderr.contains(secret))
        #expect(!result.stderr.contains("c2VjcmV0"))
        let viaStdin = try CLI.run(
            ["challenge", "-", "--format", format], stdin: "Proxy-Authorization: Basic \(secret)\n")
        #expect(viaStdin.status == 2)
        #expect(!viaStdin.stdout.contains(secret) && !viaStdin.stderr.contains(secret))
    }

    @Test func hugeAndHostileInputNeverCrashes() throws {
        let huge = "Basic realm=\"" + String(repeating: "a\\\"", count: 350_000)
        let result = try CLI.run(["challenge", "-"], stdin: huge + "\n")
        #expect(result.status == 1)
        #expect(!result.timedOut)
        #expect(result.stdout.count < 20_000, "evidence must be bounded, got \(result.stdout.count) chars")

        var random = SystemRandomNumberGenerator()
        for _ in 0..<5 {
            let bytes = (0..<2000).map { _ in UInt8.random(in: 0...255, using: &random) }
            let text = String(decoding: bytes.filter { $0 != 10 && $0 != 0 }, as: UTF8.self)
            let run = try CLI.run(["challenge", "-", "--json"], stdin: text + "\n")
            #expect([0, 1].contains(run.status), "\(run.stderr)")
            #expect(try SchemaValidator.validate(run.stdout) == nil)
        }
    }

    static func ids(_ stdout: String) throws -> [String] {
        let object = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        return (object["findings"] as? [[String: Any]])?.compactMap { $0["id"] as? String } ?? []
    }

    /// Issue 11: an empty list element after `scheme SP` is valid: Basic with realm foo, exit 0.
    @Test(arguments: [
        #"Basic , realm="foo""#, #"Basic ,realm="foo""#, #"Basic ,, realm="foo""#,
        #"WWW-Authenticate: Basic , realm="foo""#,
    ])
    func emptyElementAfterSchemeIsValid(value: String) throws {
        let result = try CLI.run(["challenge", value])
        #expect(result.status == 0, "\(result)")
        #expect(result.stdout.hasPrefix("✓ OK"))
        #expect(result.stdout.contains(#"realm = "foo""#))
        #expect(result.stdout.contains("grammar: valid"))
        let viaStdin = try CLI.run(["challenge", "-", "--json"], stdin: value + "\r\n")
        #expect(viaStdin.status == 0)
        #expect(viaStdin.stdout.contains(#""strict": true"#))
        // No space: the comma ends the challenge — still malformed.
        let noSpace = try CLI.run(["challenge", #"Basic, realm="foo""#, "--json"])
        #expect(noSpace.status == 1)
        #expect(try Self.ids(noSpace.stdout) == ["challenge.malformed"])
    }

    /// Issue 11: bytes that are not UTF-8, from argv or stdin, are read as ISO-8859-1 and flagged at
    /// their offset — not U+FFFD. (`sh` passes the raw byte; Swift strings cannot.)
    @Test func latin1RealmFromArgvAndStdinIsReadAsISO88591() throws {
        let binary = try CLI.binary
        let argv = try ProcessRunner.run(
            "/bin/sh",
            ["-c", #"exec "$0" challenge "$(printf 'Basic realm="foo-\344"')" --json --fail-on warning"#, binary],
            environment: ["NO_COLOR": "1"])
        let stdin = try ProcessRunner.run(
            "/bin/sh",
            [
                "-c",
                #"""
                printf 'WWW-Authenticate: Basic realm="foo-\344"\r\n' | exec "$0" challenge - --json --fail-on \#
                warning
                """#,
                binary,
            ],
            environment: ["NO_COLOR": "1"])
        let text = try ProcessRunner.run(
            "/bin/sh", ["-c", #"exec "$0" challenge "$(printf 'Basic realm="\351t\351", charset="x"')""#, binary],
            environment: ["NO_COLOR": "1"])
        for run in [argv, stdin] {
            #expect(run.status == 1, "\(run)")
            #expect(try SchemaValidator.validate(run.stdout) == nil)
            #expect(!run.stdout.contains("\u{FFFD}") && !run.stdout.contains("\\ufffd"))
            let object = try #require(try JSONSerialization.jsonObject(with: Data(run.stdout.utf8)) as? [String: Any])
            let challenge = try #require((object["challenges"] as? [[String: Any]])?.first)
            #expect((challenge["parameters"] as? [[Any]])?.first?.last as? String == "foo-ä")
            let finding = try #require((object["findings"] as? [[String: Any]])?.first)
            #expect(finding["id"] as? String == "challenge.malformed")
            #expect(finding["severity"] as? String == "warning")
            #expect(
                (finding["evidence"] as? [String])?.contains {
                    $0.contains("byte 17: byte 0xE4 is not UTF-8") && $0.contains("ISO-8859-1")
                } == true)
        }
        #expect(text.stdout.contains(#"realm = "été""#), "\(text.stdout)")
        #expect(text.stdout.contains("byte 13: byte 0xE9 is not UTF-8"))
        #expect(text.stdout.contains("byte 15: byte 0xE9 is not UTF-8"))
        #expect(text.stdout.contains("grammar: valid (RFC 9110 §11); 2 byte(s) not UTF-8, read as ISO-8859-1"))
    }

    /// Issue 11: a folded header on stdin is one field with obsolete line folding — explained as
    /// such, not as a parameter without a scheme.
    @Test func foldedHeaderOnStdinIsExplainedAsFolding() throws {
        for input in [
            "WWW-Authenticate: Basic\r\n realm=\"foo\"\r\n",
            "WWW-Authenticate: Digest realm=\"r\",\n\tnonce=\"n\",\n qop=\"auth\", algorithm=SHA-256\n\n",
        ] {
            // A malformed challenge is a warning: exit 0 by default, 1 with --fail-on warning.
            #expect(try CLI.run(["challenge", "-", "--json"], stdin: input).status == 0)
            let result = try CLI.run(["challenge", "-", "--json", "--fail-on", "warning"], stdin: input)
            #expect(result.status == 1, "\(result)")
            let object = try #require(
                try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let challenges = try #require(object["challenges"] as? [[String: Any]])
            #expect(challenges.count == 1)
            #expect(try Self.ids(result.stdout) == ["challenge.malformed"])
            let evidence = ((object["findings"] as? [[String: Any]])?.first?["evidence"] as? [String]) ?? []
            #expect(evidence.contains { $0.contains("obsolete line folding") }, "\(evidence)")
            let finding = (object["findings"] as? [[String: Any]])?.first
            #expect(finding?["severity"] as? String == "warning")
            #expect((finding?["detail"] as? String)?.contains("folded onto") == true)
            #expect(!evidence.contains { $0.contains("not a scheme") || $0.contains("no auth-scheme") })
        }
        // Separate header lines stay separate challenges.
        let two = try CLI.run(
            ["challenge", "-"], stdin: "WWW-Authenticate: Negotiate\nWWW-Authenticate: Basic realm=\"x\"\n")
        #expect(two.status == 0)
        #expect(two.stdout.contains("1. Negotiate") && two.stdout.contains("2. Basic"))
    }

    /// Issue 11: Digest without realm/nonce cannot be answered; issue 12: a non-standard algorithm
    /// is named with what RFC 7616 offers. Neither is called weak. `realm=foo` needs no finding.
    @Test func digestThatCannotBeAnsweredAndTokenRealm() throws {
        let noNonce = try CLI.run(["challenge", #"Digest realm="r", qop="auth", algorithm=SHA-256"#, "--json"])
        #expect(noNonce.status == 1)
        #expect(try Self.ids(noNonce.stdout) == ["challenge.digest-unanswerable"])
        #expect(noNonce.stdout.contains("cannot be answered"))
        let sha512 = try CLI.run(["challenge", #"Digest realm="r", nonce="n", qop="auth", algorithm=SHA-512"#])
        #expect(sha512.status == 1)
        #expect(sha512.stdout.contains("top: challenge.unsupported-algorithm"))
        #expect(sha512.stdout.contains("SHA-512-256"))
        #expect(!sha512.stdout.contains("challenge.digest-weak"))
        let token = try CLI.run(["challenge", "Basic realm=foo"])
        #expect(token.status == 0)
        #expect(token.stdout.contains("grammar: valid"))
    }

    @Test func emptyStdinIsAUsageError() throws {
        let result = try CLI.run(["challenge", "-"], stdin: "")
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
