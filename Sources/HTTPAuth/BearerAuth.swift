/// Bearer tokens (RFC 6750) and protected-resource metadata discovery (RFC 9728).
///
/// Why: a Bearer 401 carries its reason in the challenge (`error=invalid_token`,
/// `insufficient_scope`, …) and many "my token is fine" cases are really a malformed header
/// (`Bearer Bearer …`, quotes, a trailing newline from a file). Descriptions never contain the
/// token: it is a secret.

/// A `WWW-Authenticate: Bearer …` challenge with the RFC 6750 §3 / RFC 9728 §5.1 attributes typed.
public struct BearerChallenge: Sendable, Hashable {
    /// RFC 6750 §3.1 error codes; `other` keeps extension codes (and misspellings) verbatim.
    public enum ErrorCode: Sendable, Hashable, CustomStringConvertible {
        /// Malformed request — answer is 400 per RFC 6750, a 401 with it is itself odd.
        case invalidRequest
        /// Token expired, revoked, malformed or for another audience: get a new token.
        case invalidToken
        /// Valid token, not enough scope — a 403 per RFC 6750 §3.1; re-authorization won't help without more scope.
        case insufficientScope
        /// Any other code, kept verbatim (an extension code or a misspelling worth showing as sent).
        case other(String)

        /// Reads an `error` parameter value; unknown codes become `.other` rather than failing.
        public init(rawValue: String) {
            switch rawValue {
            case "invalid_request": self = .invalidRequest
            case "invalid_token": self = .invalidToken
            case "insufficient_scope": self = .insufficientScope
            default: self = .other(rawValue)
            }
        }

        /// The code as it appears on the wire (`invalid_token`).
        public var rawValue: String {
            switch self {
            case .invalidRequest: "invalid_request"
            case .invalidToken: "invalid_token"
            case .insufficientScope: "insufficient_scope"
            case .other(let value): value
            }
        }

        /// The wire form, as `rawValue`.
        public var description: String { rawValue }
    }

    /// The challenge as received.
    public var challenge: Challenge

    /// Nil when the challenge is not Bearer (scheme compared case-insensitively).
    public init?(_ challenge: Challenge) {
        guard challenge.isScheme("Bearer") else { return nil }
        self.challenge = challenge
    }

    /// The `realm` parameter: which protection space the token is for, when the server names one.
    public var realm: String? { challenge.realm }
    /// `error`; nil when absent (RFC 6750 §3.1: a request without token gets no error code).
    public var error: ErrorCode? { challenge[parameter: "error"].map(ErrorCode.init(rawValue:)) }
    /// `error_description`: the server's own words for why the token was refused; often the most direct clue.
    public var errorDescription: String? { challenge[parameter: "error_description"] }
    /// `error_uri`: a page the server offers that explains the error.
    public var errorURI: String? { challenge[parameter: "error_uri"] }
    /// `scope` split on spaces (RFC 6750 §3: space-delimited, case-sensitive); empty when absent or `scope=""`.
    public var scope: [String] {
        (challenge[parameter: "scope"] ?? "").split(separator: " ", omittingEmptySubsequences: true).map(String.init)
    }
    /// RFC 9728 §5.1 `resource_metadata`: URL of the protected resource metadata to follow.
    public var resourceMetadata: String? { challenge[parameter: "resource_metadata"] }
}

/// One thing wrong with a Bearer token as it would be sent.
public struct BearerTokenIssue: Sendable, Hashable, CustomStringConvertible {
    /// The category of a token issue, stable for switching and counting; the raw value is its kebab-case name.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// Nothing after `Bearer`.
        case empty = "empty"
        /// `Bearer Bearer xyz`: the token variable already held the scheme.
        case doubledScheme = "doubled-scheme"
        /// `"xyz"` or `'xyz'`: quotes copied from JSON or a shell, sent as part of the token.
        case quoted = "quoted"
        /// Leading or trailing spaces/tabs around the token.
        case surroundingWhitespace = "surrounding-whitespace"
        /// A space or tab inside the token (b64token has none; the server sees only the first part).
        case innerWhitespace = "inner-whitespace"
        /// CR or LF anywhere — typically a trailing newline from a file or `$(…)`.
        case lineBreak = "line-break"
        /// A character outside RFC 6750 §2.1 b64token.
        case invalidCharacter = "invalid-character"
        /// `=` somewhere other than the end (b64token allows `=` only as trailing padding).
        case misplacedPadding = "misplaced-padding"
    }

    /// What is wrong, as a category to switch on.
    public var kind: Kind
    /// UTF-8 byte offset in the inspected string where the problem starts, when there is one place.
    public var offset: Int?
    /// Human sentence; never contains the token.
    public var message: String

    /// Records an issue; `message` must not contain the token.
    public init(kind: Kind, offset: Int?, message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    /// The issue's `message`.
    public var description: String { message }
}

