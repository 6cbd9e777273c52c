import Diagnosis
import Evidence
import TestSupport
import Testing

@testable import Report

/// Renderers are tested on hand-built reports, so they do not depend on any rule.
@Suite struct RendererTests {
    static let secretPassword = "s3cr3t-Pa55"
    static let secretToken = "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLXNlY3JldA"
    static let secretCookie = "sessionvalue-7f3a9"

    static let errorEntry = CatalogEntry(
        id: "token.expired", severity: .error, audience: .user, title: "The token has expired",
        explanation: "The exp claim is in the past.", fix: ["Get a new token"], references: ["RFC 7519 §4.1.4"])
    static let infoEntry = CatalogEntry(
        id: "responder.identified", severity: .info, audience: .admin, title: "nginx answered",
        explanation: "Fingerprint.", fix: ["Look at nginx"], references: ["RFC 9110 §10.2.4"])

    static func exchange() -> Exchange {
        let basic = "Basic " + Base64Helper.encode("alice:\(secretPassword)")
        return Exchange(
            request: RecordedRequest(
                method: "GET",
                url: "https://alice:\(secretPassword)@api.example.com/me?access_token=\(secretToken)&page=2",
                headers: [
                    HeaderField("Authorization", basic),
                    HeaderField("Proxy-Authorization", "Bearer \(secretToken)"),
                    HeaderField("Cookie", "sid=\(secretCookie); theme=dark"),
                    HeaderField("X-Api-Key", secretCookie),
                ]),
            response: RecordedResponse(
                status: 401,
                headers: [
                    HeaderField("WWW-Authenticate", "Basic realm=\"a\""),
                    HeaderField("WWW-Authenticate", "Bearer error=\"invalid_token\""),
                    HeaderField("Set-Cookie", "sid=\(secretCookie); Path=/; HttpOnly"),
                    HeaderField("X-Evil", "a\u{1B}[2Jb"),
                ]),
            peer: "127.0.0.1:8443", milliseconds: 12.44, purpose: "as given")
    }

    static func report(findings: [Finding]? = nil) -> DiagnosticReport {
        DiagnosticReport(
            command: "check", subject: "https://api.example.com/me", outcome: .unauthorized, status: 401,
            findings: findings ?? [
                Finding(entry: errorEntry, evidence: ["exp 2026-11-29T05:12:00Z, 3 h ago"]), Finding(entry: infoEntry),
            ],
            exchanges: [exchange()])
    }

    /// The report every renderer is compared against whole: a 401 with an error and an info finding
    /// (secrets and a terminal escape in the exchange), one section and one extra JSON field.
    static func fixedReport() -> DiagnosticReport {
        var report = report(findings: [
            Finding(entry: errorEntry, evidence: ["exp 2026-11-29T05:12:00Z, 3 h ago"], fix: ["Log in again"]),
            Finding(entry: infoEntry, evidence: ["Server: nginx"]),
        ])
        report.sections = [DiagnosticReport.Section(title: "Plan", lines: ["credentialed requests: 1 of at most 4"])]
        report.extra = [("plan", .array([.string("credentialed requests: 1 of at most 4")]))]
        return report
    }

