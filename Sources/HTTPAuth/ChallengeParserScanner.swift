/// The single forward scan behind `ChallengeParser`, `CredentialsParser` and
/// `AuthenticationInfoParser`.
///
/// Why a hand-written state machine: RFC 9110 §11 nests one `#list` (auth-params) inside another
/// (challenges) with the same comma, so a regex or a split on `,` cannot tell
/// `Basic realm="a", Bearer realm="b"` from `Digest realm="a", qop="auth"`. One byte of lookahead
/// after a word and its whitespace decides it (`token BWS "="` continues the parameters, anything
/// else starts a challenge), so the scan never goes back, and hostile input costs linear time.
/// `steps` counts the work so tests can check that without a clock.
struct AuthFieldScanner {
    enum Mode { case challenges, parametersOnly }

    /// Where the scan is, between bytes. Every transition either consumes at least one byte or
    /// moves to a state that does; `run()` also has an iteration cap as a safety net.
    private enum State {
        case challengeStart
        /// Just after `scheme 1*SP`, at the first byte of token68 or the first auth-param.
        case body(Int)
        /// At a value, after `name BWS "=" BWS`. `nil` target: orphan parameter, parsed then dropped.
        case parameterValue(target: Int?, name: Range<Int>)
        /// After a parameter value: expect OWS then `,` or the end.
        case afterParameter(Int?)
        /// After the comma that followed a parameter: a parameter, or a new challenge.
        case parameterListNext(Int?)
        case done
    }

    /// Schemes from the IANA registry (plus RFC examples). Only used by the lenient recovery that
    /// reads `Digest realm="x", stale, nonce="y"` as a value-less `stale` parameter: a word that is
    /// a known scheme is never re-read as a parameter.
    private static let knownSchemes: Set<String> = [
        "basic", "bearer", "digest", "dpop", "hoba", "mutual", "negotiate", "oauth", "privatetoken",
        "scram-sha-1", "scram-sha-256", "vapid", "concealed", "ntlm", "newauth", "aws4-hmac-sha256",
        "kerberos", "gssapi",
    ]

    /// Recording stops here: hostile input must not turn 1 MB into millions of messages.
    static let maxDeviations = 4096

    private let bytes: [UInt8]
    private let fieldStarts: [Int]
    private let fieldEnds: [Int]
    private let mode: Mode
    private var pos = 0
    private var fieldCursor = 0
    private(set) var steps = 0
    private var sawElement = false
    private var hasInvalidUTF8 = false
    private var challenges: [Challenge] = []
    private var seenNames: [Set<String>] = []
    /// Deviations live in a reference so `record` need not be `mutating` (see `record`).
    private final class Sink { var deviations: [ParseDeviation] = [] }
    private let sink = Sink()
    /// A scheme-only challenge that directly followed a parameter list (see `knownSchemes`).
    private var bareWordCandidate: (challenge: Int, owner: Int)?
    /// A token68 that is also a valid token, so it may turn out to be a value-less parameter.
    private var tokenLikeToken68: (challenge: Int, offset: Int)?

    /// Several field lines are scanned as one list, joined by a `,` (RFC 9110 §5.3 says that is
    /// what they mean); quoted strings stop at a line's end, and offsets are mapped back per line.
    init(fields: [[UInt8]], mode: Mode, validateUTF8: Bool) {
        var joined: [UInt8] = []
        var starts: [Int] = []
        var ends: [Int] = []
        for (index, field) in fields.enumerated() {
            if index > 0 { joined.append(AuthBytes.comma) }
            starts.append(joined.count)
            joined.append(contentsOf: field)
            ends.append(joined.count)
        }
        self.bytes = joined
        self.fieldStarts = starts
        self.fieldEnds = ends
        self.mode = mode
        if validateUTF8 {
            for (index, field) in fields.enumerated() {
                let offsets = AuthBytes.invalidUTF8Offsets(field, steps: &steps)
                if !offsets.isEmpty { hasInvalidUTF8 = true }
                for offset in offsets {
                    let byte = field[offset]
                    record(
                        starts[index] + offset, .invalidUTF8,
                        """
                        \(Self.describeHigh(byte)) is not UTF-8; the value holding it is read as ISO-8859-1 \
                        (\(Self.latin1Name(byte))), as browsers read realms
                        """
                    )
                }
            }
        }
    }

