import Evidence
import Foundation
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
        + cases(TokenInspection.set, describe: short)
        + cases(PasswordFileRules.set, describe: short)

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
        // The ids the examples raised need no catalog check here: `Finding(id)` traps for an id
        // without an entry, so such a check could only pass or crash. `everyDeclaredIDHasAnEntry`
        // below is the check that can fail.
    }

    /// Findings are built from `FindingID` constants, and `Finding(id)` traps when a constant has no
    /// catalog entry. This proves, without building a finding, that every constant declared in
    /// Sources/ resolves through the lookup that returns nil, that no id is made from a string
    /// anywhere else, and that every catalog entry has its constant.
    @Test func everyDeclaredIDHasAnEntry() throws {
        let declared = try Self.declaredIDs()
        #expect(declared.count >= 70, "the scan found only \(declared.count) constants")
        for (id, file) in declared where !file.hasPrefix("Catalog+") {
            Issue.record(
                "\(file) makes the finding id \(id) from a string; declare it beside its entry in Catalog+AREA.swift")
        }
        for id in Set(declared.map(\.id)).sorted() {
            #expect(Catalog.entry(named: id) != nil, "FindingID \(id) has no catalog entry: Finding(.\(id)) would trap")
        }
        let entries = Set(Catalog.entries.map(\.id.rawValue))
        let missing = entries.subtracting(declared.map(\.id)).sorted()
        #expect(missing.isEmpty, "catalog entries without a FindingID constant: \(missing)")
        #expect(Catalog.entry(named: "no.such-id") == nil)
        #expect(Catalog.entry(named: "Token.expired") == nil, "ids are case-sensitive")
    }

    /// The scanner itself finds literal ids, with or without `rawValue:`, and nothing else.
    @Test func declaredIDScannerFindsLiterals() {
        let text = """
            public static let a = FindingID("area.one")
            let b = FindingID(rawValue: "area.two")
            let c = FindingID(rawValue: name)
            """
        #expect(Self.literalIDs(in: text) == ["area.one", "area.two"])
    }

    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `FindingID("…")` / `FindingID(rawValue: "…")` with a literal, in every Swift file under Sources/.
    static func declaredIDs() throws -> [(id: String, file: String)] {
        let sources = packageRoot.appendingPathComponent("Sources")
        let files =
            FileManager.default.enumerator(at: sources, includingPropertiesForKeys: nil)?
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "swift" } ?? []
        var found: [(id: String, file: String)] = []
        for file in files {
            let text = try String(contentsOf: file, encoding: .utf8)
            found += literalIDs(in: text).map { ($0, file.lastPathComponent) }
        }
        return found
    }

    static func literalIDs(in text: String) -> [String] {
        let regex = try! NSRegularExpression(pattern: #"FindingID\((?:rawValue: )?"([^"\\]*)"\)"#)
        return regex.matches(in: text, range: NSRange(text.startIndex..., in: text)).compactMap {
            Range($0.range(at: 1), in: text).map { String(text[$0]) }
        }
    }

    /// Every family is covered, and no rule is listed twice in its set.
    @Test func everyFamilyIsCovered() {
        let families = Set(Self.cases.map(\.family))
        #expect(
            families == ["client", "challenge", "config", "permissions", "wordpress", "logs", "token", "password-file"])
        for family in families {
            let rules = Self.cases.filter { $0.family == family }.map(\.rule)
            #expect(Set(rules).count == rules.count, "\(family) lists a rule twice")
        }
    }
}
