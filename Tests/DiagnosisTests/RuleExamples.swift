import Evidence
import TestSupport
import Testing

@testable import Diagnosis

/// The one generic test over every rule of every family (SwiftLint's `verifyRule` idea): the
/// rule's id is in the catalog, it has examples of both kinds, every triggering example raises the
/// id, no non-triggering example does, and every id any example raises is in the catalog. Adding a
/// rule to a `RuleSet` adds its test; a new family is one more line in `cases`.
@Suite struct RuleExampleTests {
    /// One rule of one family, with its examples already judged (type-erased over the evidence type).
    struct RuleCase: CustomTestStringConvertible, Sendable {
        let family: String
        let id: FindingID
        let rule: String
        let triggering: [(raised: [FindingID], example: String)]
        let nonTriggering: [(raised: [FindingID], example: String)]
        var testDescription: String { "\(family): \(id) (\(rule))" }
    }

    /// Every rule of `set`, each example run through that rule alone. `describe` names an example in
    /// a failure message.
    static func cases<Input>(_ set: RuleSet<Input>, describe: (Input) -> String) -> [RuleCase] {
        set.rules.map { rule in
            let description = rule.description
            return RuleCase(
                family: set.name, id: description.id, rule: String(describing: rule),
                triggering: description.triggering.map { (rule.check($0).map(\.id), describe($0)) },
                nonTriggering: description.nonTriggering.map { (rule.check($0).map(\.id), describe($0)) })
        }
    }

    static func short(_ value: Any) -> String { String(String(describing: value).prefix(300)) }

    static let cases: [RuleCase] =
        cases(ClientRules.set, describe: { "\($0.steps.map(\.line))" })
        + cases(ChallengeRules.set, describe: { "\($0.fields)" })
        + cases(ConfigRules.set, describe: short)
        + cases(PermissionRules.set, describe: short)
        + cases(WordPressRules.set, describe: short)
        + cases(LogRules.set, describe: short)

    @Test(arguments: cases)
    func examples(_ c: RuleCase) {
        #expect(Catalog.entry(c.id) != nil, "\(c.id) is not in the catalog")
        #expect(!c.triggering.isEmpty, "\(c.id) needs a triggering example")
        #expect(!c.nonTriggering.isEmpty, "\(c.id) needs a non-triggering example")
        for (raised, example) in c.triggering {
            #expect(raised.contains(c.id), "should raise \(c.id): \(example)")
        }
        for (raised, example) in c.nonTriggering {
            #expect(!raised.contains(c.id), "should not raise \(c.id): \(example)")
        }
        for id in (c.triggering + c.nonTriggering).flatMap(\.raised) {
            #expect(Catalog.entry(id) != nil, "\(c.rule) raises \(id), which is not in the catalog")
        }
    }

    /// Every family is covered, and no rule is listed twice in its set.
    @Test func everyFamilyIsCovered() {
        let families = Set(Self.cases.map(\.family))
        #expect(families == ["client", "challenge", "config", "permissions", "wordpress", "logs"])
        for family in families {
            let rules = Self.cases.filter { $0.family == family }.map(\.rule)
            #expect(Set(rules).count == rules.count, "\(family) lists a rule twice")
        }
    }
}