    // MARK: - Driving

    mutating func run() {
        guard !fieldStarts.isEmpty else { return }
        var state: State = mode == .challenges ? .challengeStart : startParametersOnly()
        var iterations = 0
        let cap = 8 * bytes.count + 64
        while iterations < cap {
            iterations += 1
            steps += 1
            switch state {
            case .done:
                finish()
                return
            case .challengeStart: state = challengeStart()
            case .body(let index): state = body(index)
            case .parameterValue(let target, let name): state = parameterValue(target, name)
            case .afterParameter(let target): state = afterParameter(target)
            case .parameterListNext(let target): state = parameterListNext(target)
            }
        }
        // Unreachable by construction; kept so a future bug degrades to a deviation, not a hang.
        record(pos, .trailingGarbage, "parser gave up here")
        finish()
    }

    /// Challenges and deviations with offsets mapped back to (field line, byte in that line).
    func result() -> ChallengeParseResult {
        let mapped = challenges.map { challenge -> Challenge in
            var c = challenge
            let (field, start) = locate(c.byteRange.lowerBound)
            let fieldLength = fieldEnds[field] - fieldStarts[field]
            c.fieldIndex = field
            let lower = c.byteRange.lowerBound - start
            c.byteRange = lower..<max(lower, min(c.byteRange.upperBound - start, fieldLength))
            return c
        }
        let ordered = sink.deviations.enumerated().sorted {
            ($0.element.offset, $0.offset) < ($1.element.offset, $1.offset)
        }.map { pair -> ParseDeviation in
            var d = pair.element
            let (field, start) = locate(d.offset)
            d.fieldIndex = field
            d.offset -= start
            return d
        }
        return ChallengeParseResult(challenges: mapped, deviations: ordered)
    }

    private mutating func finish() {
        if !sawElement && !fieldStarts.isEmpty {
            record(
                0, .emptyField,
                mode == .challenges
                    ? "field has no challenge (RFC 9110 §11.6.1: a 401 must carry at least one)"
                    : "field has no parameter")
        }
    }

    /// Field line containing a joined-buffer offset; the `,` between lines counts as the end of
    /// the line before it.
    private func locate(_ offset: Int) -> (field: Int, start: Int) {
        var low = 0
        var high = fieldStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if fieldStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return (low, fieldStarts[low])
    }

    /// End of the field line that `pos` is in: a quoted string never runs into the next line.
    private mutating func fieldLimit() -> Int {
        while fieldCursor < fieldEnds.count - 1 && pos > fieldEnds[fieldCursor] { fieldCursor += 1 }
        return fieldEnds[fieldCursor]
    }

    // MARK: - States

    private mutating func challengeStart() -> State {
        skipSeparators()
        guard let b = peek() else { return .done }
        sawElement = true
        guard AuthBytes.isWordByte(b) else {
            record(pos, .unexpectedCharacter, "expected an auth-scheme, found \(describe(b)); element skipped")
            skipElement()
            return .challengeStart
        }
        let word = scanWord()
        let spaced = skipOWS() > 0
        return afterSchemeWord(word, spaced: spaced, previousParameterOwner: nil)
    }

    /// A word has been read where a challenge may start, and the whitespace after it skipped
    /// (`spaced`: there was some, so the word may be `auth-scheme 1*SP`).
    private mutating func afterSchemeWord(_ word: Range<Int>, spaced: Bool, previousParameterOwner: Int?) -> State {
        if peek() == AuthBytes.equals { return orphanParameter(word) }
        let scheme = text(word)
        if let bad = firstByte(in: word, failing: AuthBytes.isTokenChar) {
            record(
                bad, .invalidSchemeCharacter,
                "auth-scheme \(quoted(scheme)) contains \(describe(bytes[bad])), not a token character")
        }
        let index = appendChallenge(scheme: scheme, at: word)
        if spaced, peek() == AuthBytes.comma {
            // `Basic , realm="x"`, `Basic ,, realm="x"`: after `scheme 1*SP` the #auth-param list may
            // open with empty elements (RFC 9110 §5.6.1.2), so what follows the commas still belongs to
            // this challenge. Without the space (`Basic, realm="x"`) the comma ends the challenge.
            skipSeparators()
            return .parameterListNext(index)
        }
        guard peek() == nil || peek() == AuthBytes.comma else {
            // (Without a space before it, this byte is a `"` or `;` right after the scheme: `body` reports it.)
            return .body(index)
        }
        if let owner = previousParameterOwner, !Self.knownSchemes.contains(scheme.lowercased()) {
            bareWordCandidate = (index, owner)
        }
        return .challengeStart
    }

