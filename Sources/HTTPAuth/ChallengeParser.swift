/// Parsers for the RFC 9110 §11 auth fields.
///
/// One scanner (`AuthFieldScanner`) serves all three entry points, so `WWW-Authenticate`,
/// `Authorization` and `Authentication-Info` agree byte for byte on what a token, a quoted string
/// or an empty list element is.
///
/// Contract other modules rely on:
/// - Offsets (`ParseDeviation.offset`, `Challenge.byteRange`) count UTF-8 bytes, 0-based, in the
///   field value as given (after the field name and colon; leading OWS counts). With
///   `parse(fields:)` they count within the line named by `fieldIndex`.
/// - Strict == lenient with no deviations: `parseStrict` throws the first deviation (lowest
///   offset) that the lenient parse records, so `result.isStrictlyValid` and `parseStrict` never
///   disagree.
/// - Strict ACCEPTS: empty list elements (`, ,`, leading or trailing commas: RFC 9110 §5.6.1.2
///   says recipients MUST; also right after `scheme 1*SP`, so `Basic , realm="x"` is Basic with a
///   realm, while in `Basic, realm="x"` the comma ends the challenge), BWS around `=`
///   (`realm = "x"`), OWS before commas, unknown schemes, any case in scheme and parameter names,
///   obs-text (non-ASCII) inside quoted strings, and (a small liberty) HTAB as well as SP between
///   the scheme and its token68/parameters. Raw bytes (`parse(bytes:)`) that are not UTF-8 are
///   read as ISO-8859-1 and still recorded, one `invalidUTF8` deviation per byte sequence.
/// - Strict REJECTS beyond the bare grammar: obs-fold (deprecated by RFC 9112 §5.2; lenient
///   unfolds it), `realm='x'` (grammatically the token `'x'`, but nobody means the quotes; lenient
///   reads `x`), duplicate parameter names (RFC 9110 §11.2: each name MUST occur once per
///   challenge; lenient keeps both), and a field with no challenge at all (`emptyField`).
public enum ChallengeParser {
    /// Lenient: recovers what it can, records every deviation with its UTF-8 byte offset.
    public static func parse(_ fieldValue: String) -> ChallengeParseResult {
        run(fields: [Array(fieldValue.utf8)], mode: .challenges, validateUTF8: false).result
    }

    /// Raw bytes as they came off the wire. Each ill-formed UTF-8 sequence is an `invalidUTF8`
    /// deviation at its byte offset, and a value (realm, token…) holding one is read as ISO-8859-1,
    /// as browsers read realms — never silently turned into U+FFFD. NUL and other controls become
    /// deviations, never a crash.
    public static func parse(bytes: [UInt8]) -> ChallengeParseResult {
        run(fields: [bytes], mode: .challenges, validateUTF8: true).result
    }

    /// `parse(fields:)` for raw field lines (`parse(bytes:)`'s reading of encodings, per line).
    public static func parse(fieldBytes: [[UInt8]]) -> ChallengeParseResult {
        run(fields: fieldBytes, mode: .challenges, validateUTF8: true).result
    }

    /// A field value's bytes as text for display: UTF-8 when valid, else ISO-8859-1 (byte n is
    /// U+00nn), the same reading `parse(bytes:)` gives the values inside it.
    public static func displayText(_ bytes: [UInt8]) -> String {
        String(validating: bytes, as: UTF8.self) ?? AuthFieldScanner.latin1(bytes)
    }

    /// Several field lines of the same header (e.g. three WWW-Authenticate lines), order kept.
    /// They are read as one comma-joined list (RFC 9110 §5.3), so a challenge's parameters may
    /// even continue on the next line; offsets and `fieldIndex` point into the original lines.
    /// No lines at all gives no challenges and no deviation (a missing header is a lint, not syntax).
    public static func parse(fields: [String]) -> ChallengeParseResult {
        run(fields: fields.map { Array($0.utf8) }, mode: .challenges, validateUTF8: false).result
    }

    /// Strict RFC 9110 grammar (see the type's notes for the few extra rejections); throws the
    /// first deviation as `ChallengeSyntaxError`.
    public static func parseStrict(_ fieldValue: String) throws -> [Challenge] {
        let result = parse(fieldValue)
        if let first = result.deviations.first { throw ChallengeSyntaxError(first) }
        return result.challenges
    }

    /// The scan plus its work counter, for the linear-time test.
    static func run(fields: [[UInt8]], mode: AuthFieldScanner.Mode, validateUTF8: Bool)
        -> (result: ChallengeParseResult, steps: Int)
    {
        var scanner = AuthFieldScanner(fields: fields, mode: mode, validateUTF8: validateUTF8)
        scanner.run()
        return (scanner.result(), scanner.steps)
    }
}

/// Parses what a client sends (`Authorization`, `Proxy-Authorization`) with the same scanner as challenges, so a
/// malformed header a client wrote is located byte for byte like a malformed challenge.
public enum CredentialsParser {
    /// An Authorization / Proxy-Authorization value: `credentials = auth-scheme [ 1*SP ( token68 / #auth-param ) ]`.
    /// Uses the challenge grammar (it is the same production) and keeps the first element; a
    /// second scheme is a `trailingGarbage` deviation at its start (credentials carry one scheme).
    public static func parse(_ value: String) -> (credentials: Challenge?, deviations: [ParseDeviation]) {
        let result = ChallengeParser.parse(value)
        var deviations = result.deviations
        if result.challenges.count > 1 {
            let extra = result.challenges[1]
            deviations.append(
                ParseDeviation(
                    offset: extra.byteRange.lowerBound, kind: .trailingGarbage,
                    message: "a second auth-scheme \"\(extra.scheme.prefix(40))\"; credentials carry exactly one"))
            deviations.sort { $0.offset < $1.offset }
        }
        return (result.challenges.first, deviations)
    }
}

/// Parses `Authentication-Info` (a server's answer after successful Digest authentication), which carries bare
/// parameters and no scheme.
public enum AuthenticationInfoParser {
    /// Authentication-Info / Proxy-Authentication-Info: a bare #auth-param list (RFC 9110 §11.6.3).
    /// Here a lone name cannot start a challenge, so `name` without `=` is a `parameterWithoutValue`.
    public static func parse(_ value: String) -> (parameters: [AuthParameter], deviations: [ParseDeviation]) {
        let result = ChallengeParser.run(fields: [Array(value.utf8)], mode: .parametersOnly, validateUTF8: false).result
        return (result.challenges.first?.parameters ?? [], result.deviations)
    }
}
