import Evidence
import Testing

@testable import Diagnosis

/// One generic test runs every rule's own triggering / non-triggering examples (SwiftLint-style),
/// so adding a rule with examples adds its tests.
@Suite struct ChallengeRuleExampleTests {
    static let rules = ChallengeRules.all.map { RuleCase(rule: $0) }

    struct RuleCase: CustomTestStringConvertible, Sendable {
        let rule: any ChallengeRule.Type
        var testDescription: String { rule.description.id + " (\(rule))" }
    }

    @Test(arguments: rules)
    func triggeringExamplesRaiseTheId(_ ruleCase: RuleCase) {
        let description = ruleCase.rule.description
        #expect(Catalog.entry(description.id) != nil, "\(description.id) is not in the catalog")
        #expect(!description.triggering.isEmpty)
        for example in description.triggering {
            let ids = ruleCase.rule.check(example).map(\.id)
            #expect(ids.contains(description.id), "\(example.fields) should raise \(description.id)")
        }
    }

    @Test(arguments: rules)
    func nonTriggeringExamplesStayQuiet(_ ruleCase: RuleCase) {
        let description = ruleCase.rule.description
        #expect(!description.nonTriggering.isEmpty)
        for example in description.nonTriggering {
            let ids = ruleCase.rule.check(example).map(\.id)
            #expect(!ids.contains(description.id), "\(example.fields) should not raise \(description.id)")
        }
    }

    @Test func malformedFindingPointsAtTheByte() throws {
        let value = #"Bearer scope="" error="invalid_token" error_description="The access token expired""#
        let findings = ChallengeRules.run(ChallengeEvidence(fields: [value], status: 401))
        let malformed = try #require(findings.first { $0.id == "challenge.malformed" })
        #expect(malformed.evidence.contains { $0.contains("byte 16") || $0.contains("byte 15") })
        // The gateway's intent is still understood: the token was rejected.
        #expect(findings.contains { $0.id == "token.invalid" })
        let invalid = try #require(findings.first { $0.id == "token.invalid" })
        #expect(invalid.evidence.contains("error_description=\"The access token expired\""))
    }

    @Test func rankingPutsErrorsFirst() {
        let findings = ChallengeRules.run(ChallengeEvidence(fields: ["Basic", #"Bearer error="invalid_token""#], status: 401))
        let severities = findings.map(\.severity)
        #expect(severities == severities.sorted())
        #expect(findings.first?.id == "token.invalid")
    }

    @Test func unsupportedSchemesAreNamed() throws {
        let findings = ChallengeRules.run(ChallengeEvidence(fields: ["Negotiate", "NTLM"]))
        let finding = try #require(findings.first { $0.id == "challenge.unsupported-scheme" })
        #expect(finding.evidence == ["offered: Negotiate", "offered: NTLM"])
    }
}