    /// `token =` where only a challenge may start: RFC-wise an error. Lenient recovery keeps the
    /// parameter with the challenge before it (what every browser does with `Basic, realm="x"`).
    private mutating func orphanParameter(_ word: Range<Int>) -> State {
        let name = text(word)
        var target: Int? = challenges.indices.last
        if let candidate = bareWordCandidate, candidate.challenge == challenges.count - 1 {
            let bare = challenges.removeLast()
            seenNames.removeLast()
            record(
                bare.byteRange.lowerBound, .parameterWithoutValue,
                """
                \(quoted(bare.scheme)) has no value; read as a parameter of the \
                \(quoted(challenges[candidate.owner].scheme)) challenge
                """
            )
            addParameter(candidate.owner, AuthParameter(name: bare.scheme, value: nil), at: bare.byteRange)
            target = candidate.owner
        } else if let last = target, let candidate = tokenLikeToken68, candidate.challenge == last,
            let token = challenges[last].token68
        {
            challenges[last].token68 = nil
            let start = candidate.offset
            record(
                start, .parameterWithoutValue,
                "\(quoted(token)) has no value; read as a parameter because parameters follow it")
            addParameter(last, AuthParameter(name: token, value: nil), at: start..<start)
        } else if let last = target {
            record(
                word.lowerBound, .missingScheme,
                """
                parameter \(quoted(name)) follows a comma, not a scheme; kept with the preceding \
                \(quoted(challenges[last].scheme)) challenge
                """
            )
        } else {
            record(word.lowerBound, .missingScheme, "parameter \(quoted(name)) has no auth-scheme before it; dropped")
        }
        bareWordCandidate = nil
        tokenLikeToken68 = nil
        pos += 1  // the "="
        skipOWS()
        return .parameterValue(target: target, name: word)
    }

    /// First byte after `scheme 1*SP`: token68, or the first auth-param.
    private mutating func body(_ index: Int) -> State {
        guard let b = peek(), AuthBytes.isWordByte(b) else {
            record(
                pos, .unexpectedCharacter,
                "expected token68 or a parameter after \(quoted(challenges[index].scheme)), found \(describe(peek()))")
            skipElement()
            return .challengeStart
        }
        let word = scanWord()
        let equalsStart = pos
        while peek() == AuthBytes.equals {
            pos += 1
            steps += 1
        }
        let equalsCount = pos - equalsStart
        skipOWS()
        let next = peek()
        if equalsCount > 0 {
            if next == nil || next == AuthBytes.comma {
                setToken68(index, word.lowerBound..<equalsStart + equalsCount)
                return .challengeStart
            }
            if equalsCount > 1 {
                record(equalsStart + 1, .unexpectedCharacter, "parameter \(quoted(text(word))) has more than one \"=\"")
            }
            return .parameterValue(target: index, name: word)
        }
        if next == AuthBytes.equals {
            pos += 1
            skipOWS()
            return .parameterValue(target: index, name: word)
        }
        setToken68(index, word)
        if next != nil && next != AuthBytes.comma {
            record(
                pos, .missingComma,
                "missing comma after token68 of \(quoted(challenges[index].scheme)); a new challenge is read from here")
        }
        return .challengeStart
    }

    private mutating func parameterValue(_ target: Int?, _ nameRange: Range<Int>) -> State {
        let name = text(nameRange)
        if let bad = firstByte(in: nameRange, failing: AuthBytes.isTokenChar) {
            record(
                bad, .unexpectedCharacter,
                "parameter name \(quoted(name)) contains \(describe(bytes[bad])), not a token character")
        }
        let valueStart = pos
        var value = ""
        var wasQuoted = false
        switch peek() {
        case nil, AuthBytes.comma?:
            record(pos, .emptyValue, "parameter \(quoted(name)) has \"=\" but no value")
        case AuthBytes.doubleQuote?:
            value = scanQuotedString()
            wasQuoted = true
        case AuthBytes.singleQuote?:
            value = scanSingleQuotedOrToken(name)
        case let b? where AuthBytes.isWordByte(b):
            value = scanTokenValue(name)
        case let b?:
            record(
                pos, .unexpectedCharacter,
                "value of \(quoted(name)) starts with \(describe(b)); skipped to the next comma")
            skipElement()
        }
        if let target {
            addParameter(
                target, AuthParameter(name: name, value: value, wasQuoted: wasQuoted),
                at: nameRange.lowerBound..<max(pos, valueStart))
        }
        return .afterParameter(target)
    }

