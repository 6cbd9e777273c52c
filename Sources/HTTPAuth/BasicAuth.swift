/// Basic authentication (RFC 7617): encoding, the checks that explain "my password is right but
/// I still get 401", and decoding a received `Basic …` value with byte-exact errors.
///
/// Security: a password never appears in a description, error or `String(describing:)` of any
/// value here — the diagnosis output is shown to people other than the password's owner.

/// How user-id and password are turned into octets before base64.
///
/// RFC 7617 §2.1: without `charset="UTF-8"` the encoding is unspecified; browsers and servers in
/// practice use UTF-8 or ISO-8859-1, and the mismatch is a classic cause of 401 for `£`, `é`, `ü`.
public enum BasicCharset: String, Sendable, Hashable, CaseIterable {
    /// UTF-8, the only charset RFC 7617 lets a server announce (`charset="UTF-8"`).
    case utf8 = "UTF-8"
    /// ISO-8859-1, what many servers and older clients assume when no charset is announced.
    case latin1 = "ISO-8859-1"
}

/// Why Basic credentials could not be encoded.
public enum BasicEncodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// A character above U+00FF cannot be written in ISO-8859-1. `field` is `user` or `password`;
    /// for the password only the position is given, never the character.
    case notRepresentableInLatin1(field: BasicField, characterOffset: Int)

    /// Names the field and the position; the password's character itself is never shown.
    public var description: String {
        switch self {
        case .notRepresentableInLatin1(let field, let offset):
            """
            the \(field.rawValue) has a character at position \(offset) that ISO-8859-1 (Latin-1) cannot encode; \
            use UTF-8
            """
        }
    }
}

/// Which half of the credentials an issue is about.
public enum BasicField: String, Sendable, Hashable {
    /// The user-id, before the first colon.
    case user = "user name"
    /// The password, after the first colon; never echoed in any message.
    case password = "password"
}

/// A user name and password for Basic. `description` masks the password.
public struct BasicCredentials: Sendable, Hashable, CustomStringConvertible, CustomDebugStringConvertible {
    /// The user-id as typed; it must not contain `:` (see `BasicIssue.Kind.colonInUserName`).
    public var user: String
    /// The password as typed. Kept out of `description`, `debugDescription` and every error.
    public var password: String

    /// Pairs a user-id and password for encoding; nothing is validated here — `BasicAuth.inspect` says what would go
    /// wrong.
    public init(user: String, password: String) {
        self.user = user
        self.password = password
    }

    /// `user:password` as octets in `charset`.
    public func octets(charset: BasicCharset) throws(BasicEncodingError) -> [UInt8] {
        switch charset {
        case .utf8:
            return Array(user.utf8) + [UInt8(ascii: ":")] + Array(password.utf8)
        case .latin1:
            return try Self.latin1(user, field: .user) + [UInt8(ascii: ":")] + Self.latin1(password, field: .password)
        }
    }

    /// The token68 part: base64 of `user:password`.
    public func token68(charset: BasicCharset = .utf8) throws(BasicEncodingError) -> String {
        Base64.encode(try octets(charset: charset))
    }

    /// The full `Authorization` value, `Basic <base64>`.
    public func authorizationValue(charset: BasicCharset = .utf8) throws(BasicEncodingError) -> String {
        "Basic " + (try token68(charset: charset))
    }

    /// The `Authorization` value for this challenge: UTF-8 when the server announced
    /// `charset="UTF-8"` (the only value RFC 7617 §2.1 allows), otherwise `fallback`.
    public func authorizationValue(for challenge: Challenge, fallback: BasicCharset = .utf8) throws(BasicEncodingError)
        -> String
    {
        try authorizationValue(charset: BasicAuth.announcedCharset(challenge) ?? fallback)
    }

    /// `user:****`: the password masked, so the value can be logged or shown in a report.
    public var description: String { "\(user):****" }
    /// The debugger's view, with the password masked as in `description`.
    public var debugDescription: String { "BasicCredentials(user: \(user), password: ****)" }

    private static func latin1(_ text: String, field: BasicField) throws(BasicEncodingError) -> [UInt8] {
        var out: [UInt8] = []
        for (offset, scalar) in text.unicodeScalars.enumerated() {
            guard scalar.value <= 0xFF else { throw .notRepresentableInLatin1(field: field, characterOffset: offset) }
            out.append(UInt8(scalar.value))
        }
        return out
    }
}

