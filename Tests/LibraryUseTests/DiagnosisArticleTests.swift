import Diagnosis
import Evidence
import Testing

/// The example of `Sources/Diagnosis/Diagnosis.docc/Diagnosis.md` ("Using it from another package"),
/// compiled and run against the public API only (no `@testable`), as another package would.
/// `ArticleSnippetTests` keeps the copy below identical to the article's.
@Suite struct DiagnosisArticleTests {
    @Test func usingItFromAnotherPackage() {
        // From Diagnosis.md, verbatim:
        let response = RecordedResponse(
            status: 401,
            headers: [HeaderField("WWW-Authenticate", #"Digest realm="api", nonce="dcd98b7102dd2f0e""#)])
        let findings = ChallengeRules.run(ChallengeEvidence(response: response))
        let ids = findings.map(\.id.rawValue)  // ["challenge.digest-weak"]: MD5 only, no qop
        let worst = findings.first?.severity  // .warning
        let advice = Catalog.entry(.challengeDigestWeak)?.fix ?? []  // the catalog's fix steps
        // End of the article's example.

        #expect(ids == ["challenge.digest-weak"])
        #expect(worst == .warning)
        #expect(!advice.isEmpty)
        #expect(findings.first?.fix.suffix(advice.count).elementsEqual(advice) == true)
        #expect(findings.first?.evidence.isEmpty == false)
    }
}
