import Evidence
import Testing

/// The example of `Sources/Evidence/Evidence.docc/Evidence.md` ("Using it from another package"),
/// compiled and run against the public API only (no `@testable`), as another package would.
/// `ArticleSnippetTests` keeps the copy below identical to the article's.
@Suite struct EvidenceArticleTests {
    @Test func usingItFromAnotherPackage() {
        // From Evidence.md, verbatim:
        let request = RecordedRequest(
            method: "GET", url: "https://alice:s3cret@api.example.com/me?access_token=abc123",
            headers: [HeaderField("Authorization", "Basic YWxpY2U6czNjcmV0")])
        let response = RecordedResponse(
            status: 401, headers: [HeaderField("WWW-Authenticate", #"Bearer realm="api", error="invalid_token""#)])
        let exchange = Exchange(request: request, response: response, purpose: "as given")

        let maskedURL = exchange.request.url  // "https://alice:****@api.example.com/me?access_token=****"
        let sentAuthorization = exchange.request.headers.first("Authorization")  // masked, never the password
        let challenges = ChallengeEvidence(response: response)
        let realm = challenges.challenges.first?.realm  // "api"
        // End of the article's example.

        #expect(maskedURL == "https://alice:****@api.example.com/me?access_token=****")
        let authorization = sentAuthorization ?? ""
        #expect(authorization.hasPrefix("Basic "))
        #expect(!authorization.contains("YWxpY2U6czNjcmV0"))
        #expect(!authorization.contains("s3cret"))
        #expect(exchange.response?.status == 401)
        #expect(challenges.header == .wwwAuthenticate)
        #expect(challenges.status == 401)
        #expect(challenges.parsed.isStrictlyValid)
        #expect(realm == "api")
    }
}
