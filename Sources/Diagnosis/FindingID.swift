/// A finding id as a typed constant, so a misspelt id fails to compile instead of trapping at run
/// time. Each constant is declared next to its catalog entry (`Catalog+AREA.swift`) and named after
/// the id in lower camel case: `token.expired` is `.tokenExpired`, `credentials.not-received` is
/// `.credentialsNotReceived`. Rules raise findings with the constant; the id string is the contract
/// (JSON `id`, `why401 explain ID`), reached through `rawValue`.
///
/// There is deliberately no `ExpressibleByStringLiteral` conformance: a string in library code can
/// never become an id by accident. `Catalog.entry(named:)` looks up user input.
public struct FindingID: RawRepresentable, Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The id string (`token.expired`): what JSON output, `why401 explain` and scripts use.
    public let rawValue: String

    /// Declares an id. Only the catalog files should need this; everything else uses the constants.
    public init(rawValue: String) {
        self.rawValue = rawValue
    }

    init(_ rawValue: String) {
        self.rawValue = rawValue
    }

    /// The id string, so a `FindingID` prints as the id.
    public var description: String { rawValue }

    /// The area part of the id (`token` of `token.expired`).
    public var area: String { String(rawValue.prefix(while: { $0 != "." })) }

    /// Ids order as their strings, for stable listings.
    public static func < (lhs: FindingID, rhs: FindingID) -> Bool { lhs.rawValue < rhs.rawValue }
}
