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
    }

    public struct MalformedLine: Sendable, Hashable {
        public var line: Int
        /// Why it does not parse; never contains the line's text (only a sanitized user name, if any).
        public var reason: String
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
        for e in entries where e.user != user && e.user.lowercased() == lower && !seen.contains(e.user) { seen.append(e.user) }
        return seen
    }

    // MARK: - Parsing

    /// Parses the bytes of a password file. `kind` nil: htdigest when most entry lines have the
    /// `user:realm:32hex` shape, htpasswd otherwise.
    public static func parse(_ bytes: [UInt8], kind: Kind? = nil) -> PasswordFile {
        let lines = splitLines(bytes)
        let resolved = kind ?? detectKind(bytes, lines: lines)
        var entries: [Entry] = []
        var malformed: [MalformedLine] = []
        var firstLine: [String: Int] = [:]
        var number = 0
        for range in lines {
            number += 1
            var end = range.upperBound
            if end > range.lowerBound, bytes[end - 1] == 13 { end -= 1 }
            let start = range.lowerBound
            let length = end - start
            if number == 1, length >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                malformed.append(MalformedLine(line: 1, reason: "starts with a UTF-8 byte-order mark, which becomes part of the first user name"))
                continue
            }
            if length == 0 || bytes[start] == UInt8(ascii: "#") { continue }
            var blank = true
            var i = start
            while i < end, blank {
                if bytes[i] != 0x20 && bytes[i] != 0x09 { blank = false }
                i += 1
            }
            if blank { continue }
            if length > maximumLineLength {
                malformed.append(MalformedLine(line: number, reason: "\(length) bytes long: longer than the 8 KiB Apache reads per line"))
                continue
            }
            switch parseLine(Array(bytes[start..<end]), kind: resolved) {
            case .failure(let reason):
                malformed.append(MalformedLine(line: number, reason: reason.text))
            case .success(var entry):
                entry.line = number
                let key = entry.user + "\u{0}" + (entry.realm ?? "")
                if let first = firstLine[key] {
                    malformed.append(
                        MalformedLine(
                            line: number,
                            reason: "user \"\(display(entry.user))\"\(entry.realm.map { " in realm \"\(display($0))\"" } ?? "") already has an entry on line \(first); servers use the first one and ignore this line"))
                    continue
                }
                firstLine[key] = number
                entries.append(entry)
            }
        }
        return PasswordFile(kind: resolved, entries: entries, malformed: malformed, lineCount: lines.count)
    }

    struct Reason: Error {
        var text: String
        init(_ text: String) { self.text = text }
    }

    static func parseLine(_ line: [UInt8], kind: Kind) -> Result<Entry, Reason> {
        guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
            return .failure(Reason(looksBinary(line) ? "binary data, not `user:hash`" : "no colon: a line must be `user:hash`"))
        }
        let userBytes = Array(line[..<colon])
        let rest = Array(line[(colon + 1)...])
        if userBytes.isEmpty { return .failure(Reason("empty user name before the colon")) }
        if looksBinary(userBytes) || !isValidUTF8(userBytes) {
            return .failure(Reason("the user name contains control characters or bytes that are not UTF-8"))
        }
        let user = String(decoding: userBytes, as: UTF8.self)
        if userBytes.first == 0x20 || userBytes.first == 0x09 || userBytes.last == 0x20 || userBytes.last == 0x09 {
            return .failure(Reason("the user name \"\(display(user))\" has leading or trailing white space, which becomes part of the name"))
        }
        switch kind {
        case .htdigest:
            guard let colon2 = rest.firstIndex(of: UInt8(ascii: ":")) else {
                return .failure(Reason("user \"\(display(user))\": an htdigest line must be `user:realm:md5hex`"))
            }
            let realmBytes = Array(rest[..<colon2])
            let ha1 = Array(rest[(colon2 + 1)...])
            if looksBinary(realmBytes) || !isValidUTF8(realmBytes) {
                return .failure(Reason("user \"\(display(user))\": the realm contains control characters or bytes that are not UTF-8"))
            }
            guard ha1.count == 32, isHex(ha1, from: 0, lowercaseOnly: true) else {
                let upper = ha1.count == 32 && isHex(ha1, from: 0, lowercaseOnly: false)
                return .failure(Reason("user \"\(display(user))\": the hash must be 32 lowercase hex digits (md5 of user:realm:password)\(upper ? "; uppercase hex never matches" : "")"))
            }
            return .success(Entry(line: 0, user: user, realm: String(decoding: realmBytes, as: UTF8.self), hash: String(decoding: ha1, as: UTF8.self), format: nil))
        case .htpasswd:
            if looksBinary(rest) || !isValidUTF8(rest) {
                return .failure(Reason("user \"\(display(user))\": the hash contains control characters or bytes that are not UTF-8"))
            }
            if isDigestShaped(rest) {
                return .failure(Reason("user \"\(display(user))\": this is an htdigest line (`user:realm:md5hex`) in an htpasswd file; Basic authentication cannot use it"))
            }
            let hash = String(decoding: rest, as: UTF8.self)
            switch PasswordHash.identify(hash) {
            case .malformed(let why): return .failure(Reason("user \"\(display(user))\": \(why)"))
            case .format(let format): return .success(Entry(line: 0, user: user, realm: nil, hash: hash, format: format))
            }
        }
    }

    /// Line ranges split on LF (the CR of a CRLF stays in the range and is dropped by the caller).
    static func splitLines(_ bytes: [UInt8]) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        var start = 0
        bytes.withUnsafeBufferPointer { buffer in
            for i in 0..<buffer.count where buffer[i] == 10 {
                ranges.append(start..<i)
                start = i + 1
            }
        }
        if start < bytes.count { ranges.append(start..<bytes.count) }
        return ranges
    }

    static func detectKind(_ bytes: [UInt8], lines: [Range<Int>]) -> Kind {
        var digest = 0
        var other = 0
        for range in lines.prefix(1000) {
            var line = bytes[range]
            if line.last == 13 { line = line.dropLast() }
            if line.isEmpty || line.first == UInt8(ascii: "#") { continue }
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            if isDigestShaped(Array(line[(colon + 1)...])) { digest += 1 } else { other += 1 }
        }
        return digest > other ? .htdigest : .htpasswd
    }

    /// `realm:32hex` (what follows the user in an htdigest line).
    static func isDigestShaped(_ rest: [UInt8]) -> Bool {
        guard rest.count >= 33, rest[rest.count - 33] == UInt8(ascii: ":") else { return false }
        return isHex(rest, from: rest.count - 32, lowercaseOnly: false)
    }

    static func isHex(_ bytes: [UInt8], from start: Int, lowercaseOnly: Bool) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var i = start
            while i < buffer.count {
                let b = buffer[i]
                let ok = (b >= 48 && b <= 57) || (b >= 97 && b <= 102) || (!lowercaseOnly && b >= 65 && b <= 70)
                if !ok { return false }
                i += 1
            }
            return true
        }
    }

    // Plain loops over a buffer: a 10⁶-line file must lint in seconds even in a debug build, where
    // generic `contains(where:)` is not specialised.
    static func looksBinary(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var i = 0
            while i < buffer.count {
                let b = buffer[i]
                if (b < 0x20 && b != 0x09) || b == 0x7F { return true }
                i += 1
            }
            return false
        }
    }

    static func isASCII(_ bytes: [UInt8]) -> Bool {
        bytes.withUnsafeBufferPointer { buffer in
            var i = 0
            while i < buffer.count {
                if buffer[i] >= 0x80 { return false }
                i += 1
            }
            return true
        }
    }

    static func isValidUTF8(_ bytes: [UInt8]) -> Bool {
        if isASCII(bytes) { return true }
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
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

    /// Looks `user` up (in `realm` for htdigest; with no realm the user's first entry) and verifies `password`.
    public static func run(_ file: PasswordFile, user: String, realm: String?, password: String) -> PasswordCheck {
        let length = password.utf8.count
        guard let entry = file.entry(user: user, realm: realm) else {
            return PasswordCheck(user: user, realm: realm, result: .userNotFound, passwordLength: length)
        }
        let verdict: PasswordVerdict
        switch file.kind {
        case .htdigest:
            verdict = PasswordHash.verifyDigest(password, user: entry.user, realm: entry.realm ?? "", ha1: entry.hash)
        case .htpasswd:
            verdict = PasswordHash.verify(password, against: entry.hash)
        }
        return PasswordCheck(user: user, realm: entry.realm ?? realm, result: .checked(entry, verdict), passwordLength: length)
    }
}
