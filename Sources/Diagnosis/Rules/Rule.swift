import Evidence

/// How a rule describes itself, SwiftLint-style: the finding id it raises, and examples of input
/// that must and must not raise it. One generic test runs every rule's examples, so a rule and its
/// evidence examples live together and cannot drift apart.
public struct RuleDescription<Input: Sendable>: Sendable {
    /// The catalog id this rule raises (`grep` for the constant finds the entry and this rule).
    public let id: FindingID
    /// Inputs that must produce a finding with `id`.
    public let triggering: [Input]
    /// Inputs that must not.
    public let nonTriggering: [Input]

    /// Declares a rule's id and examples; every example must behave as declared, or the generic rule test fails.
    public init(id: FindingID, triggering: [Input], nonTriggering: [Input]) {
        self.id = id
        self.triggering = triggering
        self.nonTriggering = nonTriggering
    }
}

/// The one rule shape of every family (client checks, challenges, tokens, password files, server
/// configuration, permissions, WordPress, logs, HAR): a pure function from one evidence value to
/// findings — no I/O, same input → same findings — plus its own examples.
///
/// A family is a `RuleSet` over its evidence type; the generic example test runs every rule of
/// every set, so adding a rule means adding its examples.
public protocol Rule<Input>: Sendable {
    /// The evidence value the rule judges (`CheckEvidence`, `ChallengeEvidence`, `LogEvidence`, …).
    associatedtype Input: Sendable
    /// The id the rule raises and its examples: what the generic test runs and what documents the rule.
    static var description: RuleDescription<Input> { get }
    /// Judges one evidence value: the findings it shows, or none. Pure: no I/O, the same input gives the same findings.
    static func check(_ input: Input) -> [Finding]
}

/// An ordered family of rules over one evidence type, run under the one ranking and
/// de-duplication policy of why401:
///
/// 1. Rules run in the set's order, most specific first.
/// 2. Findings with the same id about the same `subject` are one finding: the first raised (the
///    most specific rule's) wins; the same id about different subjects (two user files) stays.
/// 3. Ranked: errors before warnings before info, otherwise in the order raised (stable).
public struct RuleSet<Input: Sendable>: Sendable {
    /// The family's name, for test messages (`client`, `logs`, …).
    public let name: String
    /// The rules in the order they run, most specific first (which decides ties in ranking).
    public let rules: [any Rule<Input>.Type]

    /// Groups rules under a family name, in the order they should run.
    public init(_ name: String, _ rules: [any Rule<Input>.Type]) {
        self.name = name
        self.rules = rules
    }

    /// Every finding of every rule, de-duplicated and ranked.
    public func run(_ input: Input) -> [Finding] {
        rules.flatMap { $0.check(input) }.deduplicated().ranked()
    }
}

extension Array where Element == Finding {
    /// One finding per (id, subject), the first raised kept (see `RuleSet`).
    public func deduplicated() -> [Finding] {
        var seen: Set<FindingKey> = []
        return filter { seen.insert(FindingKey(id: $0.id, subject: $0.subject)).inserted }
    }
}

private struct FindingKey: Hashable {
    let id: FindingID
    let subject: String?
}