    private mutating func afterParameter(_ target: Int?) -> State {
        skipOWS()
        guard let b = peek() else { return .done }
        switch b {
        case AuthBytes.comma:
            skipSeparators()
            return .parameterListNext(target)
        case AuthBytes.semicolon:
            record(pos, .unexpectedCharacter, "\";\" between parameters; RFC 9110 separates them with \",\"")
            pos += 1
            skipSeparators()
            return .parameterListNext(target)
        case _ where AuthBytes.isWordByte(b):
            record(pos, .missingComma, "missing comma before \(quoted(text(peekWord())))")
            return .parameterListNext(target)
        default:
            record(
                pos, .trailingGarbage, "unexpected \(describe(b)) after a parameter value; skipped to the next comma")
            skipElement()
            return .afterParameter(target)
        }
    }

    private mutating func parameterListNext(_ target: Int?) -> State {
        guard let b = peek() else { return .done }
        guard AuthBytes.isWordByte(b) else {
            record(
                pos, .unexpectedCharacter, "expected a parameter or a challenge, found \(describe(b)); element skipped")
            skipElement()
            return .afterParameter(target)
        }
        let word = scanWord()
        let spaced = skipOWS() > 0
        if peek() == AuthBytes.equals {
            pos += 1
            skipOWS()
            return .parameterValue(target: target, name: word)
        }
        if mode == .parametersOnly, let target {
            record(word.lowerBound, .parameterWithoutValue, "parameter \(quoted(text(word))) has no value")
            addParameter(target, AuthParameter(name: text(word), value: nil), at: word)
            return .afterParameter(target)
        }
        return afterSchemeWord(word, spaced: spaced, previousParameterOwner: target)
    }

    private mutating func startParametersOnly() -> State {
        skipSeparators()
        guard peek() != nil else { return .done }
        sawElement = true
        _ = appendChallenge(scheme: "", at: pos..<pos)
        return .parameterListNext(0)
    }

    // MARK: - Values

    /// `quoted-string`, unescaping quoted-pairs. Stops at the end of the field line.
    private mutating func scanQuotedString() -> String {
        let open = pos
        let limit = fieldLimit()
        pos += 1
        var out: [UInt8] = []
        while pos < limit {
            steps += 1
            let b = bytes[pos]
            if b == AuthBytes.doubleQuote {
                pos += 1
                return decode(out)
            }
            if b == AuthBytes.backslash {
                guard pos + 1 < limit else {
                    pos += 1
                    break
                }
                let escaped = bytes[pos + 1]
                if AuthBytes.isControl(escaped) {
                    record(pos + 1, .controlCharacter, "control byte \(describe(escaped)) in a quoted-pair")
                }
                out.append(escaped)
                pos += 2
                continue
            }
            if isObsFold(at: pos) {
                record(pos, .obsoleteLineFolding, "line folding (CRLF + space) inside a quoted string")
                pos += bytes[pos] == AuthBytes.cr ? 2 : 1
                continue
            }
            if AuthBytes.isControl(b) {
                record(pos, .controlCharacter, "control byte \(describe(b)) inside a quoted string")
            }
            out.append(b)
            pos += 1
        }
        record(open, .unterminatedQuotedString, "quoted string never closed; value runs to the end of the field")
        return decode(out)
    }

    /// `realm='x'`: grammatically the token `'x'`, but every server that sends it means `x`.
    /// Without a closing `'` before the next comma the value is read as a plain token.
    /// Linear: a failed search means no `'` until that comma, so no later search starts inside it.
    private mutating func scanSingleQuotedOrToken(_ name: String) -> String {
        let open = pos
        let limit = fieldLimit()
        var close = pos + 1
        while close < limit && bytes[close] != AuthBytes.singleQuote && bytes[close] != AuthBytes.comma {
            steps += 1
            close += 1
        }
        guard close < limit, bytes[close] == AuthBytes.singleQuote else { return scanTokenValue(name) }
        record(
            open, .singleQuotedValue,
            "value of \(quoted(name)) is in single quotes; RFC 9110 quotes with \"\"; read without them")
        pos = close + 1
        return decode(bytes[(open + 1)..<close])
    }

