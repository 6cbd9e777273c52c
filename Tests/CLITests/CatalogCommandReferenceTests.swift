import Diagnosis
import Evidence
import TestSupport
import Testing

@testable import Why401CLI

/// A fix step (inside backticks) must never send the user to a `why401` command that does not exist (yet): every
/// finding the current rules can raise may mention only registered subcommands.
@Suite struct CatalogCommandReferenceTests {
    @Test func raisableFindingsMentionOnlyRegisteredCommands() {
        let registered = Set(Why401.configuration.subcommands.map { $0.configuration.commandName ?? "" }).union([
            "URL", "check",
        ])
        var raisable: Set<FindingID> = []
        for rule in ClientRules.all {
            for example in rule.description.triggering { raisable.formUnion(rule.check(example).map(\.id)) }
        }
        for rule in ChallengeRules.all {
            for example in rule.description.triggering { raisable.formUnion(rule.check(example).map(\.id)) }
        }
        #expect(raisable.count > 30)
        for id in raisable.sorted() {
            guard let entry = Catalog.entry(id) else { continue }
            for text in entry.fix + [entry.explanation] {
                var rest = Substring(text)
                while let range = rest.firstRange(of: "`why401 ") {
                    let word = rest[range.upperBound...].prefix(while: { $0.isLetter || $0 == "-" })
                    if let first = word.first, first.isLowercase {
                        #expect(
                            registered.contains(String(word)), "\(id) mentions 'why401 \(word)', which is not a command"
                        )
                    }
                    rest = rest[range.upperBound...]
                }
            }
        }
    }
}
