// htpasswd (`user:hash`) and htdigest (`user:realm:md5hex`) files, parsed the way Apache's
// mod_authn_file / mod_auth_digest and nginx's auth_basic read them: one entry a line, `#` comments
// and blank lines skipped, a CRLF line end tolerated, the first entry for a user wins.
//
// Hostile input (binary garbage, a 1 MB line, 10⁶ lines) gives malformed-line records with line
// numbers, never a crash. Nothing here keeps or reports the text of a bad line: in a plain-text
// file that text may be a password.

/// A parsed password file.
public struct PasswordFile: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// `user:hash` (Basic: Apache AuthUserFile, nginx auth_basic_user_file).
        case htpasswd
        /// `user:realm:md5hex` (Apache mod_auth_digest AuthDigestFile / AuthUserFile).
        case htdigest
    }

    public struct Entry: Sendable, Hashable {
        /// 1-based line number.
        public var line: Int
        public var user: String
        /// htdigest only.
        public var realm: String?
        /// The stored hash (htdigest: the 32 hex digits). Never printed: for plain-text entries it is the password.
        public var hash: String
        /// The format (htpasswd), or nil for htdigest entries.
        public var format: PasswordHashFormat?

        public init(line: Int, user: String, realm: String? = nil, hash: String, format: PasswordHashFormat?) {
            self.line = line
            self.user = user
            self.realm = realm
            self.hash = hash
            self.format = format
        }
    }

    public struct MalformedLine: Sendable, Hashable {
        public var line: Int
        /// Why it does not parse; never contains the line's text (only a sanitized user name, if any).
        public var reason: String

        public init(line: Int, reason: String) {
            self.line = line
            self.reason = reason
        }
    }

    public var kind: Kind
    public var entries: [Entry]
    public var malformed: [MalformedLine]
    /// Number of lines in the file (a final line without newline counts).
    public var lineCount: Int

    /// Apache reads user-file lines into an 8 KiB buffer (MAX_STRING_LEN); no hash is that long.
    public static let maximumLineLength = 8192

    public init(kind: Kind, entries: [Entry], malformed: [MalformedLine], lineCount: Int) {
        self.kind = kind
        self.entries = entries
        self.malformed = malformed
        self.lineCount = lineCount
    }

    /// The first entry for `user` (and `realm`, for htdigest when given): the one servers use.
    public func entry(user: String, realm: String? = nil) -> Entry? {
        entries.first { $0.user == user && (realm == nil || $0.realm == realm) }
    }

    /// Realms in which `user` appears (htdigest).
    public func realms(of user: String) -> [String] {
        var seen: [String] = []
        for e in entries where e.user == user { if let r = e.realm, !seen.contains(r) { seen.append(r) } }
        return seen
    }

    /// Users whose name differs from `user` only in case (servers compare byte for byte).
    public func caseVariants(of user: String) -> [String] {
        let lower = user.lowercased()
        var seen: [String] = []
        for e in entries where e.user != user && e.user.lowercased() == lower && !seen.contains(e.user) {
            seen.append(e.user)
        }
        return seen
    }

    /// A user name for messages: at most 64 characters, control characters escaped.
    public static func display(_ name: String) -> String {
        var out = ""
        for scalar in name.unicodeScalars.prefix(64) {
            if scalar.value < 0x20 || scalar.value == 0x7F || (0x80...0x9F).contains(scalar.value) {
                out += "\\x" + String(scalar.value, radix: 16)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return name.unicodeScalars.count > 64 ? out + "…" : out
    }
}

/// The outcome of checking one user's password against a parsed file. Holds no password: only its
/// length, which the DES-crypt finding needs ("only the first 8 of your 11 characters count").
public struct PasswordCheck: Sendable, Hashable {
    public enum Result: Sendable, Hashable {
        /// No entry for the user (in the realm, for htdigest).
        case userNotFound
        /// The first entry for the user, and what checking the password against it gave.
        case checked(PasswordFile.Entry, PasswordVerdict)
    }

    public var user: String
    public var realm: String?
    public var result: Result
    /// UTF-8 bytes in the password that was checked.
    public var passwordLength: Int

    public init(user: String, realm: String?, result: Result, passwordLength: Int) {
        self.user = user
        self.realm = realm
        self.result = result
        self.passwordLength = passwordLength
    }
}