    /// Unquoted value: a token. Trailing `=` (a base64 value sent unquoted) is kept, with a deviation.
    private mutating func scanTokenValue(_ name: String) -> String {
        let word = scanWord()
        if let bad = firstByte(in: word, failing: AuthBytes.isTokenChar) {
            record(
                bad, .unexpectedCharacter,
                "unquoted value of \(quoted(name)) contains \(describe(bytes[bad])); it needs quotes")
        }
        var end = word.upperBound
        if peek() == AuthBytes.equals {
            record(pos, .unexpectedCharacter, "unquoted value of \(quoted(name)) contains \"=\"; it needs quotes")
            while peek() == AuthBytes.equals {
                pos += 1
                steps += 1
            }
            end = pos
        }
        return decode(bytes[word.lowerBound..<end])
    }

    // MARK: - Building the result

    private mutating func appendChallenge(scheme: String, at range: Range<Int>) -> Int {
        challenges.append(Challenge(scheme: scheme, byteRange: range))
        seenNames.append([])
        bareWordCandidate = nil
        tokenLikeToken68 = nil
        return challenges.count - 1
    }

    private mutating func setToken68(_ index: Int, _ range: Range<Int>) {
        let token = text(range)
        var body = range.lowerBound
        while body < range.upperBound && bytes[body] != AuthBytes.equals { body += 1 }
        if let bad = firstByte(in: range.lowerBound..<body, failing: AuthBytes.isToken68Char) {
            record(
                bad, .invalidToken68, "token68 of \(quoted(challenges[index].scheme)) contains \(describe(bytes[bad]))")
        }
        challenges[index].token68 = token
        extend(index, to: range.upperBound)
        let tokenLike = body == range.upperBound && firstByte(in: range, failing: AuthBytes.isTokenChar) == nil
        tokenLikeToken68 = tokenLike ? (index, range.lowerBound) : nil
    }

    private mutating func addParameter(_ index: Int, _ parameter: AuthParameter, at range: Range<Int>) {
        let key = parameter.name.lowercased()
        if seenNames[index].contains(key) {
            record(
                range.lowerBound, .duplicateParameter,
                """
                parameter \(quoted(parameter.name)) appears again in the \(quoted(challenges[index].scheme)) \
                challenge; both kept
                """
            )
        } else {
            seenNames[index].insert(key)
        }
        challenges[index].parameters.append(parameter)
        extend(index, to: range.upperBound)
    }

    private mutating func extend(_ index: Int, to end: Int) {
        let range = challenges[index].byteRange
        if end > range.upperBound { challenges[index].byteRange = range.lowerBound..<end }
    }

    /// Non-mutating with an autoclosure message: past the cap, hostile input must not pay for
    /// formatting 200 000 messages nobody will read.
    private func record(_ offset: Int, _ kind: ParseDeviation.Kind, _ message: @autoclosure () -> String) {
        guard sink.deviations.count < Self.maxDeviations else { return }
        sink.deviations.append(ParseDeviation(offset: offset, kind: kind, message: message()))
    }

    // MARK: - Low-level scanning

    private func peek() -> UInt8? { pos < bytes.count ? bytes[pos] : nil }

    private mutating func scanWord() -> Range<Int> {
        let start = pos
        while pos < bytes.count && AuthBytes.isWordByte(bytes[pos]) {
            pos += 1
            steps += 1
        }
        return start..<pos
    }

    /// The word at `pos`, without consuming it; only used for a message, so capped at 40 bytes.
    private func peekWord() -> Range<Int> {
        var end = pos
        while end < bytes.count && end - pos < 40 && AuthBytes.isWordByte(bytes[end]) { end += 1 }
        return pos..<end
    }

