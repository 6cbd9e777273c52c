/// The values that RFC 9110 §11 auth fields carry, shared by every parser and scheme in this module.
///
/// `WWW-Authenticate`, `Proxy-Authenticate` carry a list of *challenges*; `Authorization`,
/// `Proxy-Authorization` carry one set of *credentials*; `Authentication-Info` carries bare
/// auth-params. All share the same building blocks, so one model serves them.

/// One `name=value` (or bare `name`, which only the lenient parser accepts) inside a challenge.
public struct AuthParameter: Sendable, Hashable {
    /// Parameter name as written; compare with `matches(_:)`, names are case-insensitive.
    public var name: String
    /// Unescaped value (quoted-pairs removed). `nil` when the parameter had no `=value` at all.
    public var value: String?
    /// Whether the value was a quoted-string (some servers send `realm=foo`, some `realm="foo"`).
    public var wasQuoted: Bool

    public init(name: String, value: String?, wasQuoted: Bool = false) {
        self.name = name
        self.value = value
        self.wasQuoted = wasQuoted
    }

    /// Case-insensitive name comparison (RFC 9110 §11.2: parameter names are case-insensitive).
    public func matches(_ otherName: String) -> Bool {
        name.lowercased() == otherName.lowercased()
    }
}

/// One challenge (`WWW-Authenticate` element) or one credentials value (`Authorization`).
public struct Challenge: Sendable, Hashable {
    /// Scheme as written (`Basic`, `digest`, …). Compare with `isScheme(_:)`.
    public var scheme: String
    /// The token68 form (`Bearer abc.def`, `Basic dXNlcjpwYXNz`), when used instead of parameters.
    public var token68: String?
    /// Parameters in the order the server wrote them, duplicates kept.
    public var parameters: [AuthParameter]
    /// Byte offsets of this challenge within the field value it came from (UTF-8).
    public var byteRange: Range<Int>
    /// Which field line (0-based) the challenge starts in, when several lines of the same header
    /// were parsed together (`ChallengeParser.parse(fields:)`); 0 for a single value.
    public var fieldIndex: Int

    public init(scheme: String, token68: String? = nil, parameters: [AuthParameter] = [], byteRange: Range<Int> = 0..<0,
                fieldIndex: Int = 0) {
        self.scheme = scheme
        self.token68 = token68
        self.parameters = parameters
        self.byteRange = byteRange
        self.fieldIndex = fieldIndex
    }

    /// Scheme names are case-insensitive (RFC 9110 §11.1).
    public func isScheme(_ name: String) -> Bool { scheme.lowercased() == name.lowercased() }

    /// Lower-cased scheme, the form to switch on.
    public var normalizedScheme: String { scheme.lowercased() }

    /// Value of the first parameter with this name (case-insensitive), or nil.
    public subscript(parameter name: String) -> String? {
        parameters.first(where: { $0.matches(name) })?.value
    }

    /// Whether a parameter with this name is present (with or without a value).
    public func hasParameter(_ name: String) -> Bool { parameters.contains(where: { $0.matches(name) }) }

    /// The realm, if any (`realm` is defined for every scheme by RFC 9110 §11.5).
    public var realm: String? { self[parameter: "realm"] }
}

/// A place where a field value departs from the RFC 9110 grammar. The lenient parser records
/// each one and goes on, so `challenge.malformed` can point at the exact byte.
public struct ParseDeviation: Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        case emptyField = "empty-field"
        case emptyListElement = "empty-list-element"
        case invalidSchemeCharacter = "invalid-scheme-character"
        case missingScheme = "missing-scheme"
        case parameterWithoutValue = "parameter-without-value"
        case duplicateParameter = "duplicate-parameter"
        case unterminatedQuotedString = "unterminated-quoted-string"
        case singleQuotedValue = "single-quoted-value"
        case missingComma = "missing-comma"
        case unexpectedCharacter = "unexpected-character"
        case invalidToken68 = "invalid-token68"
        case obsoleteLineFolding = "obsolete-line-folding"
        case invalidUTF8 = "invalid-utf8"
        case controlCharacter = "control-character"
        case emptyValue = "empty-value"
        case trailingGarbage = "trailing-garbage"
    }

    /// Byte offset (UTF-8, 0-based) in the field value where the deviation starts.
    public var offset: Int
    public var kind: Kind
    /// One human sentence, e.g. `missing comma between parameters "scope" and "error"`.
    public var message: String
    /// Which field line (0-based) `offset` counts in, when several lines of the same header were
    /// parsed together (`ChallengeParser.parse(fields:)`); 0 for a single value.
    public var fieldIndex: Int

    public init(offset: Int, kind: Kind, message: String, fieldIndex: Int = 0) {
        self.offset = offset
        self.kind = kind
        self.message = message
        self.fieldIndex = fieldIndex
    }

    /// `byte 12: …`, or `field 2, byte 12: …` for any line after the first of a multi-line header.
    public var description: String {
        fieldIndex == 0 ? "byte \(offset): \(message)" : "field \(fieldIndex), byte \(offset): \(message)"
    }
}

/// What the lenient parser returns: everything it could recover, and every deviation it saw.
public struct ChallengeParseResult: Sendable, Hashable {
    public var challenges: [Challenge]
    public var deviations: [ParseDeviation]
    public init(challenges: [Challenge], deviations: [ParseDeviation]) {
        self.challenges = challenges
        self.deviations = deviations
    }
    /// True when the value follows RFC 9110 exactly (the strict parser would accept it).
    public var isStrictlyValid: Bool { deviations.isEmpty }
}

/// Thrown by the strict parser: the first deviation found.
public struct ChallengeSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    public var deviation: ParseDeviation
    public init(_ deviation: ParseDeviation) { self.deviation = deviation }
    public var description: String { deviation.description }
}