/// One thing wrong (or risky) with credentials about to be sent with Basic.
public struct BasicIssue: Sendable, Hashable, CustomStringConvertible {
    /// The category of an issue, stable for switching and counting; the raw value is its kebab-case name.
    public enum Kind: String, Sendable, Hashable, CaseIterable {
        /// RFC 7617 §2: the user-id cannot contain ':' — the server splits at the first colon.
        case colonInUserName = "colon-in-user-name"
        /// Non-ASCII while the server did not announce `charset="UTF-8"`: the server may decode
        /// the octets as Latin-1 (or anything else), so the password never matches.
        case nonASCIIWithoutCharset = "non-ascii-without-charset"
        /// Leading space or tab — typically pasted, and sent verbatim.
        case leadingWhitespace = "leading-whitespace"
        /// Trailing space or tab.
        case trailingWhitespace = "trailing-whitespace"
        /// CR or LF anywhere — typically from `$(cat file)` or an env var with a newline.
        case lineBreak = "line-break"
        /// Other control characters, which RFC 7617 §2 forbids in both fields.
        case controlCharacter = "control-character"
        /// An empty user name: almost always a missing `-u user` rather than intent.
        case emptyUserName = "empty-user-name"
    }

    /// What is wrong, as a category to switch on.
    public var kind: Kind
    /// Which half of the credentials the issue is about.
    public var field: BasicField
    /// Human sentence; names the field, never contains the password.
    public var message: String

    /// Records an issue; `message` must not contain the password.
    public init(kind: Kind, field: BasicField, message: String) {
        self.kind = kind
        self.field = field
        self.message = message
    }

    /// The issue's `message`.
    public var description: String { message }
}

/// Why a received `Basic` token68 is malformed (`credentials.malformed`). Never holds the password.
public enum BasicDecodingError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The value is not `Basic <token68>` at all (another scheme, or nothing after `Basic`).
    case notBasic
    /// `Basic` with nothing after it.
    case empty
    /// Not base64; `offset` is the byte in the token68 (see `Base64.DecodingError`).
    case invalidBase64(Base64.DecodingError)
    /// The decoded octets have no ':' — user and password cannot be told apart.
    case missingColon(decodedLength: Int)
    /// The decoded octets are not UTF-8. `offset` is relative to the start of that field.
    /// Every octet string is valid Latin-1, so the description points at that likely cause.
    case invalidUTF8(field: BasicField, offset: Int)

    /// One sentence saying why the value does not decode, without the password or the decoded bytes.
    public var description: String {
        switch self {
        case .notBasic: "the value is not Basic credentials (expected \"Basic <base64>\")"
        case .empty: "nothing follows \"Basic\""
        case .invalidBase64(let error): "the Basic token is not valid base64 at \(error)"
        case .missingColon(let length):
            "the decoded Basic token (\(length) bytes) has no ':' separating user name and password"
        case .invalidUTF8(let field, let offset):
            """
            the \(field.rawValue) is not valid UTF-8 (byte \(offset) of that field); the client probably encoded \
            it as ISO-8859-1
            """
        }
    }
}

/// Basic authentication checks that do not need a `BasicCredentials` value: the announced charset, the issues that
/// explain a 401 despite the right password, and decoding a received `Authorization: Basic …`.
public enum BasicAuth {
    /// `.utf8` when the challenge carries `charset` equal to `UTF-8` (case-insensitive, RFC 7617 §2.1),
    /// nil otherwise (the server left the encoding unspecified).
    public static func announcedCharset(_ challenge: Challenge?) -> BasicCharset? {
        guard let value = challenge?[parameter: "charset"] else { return nil }
        return value.lowercased() == "utf-8" ? .utf8 : nil
    }

