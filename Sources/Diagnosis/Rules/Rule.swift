import Evidence

/// How a rule describes itself, SwiftLint-style: the finding id it raises, and examples of input
/// that must and must not raise it. One generic test runs every rule's examples, so a rule and its
/// evidence examples live together and cannot drift apart.
public struct RuleDescription<Input: Sendable>: Sendable {
    /// The catalog id this rule raises (`grep` for it finds the entry and this rule).
    public let id: String
    /// Inputs that must produce a finding with `id`.
    public let triggering: [Input]
    /// Inputs that must not.
    public let nonTriggering: [Input]

    public init(id: String, triggering: [Input], nonTriggering: [Input]) {
        self.id = id
        self.triggering = triggering
        self.nonTriggering = nonTriggering
    }
}

/// A pure rule over challenge evidence: no I/O, same input → same findings.
public protocol ChallengeRule: Sendable {
    static var description: RuleDescription<ChallengeEvidence> { get }
    static func check(_ evidence: ChallengeEvidence) -> [Finding]
}