/// Checks on a Bearer token as the client would send it: the b64token grammar and the copy-paste mistakes (doubled
/// scheme, quotes, whitespace, newlines) that make a good token fail.
public enum BearerAuth {
    /// RFC 6750 §2.1 b64token body characters (before trailing `=`).
    public static func isB64TokenCharacter(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "+"),
            UInt8(ascii: "/"):
            true
        default: false
        }
    }

    /// Whether `token` is exactly `1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="`.
    public static func isValidB64Token(_ token: String) -> Bool {
        let bytes = Array(token.utf8)
        let body = bytes.prefix(while: isB64TokenCharacter)
        return !body.isEmpty && bytes[body.count...].allSatisfy { $0 == UInt8(ascii: "=") }
    }

    /// `Bearer <token>`.
    public static func authorizationValue(token: String) -> String { "Bearer " + token }

    /// Inspects the token the user would send after `Bearer ` (exactly as given: not trimmed).
    /// Offsets are UTF-8 byte offsets into `token`.
    public static func inspect(token: String) -> [BearerTokenIssue] {
        let bytes = Array(token.utf8)
        var issues: [BearerTokenIssue] = []
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x09 }
        let isBreak: (UInt8) -> Bool = { $0 == 0x0D || $0 == 0x0A }

        // Trimmed view: what the token "really" is, to look at quotes and inner characters.
        var start = 0
        var end = bytes.count
        while start < end, isSpace(bytes[start]) || isBreak(bytes[start]) { start += 1 }
        while end > start, isSpace(bytes[end - 1]) || isBreak(bytes[end - 1]) { end -= 1 }

        if start == end {
            issues.append(
                BearerTokenIssue(
                    kind: .empty, offset: nil,
                    message: bytes.isEmpty ? "the Bearer token is empty" : "the Bearer token is only whitespace"))
            if bytes.contains(where: isBreak) {
                issues.append(
                    BearerTokenIssue(
                        kind: .lineBreak, offset: bytes.firstIndex(where: isBreak),
                        message: "the Bearer token contains a line break"))
            }
            return issues
        }

        if bytes[..<start].contains(where: isSpace) || bytes[end...].contains(where: isSpace) {
            issues.append(
                BearerTokenIssue(
                    kind: .surroundingWhitespace, offset: bytes[..<start].contains(where: isSpace) ? 0 : end,
                    message: "the Bearer token has spaces or tabs around it, which are sent as part of the header"))
        }
        if let breakOffset = bytes.firstIndex(where: isBreak) {
            let trailing = breakOffset >= end
            issues.append(
                BearerTokenIssue(
                    kind: .lineBreak, offset: breakOffset,
                    message: "the Bearer token contains a line break at byte \(breakOffset)"
                        + (trailing ? " (at its end: often read from a file or $(…) without trimming)" : "")
                ))
        }

        var core = Array(bytes[start..<end])
        var coreStart = start

        // `Bearer Bearer xyz`: the value starts with the scheme word again.
        let schemeWord = Array("bearer".utf8)
        if core.count >= schemeWord.count,
            zip(core.prefix(schemeWord.count), schemeWord).allSatisfy({ ($0 | 0x20) == $1 }),
            core.count == schemeWord.count || isSpace(core[schemeWord.count])
        {
            issues.append(
                BearerTokenIssue(
                    kind: .doubledScheme, offset: coreStart,
                    message:
                        """
                        the token starts with the word \"Bearer\", so the header reads \"Bearer Bearer …\"; send \
                        the token alone after one \"Bearer \"
                        """
                ))
            var skip = schemeWord.count
            while skip < core.count, isSpace(core[skip]) { skip += 1 }
            coreStart += skip
            core = Array(core[skip...])
            if core.isEmpty {
                issues.append(
                    BearerTokenIssue(kind: .empty, offset: nil, message: "nothing follows the repeated \"Bearer\""))
                return issues
            }
        }

        // Quotes around the token.
        if let first = core.first, let last = core.last, core.count >= 2,
            (first == UInt8(ascii: "\"") && last == UInt8(ascii: "\""))
                || (first == UInt8(ascii: "'") && last == UInt8(ascii: "'"))
        {
            issues.append(
                BearerTokenIssue(
                    kind: .quoted, offset: coreStart,
                    message:
                        """
                        the Bearer token is wrapped in \(first == UInt8(ascii: "\"") ? "double" : "single") \
                        quotes, which are sent as part of it (RFC 6750 tokens are never quoted)
                        """
                ))
            core = Array(core[1..<(core.count - 1)])
            coreStart += 1
        } else if let first = core.first, first == UInt8(ascii: "\"") || first == UInt8(ascii: "'") {
            issues.append(
                BearerTokenIssue(
                    kind: .quoted, offset: coreStart,
                    message: "the Bearer token starts with a quote character, which is sent as part of it"))
            core.removeFirst()
            coreStart += 1
        } else if let last = core.last, last == UInt8(ascii: "\"") || last == UInt8(ascii: "'") {
            issues.append(
                BearerTokenIssue(
                    kind: .quoted, offset: coreStart + core.count - 1,
                    message: "the Bearer token ends with a quote character, which is sent as part of it"))
            core.removeLast()
        }

        if let inner = core.firstIndex(where: isSpace) {
            issues.append(
                BearerTokenIssue(
                    kind: .innerWhitespace, offset: coreStart + inner,
                    message:
                        "the Bearer token has a space or tab at byte \(coreStart + inner); a server reads only up to it"
                ))
        }

        // Remaining characters against b64token (whitespace, breaks and quotes already reported).
        let paddingStart = core.lastIndex(where: { $0 != UInt8(ascii: "=") }).map { $0 + 1 } ?? 0
        var invalidCount = 0
        var firstInvalid: (offset: Int, byte: UInt8)? = nil
        var firstMisplacedPadding: Int? = nil
        var index = 0
        while index < core.count {
            let byte = core[index]
            if byte == UInt8(ascii: "=") {
                if index < paddingStart, firstMisplacedPadding == nil { firstMisplacedPadding = coreStart + index }
            } else if !isB64TokenCharacter(byte) && !isSpace(byte) && !isBreak(byte) {
                invalidCount += 1
                if firstInvalid == nil { firstInvalid = (coreStart + index, byte) }
            }
            index += 1
        }
        if let firstInvalid {
            // Name the kind of character only: the token itself is a secret.
            let what: String
            if firstInvalid.byte >= 0x80 {
                what = "a non-ASCII character"
            } else if firstInvalid.byte < 0x20 || firstInvalid.byte == 0x7F {
                what = "a control character (\(String(format0x: firstInvalid.byte)))"
            } else {
                what = "'\(Character(Unicode.Scalar(firstInvalid.byte)))'"
            }
            issues.append(
                BearerTokenIssue(
                    kind: .invalidCharacter, offset: firstInvalid.offset,
                    message:
                        """
                        the Bearer token has \(invalidCount) character\(invalidCount == 1 ? "" : "s") outside the \
                        RFC 6750 b64token set; the first is \(what) at byte \(firstInvalid.offset)
                        """
                ))
        }
        if let firstMisplacedPadding {
            issues.append(
                BearerTokenIssue(
                    kind: .misplacedPadding, offset: firstMisplacedPadding,
                    message:
                        """
                        the Bearer token has '=' at byte \(firstMisplacedPadding), but b64token allows '=' only at \
                        the end
                        """
                ))
        }
        if core.isEmpty || (paddingStart == 0 && !core.isEmpty) {
            issues.append(
                BearerTokenIssue(
                    kind: .empty, offset: nil, message: "the Bearer token has no content besides quotes or padding"))
        }
        return issues
    }

    /// Inspects a whole `Authorization` value (`Bearer xyz`): strips one scheme word, then
    /// inspects the rest with `inspect(token:)`; offsets stay relative to the token part.
    public static func inspect(authorization value: String) -> [BearerTokenIssue] {
        let bytes = Array(value.utf8)
        var i = 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 { i += 1 }
        let word = Array("bearer".utf8)
        guard bytes.count - i >= word.count, zip(bytes[i..<(i + word.count)], word).allSatisfy({ ($0 | 0x20) == $1 })
        else {
            return inspect(token: value)
        }
        i += word.count
        if i < bytes.count, bytes[i] == 0x20 { i += 1 }  // the one separating space
        return inspect(token: String(decoding: bytes[i...], as: UTF8.self))
    }
}