    /// Everything about these credentials that could explain a 401 even with the right password.
    /// Pass the Basic challenge the server sent, or nil when none was seen.
    public static func inspect(user: String, password: String, challenge: Challenge?) -> [BasicIssue] {
        var issues: [BasicIssue] = []
        if user.isEmpty {
            issues.append(BasicIssue(kind: .emptyUserName, field: .user, message: "the user name is empty"))
        }
        if let index = user.firstIndex(of: ":") {
            let position = user.distance(from: user.startIndex, to: index)
            issues.append(
                BasicIssue(
                    kind: .colonInUserName, field: .user,
                    message:
                        """
                        the user name contains ':' (at position \(position)); RFC 7617 §2 forbids it because the \
                        server splits user and password at the first colon
                        """
                ))
        }
        let utf8Announced = announcedCharset(challenge) == .utf8
        for (field, text) in [(BasicField.user, user), (.password, password)] {
            if !utf8Announced, text.unicodeScalars.contains(where: { !$0.isASCII }) {
                issues.append(
                    BasicIssue(
                        kind: .nonASCIIWithoutCharset, field: field,
                        message:
                            """
                            the \(field.rawValue) has non-ASCII characters but the server did not announce \
                            charset=\"UTF-8\"; it may decode them as another charset (RFC 7617 §2.1)
                            """
                    ))
            }
            if let first = text.unicodeScalars.first, first == " " || first == "\t" {
                issues.append(
                    BasicIssue(
                        kind: .leadingWhitespace, field: field,
                        message: "the \(field.rawValue) starts with whitespace, which is sent as part of it"))
            }
            let trimmedOfBreaks = String(
                String.UnicodeScalarView(
                    text.unicodeScalars.reversed().drop(while: { $0 == "\r" || $0 == "\n" }).reversed()))
            if let last = trimmedOfBreaks.unicodeScalars.last, last == " " || last == "\t" {
                issues.append(
                    BasicIssue(
                        kind: .trailingWhitespace, field: field,
                        message: "the \(field.rawValue) ends with whitespace, which is sent as part of it"))
            }
            if text.unicodeScalars.contains(where: { $0 == "\r" || $0 == "\n" }) {
                let atEnd = text.unicodeScalars.last == "\n" || text.unicodeScalars.last == "\r"
                issues.append(
                    BasicIssue(
                        kind: .lineBreak, field: field,
                        message:
                            """
                            the \(field.rawValue) contains a line \
                            break\(atEnd ? " at its end (often from reading a file or $(…))" : ""); it is sent as \
                            part of it
                            """
                    ))
            }
            if text.unicodeScalars.contains(where: {
                ($0.value < 0x20 && $0 != "\r" && $0 != "\n" && $0 != "\t") || $0.value == 0x7F
            }) {
                issues.append(
                    BasicIssue(
                        kind: .controlCharacter, field: field,
                        message: "the \(field.rawValue) contains a control character, which RFC 7617 §2 forbids"))
            }
        }
        return issues
    }

    /// Decodes the token68 of a received `Basic` credentials value. Strict UTF-8: a Latin-1 client
    /// shows up as `.invalidUTF8`, which is itself a diagnosis.
    public static func decode(token68: String) -> Result<BasicCredentials, BasicDecodingError> {
        if token68.isEmpty { return .failure(.empty) }
        let bytes: [UInt8]
        switch Base64.decodeReportingError(token68) {
        case .failure(let error): return .failure(.invalidBase64(error))
        case .success(let decoded): bytes = decoded
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else {
            return .failure(.missingColon(decodedLength: bytes.count))
        }
        let userBytes = Array(bytes[..<colon])
        let passwordBytes = Array(bytes[(colon + 1)...])
        if let offset = firstInvalidUTF8Offset(userBytes) {
            return .failure(.invalidUTF8(field: .user, offset: offset))
        }
        if let offset = firstInvalidUTF8Offset(passwordBytes) {
            return .failure(.invalidUTF8(field: .password, offset: offset))
        }
        return .success(
            BasicCredentials(
                user: String(decoding: userBytes, as: UTF8.self),
                password: String(decoding: passwordBytes, as: UTF8.self)))
    }

    /// Decodes a whole `Authorization` value (`Basic dXNlcjpwYXNz`); the scheme is case-insensitive.
    public static func decode(authorization value: String) -> Result<BasicCredentials, BasicDecodingError> {
        let trimmed = value.drop(while: { $0 == " " || $0 == "\t" })
        guard trimmed.lowercased().hasPrefix("basic") else { return .failure(.notBasic) }
        let rest = trimmed.dropFirst(5)
        if rest.isEmpty { return .failure(.empty) }
        guard let first = rest.first, first == " " || first == "\t" else { return .failure(.notBasic) }
        let token = rest.drop(while: { $0 == " " || $0 == "\t" })
        // Trailing whitespace is OWS around the field value, not part of the token.
        let end = token.lastIndex(where: { $0 != " " && $0 != "\t" }).map { token.index(after: $0) } ?? token.startIndex
        return decode(token68: String(token[..<end]))
    }

    /// Byte offset of the first octet that does not start/continue a valid UTF-8 sequence.
    static func firstInvalidUTF8Offset(_ bytes: [UInt8]) -> Int? {
        var decoder = UTF8()
        var iterator = bytes.makeIterator()
        var offset = 0
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar): offset += UTF8.width(scalar)
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}
