import CredentialModel

// Reading a password file's bytes into `PasswordFile` (which needs `PasswordHash.identify`, and so the
// system's crypt(3) for the schemes it knows) and checking a password against it.

extension PasswordFile {
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
                malformed.append(
                    MalformedLine(
                        line: 1,
                        reason: "starts with a UTF-8 byte-order mark, which becomes part of the first user name"))
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
                malformed.append(
                    MalformedLine(
                        line: number, reason: "\(length) bytes long: longer than the 8 KiB Apache reads per line"))
                continue
            }
            switch parseLine(Array(bytes[start..<end]), kind: resolved) {
            case .failure(let reason):
                malformed.append(MalformedLine(line: number, reason: reason.text))
            case .success(var entry):
                entry.line = number
                let key = entry.user + "\u{0}" + (entry.realm ?? "")
                if let first = firstLine[key] {
                    let realm = entry.realm.map { " in realm \"\(display($0))\"" } ?? ""
                    malformed.append(
                        MalformedLine(
                            line: number,
                            reason: """
                                user "\(display(entry.user))"\(realm) \
                                already has an entry on line \(first); servers use the first one and ignore this line
                                """
                        ))
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
            return .failure(
                Reason(looksBinary(line) ? "binary data, not `user:hash`" : "no colon: a line must be `user:hash`"))
        }
        let userBytes = Array(line[..<colon])
        let rest = Array(line[(colon + 1)...])
        if userBytes.isEmpty { return .failure(Reason("empty user name before the colon")) }
        if looksBinary(userBytes) || !isValidUTF8(userBytes) {
            return .failure(Reason("the user name contains control characters or bytes that are not UTF-8"))
        }
        let user = String(decoding: userBytes, as: UTF8.self)
        if userBytes.first == 0x20 || userBytes.first == 0x09 || userBytes.last == 0x20 || userBytes.last == 0x09 {
            return .failure(
                Reason(
                    """
                    the user name \"\(display(user))\" has leading or trailing white space, which becomes part of \
                    the name
                    """
                ))
        }
        switch kind {
        case .htdigest:
            guard let colon2 = rest.firstIndex(of: UInt8(ascii: ":")) else {
                return .failure(Reason("user \"\(display(user))\": an htdigest line must be `user:realm:md5hex`"))
            }
            let realmBytes = Array(rest[..<colon2])
            let ha1 = Array(rest[(colon2 + 1)...])
            if looksBinary(realmBytes) || !isValidUTF8(realmBytes) {
                return .failure(
                    Reason(
                        "user \"\(display(user))\": the realm contains control characters or bytes that are not UTF-8"))
            }
            guard ha1.count == 32, isHex(ha1, from: 0, lowercaseOnly: true) else {
                let upper = ha1.count == 32 && isHex(ha1, from: 0, lowercaseOnly: false)
                return .failure(
                    Reason(
                        """
                        user \"\(display(user))\": the hash must be 32 lowercase hex digits (md5 of \
                        user:realm:password)\(upper ? "; uppercase hex never matches" : "")
                        """
                    ))
            }
            return .success(
                Entry(
                    line: 0, user: user, realm: String(decoding: realmBytes, as: UTF8.self),
                    hash: String(decoding: ha1, as: UTF8.self), format: nil))
        case .htpasswd:
            if looksBinary(rest) || !isValidUTF8(rest) {
                return .failure(
                    Reason(
                        "user \"\(display(user))\": the hash contains control characters or bytes that are not UTF-8"))
            }
            if isDigestShaped(rest) {
                return .failure(
                    Reason(
                        """
                        user \"\(display(user))\": this is an htdigest line (`user:realm:md5hex`) in an htpasswd \
                        file; Basic authentication cannot use it
                        """
                    ))
            }
            let hash = String(decoding: rest, as: UTF8.self)
            switch PasswordHash.identify(hash) {
            case .malformed(let why): return .failure(Reason("user \"\(display(user))\": \(why)"))
            case .format(let format):
                return .success(Entry(line: 0, user: user, realm: nil, hash: hash, format: format))
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
}

extension PasswordCheck {
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
        return PasswordCheck(
            user: user, realm: entry.realm ?? realm, result: .checked(entry, verdict), passwordLength: length)
    }
}
