import Testing

@testable import Diagnosis

/// The one generic check behind every rule family's example test (SwiftLint's `verifyRule` idea):
/// the rule's id is in the catalog, it has examples of both kinds, every triggering example raises
/// the id and no non-triggering example does. `describe` names an example in a failure message.
func verifyExamples<Input>(
    _ description: RuleDescription<Input>, describe: (Input) -> String = { _ in "" }, check: (Input) -> [Finding],
    sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(Catalog.entry(description.id) != nil, "\(description.id) is not in the catalog", sourceLocation: sourceLocation)
    #expect(!description.triggering.isEmpty && !description.nonTriggering.isEmpty, "\(description.id) needs examples of both kinds", sourceLocation: sourceLocation)
    for example in description.triggering {
        #expect(check(example).map(\.id).contains(description.id), "should raise \(description.id): \(describe(example))", sourceLocation: sourceLocation)
    }
    for example in description.nonTriggering {
        #expect(!check(example).map(\.id).contains(description.id), "should not raise \(description.id): \(describe(example))", sourceLocation: sourceLocation)
    }
}
