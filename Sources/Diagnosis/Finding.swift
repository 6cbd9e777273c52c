/// A diagnosis made on a particular run: a catalog entry plus the evidence that raised it.
public struct Finding: Sendable, Hashable {
    /// The catalog id (`token.expired`): the stable contract scripts and `why401 explain` match on.
    public var id: FindingID
    /// How bad it is, from the catalog; findings are ranked by it.
    public var severity: Severity
    /// Who can act on it, from the catalog.
    public var audience: Audience
    /// One line saying what is wrong, from the catalog.
    public var title: String
    /// This run's explanation: what was seen, in a sentence or two. Defaults to the catalog text.
    public var detail: String
    /// Facts that support the finding, already free of secrets (`exp 2026-11-29T05:12:00Z, 3 h ago`).
    public var evidence: [String]
    /// Fix steps: run-specific steps first, then the catalog's.
    public var fix: [String]
    /// RFC sections or vendor documents, from the catalog.
    public var references: [String]
    /// What the finding is about when one run can raise the same id for several things (a user
    /// file, a configuration line, a plugin): structured, so a caller filters on it rather than on
    /// evidence text, and so de-duplication keeps one finding per (id, subject). Nil: the run's
    /// subject as a whole (the URL checked, the token read).
    public var subject: String?

    /// Builds a finding from its catalog entry. Every `FindingID` constant is declared beside its
    /// entry, so the lookup cannot fail for a constant; the catalog test proves it for all of them.
    public init(
        _ id: FindingID, detail: String? = nil, evidence: [String] = [], fix extraFix: [String] = [],
        subject: String? = nil
    ) {
        guard let entry = Catalog.entry(id) else {
            preconditionFailure("finding id \(id) has no catalog entry")
        }
        self.init(entry: entry, detail: detail, evidence: evidence, fix: extraFix, subject: subject)
    }

    /// Builds a finding from a catalog entry already at hand (an entry looked up by name, or one built in a test); the
    /// same merging of detail and fix steps as `init(_:detail:evidence:fix:subject:)`.
    public init(
        entry: CatalogEntry, detail: String? = nil, evidence: [String] = [], fix extraFix: [String] = [],
        subject: String? = nil
    ) {
        self.subject = subject
        self.id = entry.id
        self.severity = entry.severity
        self.audience = entry.audience
        self.title = entry.title
        self.detail = detail ?? entry.explanation
        self.evidence = evidence
        self.fix = extraFix + entry.fix.filter { !extraFix.contains($0) }
        self.references = entry.references
    }
}

extension Array where Element == Finding {
    /// Most likely cause first: errors before warnings before info, otherwise the order the rules
    /// produced them (rules are run most-specific first). Stable.
    public func ranked() -> [Finding] {
        enumerated()
            .sorted { lhs, rhs in
                lhs.element.severity != rhs.element.severity
                    ? lhs.element.severity < rhs.element.severity
                    : lhs.offset < rhs.offset
            }
            .map(\.element)
    }
}