    /// OWS, with obs-fold and stray control bytes treated as whitespace (each recorded).
    /// Returns how many bytes it skipped.
    @discardableResult
    private mutating func skipOWS() -> Int {
        let start = pos
        while pos < bytes.count {
            steps += 1
            let b = bytes[pos]
            if AuthBytes.isWhitespace(b) {
                pos += 1
                continue
            }
            if isObsFold(at: pos) {
                record(pos, .obsoleteLineFolding, "obsolete line folding (CRLF + space); RFC 9112 §5.2 deprecates it")
                pos += b == AuthBytes.cr ? 2 : 1
                continue
            }
            if AuthBytes.isControl(b) {
                record(pos, .controlCharacter, "control byte \(describe(b)) in the field; treated as a space")
                pos += 1
                continue
            }
            break
        }
        return pos - start
    }

    /// CRLF or a bare LF, followed by SP or HTAB.
    private func isObsFold(at i: Int) -> Bool {
        var j = i
        if j < bytes.count && bytes[j] == AuthBytes.cr { j += 1 }
        guard j < bytes.count, bytes[j] == AuthBytes.lf, j + 1 < bytes.count else { return false }
        return AuthBytes.isWhitespace(bytes[j + 1])
    }

    /// Empty list elements: `,`, OWS — RFC 9110 §5.6.1.2 says recipients MUST accept them.
    private mutating func skipSeparators() {
        while true {
            skipOWS()
            guard peek() == AuthBytes.comma else { return }
            pos += 1
        }
    }

    /// Recovery: skip to the next comma outside quotes (or the end). Consumes at least one byte.
    private mutating func skipElement() {
        while let b = peek(), b != AuthBytes.comma {
            steps += 1
            if b == AuthBytes.doubleQuote {
                let limit = fieldLimit()
                pos += 1
                while pos < limit && bytes[pos] != AuthBytes.doubleQuote {
                    steps += 1
                    pos += bytes[pos] == AuthBytes.backslash ? 2 : 1
                }
                pos = min(pos + 1, limit)
            } else {
                pos += 1
            }
        }
    }

    private func firstByte(in range: Range<Int>, failing predicate: (UInt8) -> Bool) -> Int? {
        range.first { !predicate(bytes[$0]) }
    }

    private func text(_ range: Range<Int>) -> String { decode(bytes[range]) }

    /// Bytes to String. Valid UTF-8 (every `String` caller) takes the stdlib's fast path. Raw bytes
    /// with ill-formed UTF-8 are read per value: a value (scheme, name, token or quoted string) that
    /// is valid UTF-8 stays UTF-8, one that is not is read as ISO-8859-1, one byte one character —
    /// what browsers do with a realm in a legacy charset (RFC 9110 §5.5 obs-text), instead of
    /// hiding the bytes behind U+FFFD. The `invalidUTF8` deviations recorded up front name each byte.
    private func decode<C: Collection<UInt8>>(_ slice: C) -> String {
        guard hasInvalidUTF8 else { return String(decoding: slice, as: UTF8.self) }
        if let text = String(validating: slice, as: UTF8.self) { return text }
        return Self.latin1(slice)
    }

    /// ISO-8859-1: byte n is U+00nn.
    static func latin1<C: Collection<UInt8>>(_ bytes: C) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for b in bytes { scalars.append(Unicode.Scalar(b)) }
        return String(scalars)
    }

    /// `byte 0xE4`.
    private static func describeHigh(_ b: UInt8) -> String {
        let hex = String(b, radix: 16, uppercase: true)
        return "byte 0x\(hex.count == 1 ? "0" + hex : hex)"
    }

    /// `U+00E4 "ä"`; C1 controls (0x80–0x9F) and ASCII controls by code point only.
    private static func latin1Name(_ b: UInt8) -> String {
        let hex = String(b, radix: 16, uppercase: true)
        let code = "U+00" + (hex.count == 1 ? "0" + hex : hex)
        return b >= 0xA0 ? "\(code) \"\(Character(Unicode.Scalar(b)))\"" : code
    }

    /// `"name"`, cut to 40 characters: messages must stay short even for a 1 MB token.
    private func quoted(_ s: String) -> String {
        s.utf8.count <= 40 ? "\"\(s)\"" : "\"\(s.prefix(40))…\""
    }

    private func describe(_ b: UInt8?) -> String {
        guard let b else { return "the end of the field" }
        if b >= 0x21 && b < 0x7F { return "\"\(Character(Unicode.Scalar(b)))\"" }
        let hex = String(b, radix: 16, uppercase: true)
        return "byte 0x\(hex.count == 1 ? "0" + hex : hex)"
    }
}
