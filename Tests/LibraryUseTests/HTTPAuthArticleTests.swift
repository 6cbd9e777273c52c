import HTTPAuth
import Testing

/// The example of `Sources/HTTPAuth/HTTPAuth.docc/HTTPAuth.md` ("Using it from another package"),
/// compiled and run against the public API only (no `@testable`), as another package would.
/// `ArticleSnippetTests` keeps the copy below identical to the article's.
@Suite struct HTTPAuthArticleTests {
    @Test func usingItFromAnotherPackage() throws {
        // From HTTPAuth.md, verbatim:
        let header = #"Basic realm="api", charset="UTF-8", Bearer realm="api" error="invalid_token""#
        let parsed = ChallengeParser.parse(header)
        let schemes = parsed.challenges.map(\.scheme)  // ["Basic", "Bearer"]
        let deviation = parsed.deviations.first  // missing comma before "error", with its byte offset

        let basic = parsed.challenges[0]
        let credentials = BasicCredentials(user: "alice", password: "s3cret\n")
        let authorization = try credentials.authorizationValue(for: basic)  // "Basic YWxpY2U6czNjcmV0Cg=="
        let issues = BasicAuth.inspect(user: credentials.user, password: credentials.password, challenge: basic)
        let kinds = issues.map(\.kind)  // the trailing newline: [.lineBreak]
        let shown = String(describing: credentials)  // "alice:****": the password never shows
        // End of the article's example.

        #expect(schemes == ["Basic", "Bearer"])
        #expect(deviation?.kind == .missingComma)
        #expect(deviation?.offset == header.utf8.count - #"error="invalid_token""#.utf8.count)
        #expect(!parsed.isStrictlyValid)
        #expect(parsed.challenges[1][parameter: "error"] == "invalid_token")
        #expect(authorization == "Basic YWxpY2U6czNjcmV0Cg==")
        #expect(kinds == [.lineBreak])
        #expect(issues.allSatisfy { !$0.message.contains("s3cret") })
        #expect(shown == "alice:****")
    }
}
