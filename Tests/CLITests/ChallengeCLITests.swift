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
        let value = #"WWW-Authenticate: Bearer scope="" error="invalid_token" error_description="The access token expired""#
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
        let viaStdin = try CLI.run(["challenge", "-", "--format", format], stdin: "Proxy-Authorization: Basic \(secret)\n")
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

    @Test func emptyStdinIsAUsageError() throws {
        let result = try CLI.run(["challenge", "-"], stdin: "")
        #expect(result.status == 2)
        #expect(result.stderr.split(separator: "\n").count == 1)
    }
}