    @Test("a 200 with a warning is headed with its status and the count, not \"nothing wrong found\"")
    func okWithWarningsHeadline() {
        let warning = CatalogEntry(
            id: "credentials.insecure-transport", severity: .warning, audience: .user,
            title: "Credentials are sent over plain http",
            explanation: "Risk.", fix: ["Use https"], references: ["RFC 7617 §4"])
        func headline(_ findings: [Finding], status: Int? = 200) -> String {
            let report = DiagnosticReport(
                command: "check", subject: "http://api.example.com/", outcome: .ok, status: status, findings: findings)
            return String(report.rendered(as: .text).prefix(while: { $0 != "\n" }))
        }
        #expect(
            headline([Finding(entry: warning)])
                == "✓ 200 — 1 warning — top: credentials.insecure-transport: Credentials are sent over plain http")
        #expect(
            headline([Finding(entry: warning), Finding(entry: warning)], status: nil).hasPrefix("✓ OK — 2 warnings"))
        #expect(headline([Finding(entry: Self.infoEntry)]) == "✓ OK — HTTP 200 — nothing wrong found")
        #expect(headline([]) == "✓ OK — HTTP 200 — nothing wrong found")
        // A refused request is never "OK": a 403 with only context (authz.forbidden) says so.
        let forbidden = CatalogEntry(
            id: "authz.forbidden", severity: .info, audience: .user,
            title: "The credentials were accepted, and this account lacks permission",
            explanation: "x", fix: ["y"], references: ["RFC 9110 §15.5.4"])
        #expect(
            headline([Finding(entry: forbidden)], status: 403)
                == """
                • 403 — no authentication failure found — authz.forbidden: The credentials were accepted, and this \
                account lacks permission
                """
        )
        #expect(headline([], status: 404) == "• 404 — no authentication failure found")
        let markdown = DiagnosticReport(
            command: "check", subject: "s", outcome: .ok, status: 200, findings: [Finding(entry: warning)]
        )
        .rendered(as: .markdown)
        #expect(markdown.contains("✓ 200 — 1 warning"), "\(markdown)")
        #expect(!markdown.contains("nothing wrong found"))
    }

    @Test func jsonKeepsContractKeyOrderAndHeaderRepeats() {
        let json = Self.report().rendered(as: .json)
        let keys = [
            "\"tool\"", "\"schema\"", "\"command\"", "\"subject\"", "\"outcome\"", "\"status\"", "\"cause\"",
            "\"findings\"", "\"exchanges\"",
        ]
        let positions = keys.map { json.firstRange(of: $0)?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        #expect(json.contains(#""cause": "token.expired""#))
        #expect(json.contains(#"["WWW-Authenticate", "Basic realm=\"a\""]"#))
        #expect(json.contains(#"["WWW-Authenticate", "Bearer error=\"invalid_token\""]"#))
        #expect(json.contains(#""ms": 12.4"#))
    }

    @Test func causeIsNullWhenOnlyInfoFindings() {
        let report = Self.report(findings: [Finding(entry: Self.infoEntry)])
        #expect(report.cause == nil)
        #expect(report.rendered(as: .json).contains(#""cause": null"#))
    }

    @Test(arguments: OutputFormat.allCases)
    func secretsNeverAppearInAnyFormat(format: OutputFormat) {
        for color in [false, true] {
            let out = Self.report().rendered(as: format, color: color)
            #expect(!out.contains(Self.secretPassword), "password leaked in \(format)")
            #expect(!out.contains(Self.secretToken), "token leaked in \(format)")
            #expect(!out.contains(String(Self.secretToken.dropFirst(4).prefix(20))), "token part leaked in \(format)")
            #expect(!out.contains(Self.secretCookie), "cookie leaked in \(format)")
            #expect(
                !out.contains(Base64Helper.encode("alice:\(Self.secretPassword)")), "basic token leaked in \(format)")
            #expect(out.contains("alice:****"))
        }
    }

    @Test func textPutsVerdictFirstThenFindingsThenTranscript() {
        let text = Self.report().rendered(as: .text)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "✗ 401 Unauthorized — most likely: token.expired: The token has expired")
        let findings = text.firstRange(of: "Findings")!.lowerBound
        let transcript = text.firstRange(of: "Exchanges")!.lowerBound
        #expect(findings < transcript)
        #expect(text.contains("→ Get a new token"))
        #expect(text.contains("• exp 2026-11-29T05:12:00Z, 3 h ago"))
        #expect(text.contains("< WWW-Authenticate: Basic realm=\"a\""))
    }

    @Test func colourOnlyWhenAsked() {
        #expect(!Self.report().rendered(as: .text, color: false).contains("\u{1B}["))
        #expect(Self.report().rendered(as: .text, color: true).contains("\u{1B}[31m"))
    }

    @Test(arguments: OutputFormat.allCases)
    func serverControlCharactersAreNeutralised(format: OutputFormat) {
        let out = Self.report().rendered(as: format, color: false)
        #expect(!out.contains("\u{1B}[2J"))
        if format != .json { #expect(out.contains("a\\x1B[2Jb")) } else { #expect(out.contains("a\\u001b[2Jb")) }
    }

    @Test func markdownEscapesServerText() {
        let finding = Finding(entry: Self.errorEntry, detail: "realm <script>alert(1)</script> [x](http://evil)")
        let md = Self.report(findings: [finding]).rendered(as: .markdown)
        #expect(!md.contains("<script>"))
        #expect(md.contains("\\<script\\>"))
        #expect(md.contains("\\[x\\]"))
        #expect(md.contains("```http"))
    }

    @Test func outcomeExitCodesFollowDesign() {
        #expect(DiagnosticReport.Outcome.ok.exitCode == 0)
        #expect(DiagnosticReport.Outcome.unauthorized.exitCode == 1)
        #expect(DiagnosticReport.Outcome.problems.exitCode == 1)
        #expect(DiagnosticReport.Outcome.error.exitCode == 3)
    }

    @Test func jsonStringEscaping() {
        #expect(JSONValue.string("a\"b\\c\n\u{01}\u{2028}é").serialized() == #""a\"b\\c\n\u0001\u2028é""#)
        // strings with nothing to escape are copied whole; near misses of U+2028 (… is E2 80 A6) stay as they are
        #expect(JSONValue.string("10.0.0.1 /a?b=c … €").serialized() == "\"10.0.0.1 /a?b=c … €\"")
        #expect(JSONValue.string("x\u{2029}").serialized() == #""x\u2029""#)
        #expect(JSONValue.string("\u{7F}").serialized() == #""\u007f""#)
        #expect(JSONValue.object([("b", .int(1)), ("a", .null)]).serialized(pretty: false) == #"{"b":1,"a":null}"#)
    }

    // MARK: whole outputs

    /// The text renderer's whole output for the fixed report, byte for byte: verdict, subject,
    /// sections, findings in order with evidence/fix/references, then the transcript with every
    /// secret masked and the terminal escape neutralised.
    @Test func textIsExactlyThis() {
        let expected = #"""
            ✗ 401 Unauthorized — most likely: token.expired: The token has expired
              check: https://api.example.com/me

            Plan
              credentialed requests: 1 of at most 4

            Findings (most likely cause first)

              1. [error]   token.expired — The token has expired  (for the user)
                 The exp claim is in the past.
                 evidence:
                   • exp 2026-11-29T05:12:00Z, 3 h ago
                 fix:
                   → Log in again
                   → Get a new token
                 see: RFC 7519 §4.1.4

              2. [info]    responder.identified — nginx answered  (for the admin)
                 Fingerprint.
                 evidence:
                   • Server: nginx
                 fix:
                   → Look at nginx
                 see: RFC 9110 §10.2.4

            Exchanges (secrets masked)

              #1 as given
              > GET https://alice:****@api.example.com/me?access_token=****&page=2
              > Authorization: Basic alice:****
              > Proxy-Authorization: Bearer eyJh…(64 chars)
              > Cookie: sid=****; theme=****
              > X-Api-Key: sess…(18 chars)
              < 401  (12.4 ms, 127.0.0.1:8443)
              < WWW-Authenticate: Basic realm="a"
              < WWW-Authenticate: Bearer error="invalid_token"
              < Set-Cookie: sid=****; Path=/; HttpOnly
              < X-Evil: a\x1B[2Jb

            """#
        let actual = Self.fixedReport().rendered(as: .text)
        #expect(actual == expected, "\(GoldenDiff.first(expected, actual))")
    }

    /// Colour changes nothing but the escape sequences: stripped of them it is the plain text, and
    /// the verdict is red and bold where the plain text has it.
    @Test func colouredTextIsThePlainTextWithEscapes() throws {
        let coloured = Self.fixedReport().rendered(as: .text, color: true)
        let stripped = coloured.replacing(try Regex(#"\x1B\[[0-9;]*m"#), with: "")
        #expect(stripped == Self.fixedReport().rendered(as: .text))
        let first = try #require(coloured.split(separator: "\n").first)
        let red = "\u{1B}[31m"
        let bold = "\u{1B}[1m"
        let reset = "\u{1B}[0m"
        let verdict = "\(red)✗ 401 Unauthorized\(reset) — most likely: "
        #expect(first == verdict + "\(bold)token.expired: The token has expired\(reset)")
    }

    @Test func markdownIsExactlyThis() {
        let expected = #"""
            # why401 check: https://api.example.com/me

            **✗ 401 Unauthorized — most likely: token.expired: The token has expired**

            Final status: `401`

            ## Plan

            ```text
            credentialed requests: 1 of at most 4
            ```

            ## Findings

            ### 1. `token.expired` — The token has expired

            *error, for the user*

            The exp claim is in the past.

            Evidence:

            - `exp 2026-11-29T05:12:00Z, 3 h ago`

            Fix:

            - Log in again
            - Get a new token

            References: RFC 7519 §4.1.4

            ### 2. `responder.identified` — nginx answered

            *info, for the admin*

            Fingerprint.

            Evidence:

            - `Server: nginx`

            Fix:

            - Look at nginx

            References: RFC 9110 §10.2.4

            ## Exchanges (secrets masked)

            1. as given

            ```http
            GET https://alice:****@api.example.com/me?access_token=****&page=2
            Authorization: Basic alice:****
            Proxy-Authorization: Bearer eyJh…(64 chars)
            Cookie: sid=****; theme=****
            X-Api-Key: sess…(18 chars)

            HTTP 401
            WWW-Authenticate: Basic realm="a"
            WWW-Authenticate: Bearer error="invalid_token"
            Set-Cookie: sid=****; Path=/; HttpOnly
            X-Evil: a\x1B[2Jb
            ```

            """#
        let actual = Self.fixedReport().rendered(as: .markdown)
        #expect(actual == expected, "\(GoldenDiff.first(expected, actual))")
    }

    /// Schema 1, in the contract's key order, with the command's extra fields last.
    @Test func jsonIsExactlyThis() {
        let expected = #"""
            {
              "tool": "why401",
              "schema": 1,
              "command": "check",
              "subject": "https://api.example.com/me",
              "outcome": "unauthorized",
              "status": 401,
              "cause": "token.expired",
              "findings": [
                {
                  "id": "token.expired",
                  "severity": "error",
                  "audience": "user",
                  "title": "The token has expired",
                  "detail": "The exp claim is in the past.",
                  "evidence": ["exp 2026-11-29T05:12:00Z, 3 h ago"],
                  "fix": ["Log in again", "Get a new token"],
                  "references": ["RFC 7519 §4.1.4"]
                },
                {
                  "id": "responder.identified",
                  "severity": "info",
                  "audience": "admin",
                  "title": "nginx answered",
                  "detail": "Fingerprint.",
                  "evidence": ["Server: nginx"],
                  "fix": ["Look at nginx"],
                  "references": ["RFC 9110 §10.2.4"]
                }
              ],
              "exchanges": [
                {
                  "request": {
                    "method": "GET",
                    "url": "https://alice:****@api.example.com/me?access_token=****&page=2",
                    "headers": [
                      ["Authorization", "Basic alice:****"],
                      ["Proxy-Authorization", "Bearer eyJh…(64 chars)"],
                      ["Cookie", "sid=****; theme=****"],
                      ["X-Api-Key", "sess…(18 chars)"]
                    ]
                  },
                  "response": {
                    "status": 401,
                    "headers": [
                      ["WWW-Authenticate", "Basic realm=\"a\""],
                      ["WWW-Authenticate", "Bearer error=\"invalid_token\""],
                      ["Set-Cookie", "sid=****; Path=/; HttpOnly"],
                      ["X-Evil", "a\u001b[2Jb"]
                    ]
                  },
                  "peer": "127.0.0.1:8443",
                  "ms": 12.4,
                  "purpose": "as given"
                }
              ],
              "plan": ["credentialed requests: 1 of at most 4"]
            }

            """#
        let actual = Self.fixedReport().rendered(as: .json)
        #expect(actual == expected, "\(GoldenDiff.first(expected, actual))")
    }
}

/// The first line where two renderings differ, for a readable failure.
enum GoldenDiff {
    static func first(_ expected: String, _ actual: String) -> String {
        let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
        let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
        for i in 0..<max(e.count, a.count) {
            let left = i < e.count ? String(e[i]) : "<end>"
            let right = i < a.count ? String(a[i]) : "<end>"
            if left != right { return "line \(i + 1):\n  expected: \(left)\n  actual:   \(right)" }
        }
        return "(no line differs)"
    }
}

/// Encodes test credentials the way a client would (kept apart from the code under test).
enum Base64Helper {
    static func encode(_ text: String) -> String {
        let table = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let bytes = Array(text.utf8)
        var out = ""
        var i = 0
        while i < bytes.count {
            let b0 = Int(bytes[i])
            let b1 = i + 1 < bytes.count ? Int(bytes[i + 1]) : 0
            let b2 = i + 2 < bytes.count ? Int(bytes[i + 2]) : 0
            out.append(table[b0 >> 2])
            out.append(table[(b0 & 3) << 4 | b1 >> 4])
            out.append(i + 1 < bytes.count ? table[(b1 & 15) << 2 | b2 >> 6] : "=")
            out.append(i + 2 < bytes.count ? table[b2 & 63] : "=")
            i += 3
        }
        return out
    }
}
