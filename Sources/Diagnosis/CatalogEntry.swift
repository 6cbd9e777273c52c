/// The finding catalog's data model. Each diagnosis why401 can make is one `CatalogEntry`
/// (id, severity, audience, title, explanation, fix steps, references) kept apart from the rule
/// that raises it — the model is HTTPolice's `notices.xml`. Grepping for the id's `FindingID`
/// constant (`.tokenExpired` for `token.expired`) finds the entry and every rule that raises it.

/// How bad a finding is. Order matters: ranking puts errors first.
public enum Severity: String, Sendable, Hashable, CaseIterable, Comparable, Codable {
    /// A cause of the 401, or a security hole.
    case error
    /// Likely to cause trouble.
    case warning
    /// Context that helps, not a problem by itself.
    case info

    var rank: Int {
        switch self {
        case .error: 0
        case .warning: 1
        case .info: 2
        }
    }

    /// Errors sort before warnings before info, so sorting by severity puts the likeliest cause first.
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// Who can act on a finding: the person who gets the 401, or the person who runs the server.
public enum Audience: String, Sendable, Hashable, CaseIterable, Codable {
    /// The person making the request: a wrong password, an expired token, a missing header.
    case user
    /// The person running the server: configuration, file permissions, plugins.
    case admin
}

/// One diagnosis in the catalog. Static text; the evidence of a particular run goes in `Finding`.
public struct CatalogEntry: Sendable, Hashable {
    /// Stable `area.name` id (a contract: scripts match on it), as a typed constant.
    public let id: FindingID
    /// How bad it is; decides the ranking and, with `--fail-on`, the exit code.
    public let severity: Severity
    /// Who can act on it, so a report can address the user and the administrator separately.
    public let audience: Audience
    /// One line, says what is wrong.
    public let title: String
    /// A paragraph: why it happens and why it produces (or relates to) a 401.
    public let explanation: String
    /// Concrete steps: commands, config lines, browser menu paths.
    public let fix: [String]
    /// RFC sections or vendor documents.
    public let references: [String]

    /// Declares an entry; only the catalog files build these (`Catalog.entries` is the whole set).
    public init(
        id: FindingID, severity: Severity, audience: Audience, title: String, explanation: String,
        fix: [String], references: [String]
    ) {
        self.id = id
        self.severity = severity
        self.audience = audience
        self.title = title
        self.explanation = explanation
        self.fix = fix
        self.references = references
    }

    /// The area part of the id (`token` of `token.expired`).
    public var area: String { id.area }
}
