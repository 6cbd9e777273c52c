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

    /// Makes a parameter as a parser or a test would record it; `wasQuoted` keeps whether the server wrote `realm="x"`
    /// or `realm=x`, which the writer and the malformed-challenge rule care about.
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

    /// Makes a challenge or credentials value by hand (tests, the lab, header writers); the parsers fill `byteRange`
    /// and `fieldIndex` so a deviation can be located in the original field.
    public init(
        scheme: String, token68: String? = nil, parameters: [AuthParameter] = [], byteRange: Range<Int> = 0..<0,
        fieldIndex: Int = 0
    ) {
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
    /// What kind of departure from the grammar a deviation is; the raw value is the stable, kebab-case name shown in
    /// evidence and JSON.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// The field holds no challenge (or no parameter) at all — RFC 9110 requires at least one in a 401.
        case emptyField = "empty-field"
        /// An empty element between commas (`Basic realm="a",,`). Never recorded today: RFC 9110 §5.6.1.2 says
        /// recipients must accept empty elements, so the parser skips them; the name stays part of the stable set.
        case emptyListElement = "empty-list-element"
        /// The auth-scheme contains a byte that is not a token character.
        case invalidSchemeCharacter = "invalid-scheme-character"
        /// A parameter appears where an auth-scheme should start, so it belongs to no challenge and is dropped.
        case missingScheme = "missing-scheme"
        /// A bare name where `name=value` is required (a lone name that cannot be a new scheme).
        case parameterWithoutValue = "parameter-without-value"
        /// The same parameter name twice in one challenge; RFC 9110 §11.2 forbids it and servers disagree on which
        /// wins.
        case duplicateParameter = "duplicate-parameter"
        /// A quoted-string that is never closed; the value runs to the end of the field.
        case unterminatedQuotedString = "unterminated-quoted-string"
        /// A value in single quotes (`realm='x'`), which HTTP does not recognise as quoting; read without them.
        case singleQuotedValue = "single-quoted-value"
        /// Two parameters or challenges without the comma that must separate them.
        case missingComma = "missing-comma"
        /// A byte the grammar does not allow at that point (a `;` separator, `=` in an unquoted value, …).
        case unexpectedCharacter = "unexpected-character"
        /// A token68 (`Bearer abc…`) containing a character outside the token68 alphabet.
        case invalidToken68 = "invalid-token68"
        /// CRLF followed by whitespace: obsolete line folding, deprecated by RFC 9112 §5.2.
        case obsoleteLineFolding = "obsolete-line-folding"
        /// Bytes that are not valid UTF-8; only checked when parsing raw bytes (`ChallengeParser.parse(bytes:)`).
        case invalidUTF8 = "invalid-utf8"
        /// A control byte in the field or inside a quoted string.
        case controlCharacter = "control-character"
        /// `name=` with nothing after the equals sign.
        case emptyValue = "empty-value"
        /// Bytes left after the parser gave up, or a second scheme in a credentials value that carries one.
        case trailingGarbage = "trailing-garbage"
    }

    /// Byte offset (UTF-8, 0-based) in the field value where the deviation starts.
    public var offset: Int
    /// What went wrong, as a stable category to switch on or count; `message` says it for a person.
    public var kind: Kind
    /// One human sentence, e.g. `missing comma between parameters "scope" and "error"`.
    public var message: String
    /// Which field line (0-based) `offset` counts in, when several lines of the same header were
    /// parsed together (`ChallengeParser.parse(fields:)`); 0 for a single value.
    public var fieldIndex: Int

    /// Records a deviation; the parsers make these, tests and other parsers built on this model may too.
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
    /// Every challenge the parser could recover, in field order, even from a malformed value.
    public var challenges: [Challenge]
    /// Every place the value departs from RFC 9110, ordered by position; empty for a valid value.
    public var deviations: [ParseDeviation]
    /// Combines recovered challenges and deviations; the parsers build this, tests may too.
    public init(challenges: [Challenge], deviations: [ParseDeviation]) {
        self.challenges = challenges
        self.deviations = deviations
    }
    /// True when the value follows RFC 9110 exactly (the strict parser would accept it).
    public var isStrictlyValid: Bool { deviations.isEmpty }
}

/// Thrown by the strict parser: the first deviation found.
public struct ChallengeSyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The first deviation found, which made the strict parser reject the value.
    public var deviation: ParseDeviation
    /// Wraps the deviation that made the strict parse fail.
    public init(_ deviation: ParseDeviation) { self.deviation = deviation }
    /// The deviation's location and message, e.g. `byte 12: missing comma …`.
    public var description: String { deviation.description }
}
