// Password hashes as they appear in htpasswd files: which format a stored hash is, whether Apache
// httpd and nginx can use it, and offline verification of a password against it.
//
// Libraries where they exist: the system's libxcrypt (crypt_r) for `$1$ $5$ $6$ $2y$ $2b$ $2a$ $y$` and
// DES crypt; swift-crypto for SHA-1. `$apr1$` (Apache's MD5 crypt) is in no library we can use, so
// it is written here on swift-crypto's Insecure.MD5, next to the generic md5-crypt it is a variant of.
import CCrypt
import CredentialModel
import Crypto
import HTTPAuth
import HTTPDigest

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

public enum PasswordHash {
    static let cryptAlphabet = Array("./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".utf8)
    static let cryptAlphabetSet = Set(cryptAlphabet)

    /// Identifies the format of a stored hash (the part after `user:`).
    public static func identify(_ hash: String) -> PasswordHashShape {
        let bytes = Array(hash.utf8)
        if bytes.isEmpty { return .malformed("the hash is empty") }
        var control = false
        var space = false
        bytes.withUnsafeBufferPointer { buffer in
            for b in buffer {
                if b < 0x20 || b == 0x7F { control = true }
                if b == 0x20 { space = true }
            }
        }
        if control { return .malformed("the hash contains control characters") }
        if space { return .malformed("the hash contains spaces") }
        if hash.hasPrefix("{SHA}") {
            // 28 base64 characters, the last one '=' (20 bytes); decoding is left to verify().
            guard bytes.count == 33, bytes[32] == UInt8(ascii: "="), isBase64(bytes, from: 5, to: 32) else {
                return .malformed("{SHA} must be followed by 28 base64 characters (a 20-byte SHA-1)")
            }
            return .format(.sha1)
        }
        if hash.hasPrefix("{SSHA}") {
            guard let raw = Base64.decode(String(hash.dropFirst(6))), raw.count > 20 else {
                return .malformed("{SSHA} must be followed by base64 of a 20-byte SHA-1 and a salt")
            }
            return .format(.ssha)
        }
        if hash.hasPrefix("{PLAIN}") { return .format(.plainTagged) }
        if hash.hasPrefix("{") {
            return .malformed("unknown {SCHEME} prefix: Apache knows only {SHA}; nginx {SHA}, {SSHA} and {PLAIN}")
        }
        if hash.hasPrefix("$apr1$") || hash.hasPrefix("$1$") {
            let isAPR = hash.hasPrefix("$apr1$")
            let parts = hash.split(separator: "$", omittingEmptySubsequences: false)
            // ["", "apr1", salt, digest]
            guard parts.count == 4, (1...8).contains(parts[2].utf8.count), parts[3].utf8.count == 22,
                parts[3].utf8.allSatisfy({ cryptAlphabetSet.contains($0) })
            else {
                return .malformed(
                    "\(isAPR ? "$apr1$" : "$1$") must be followed by a salt of 1-8 characters, '$' and 22 characters")
            }
            return .format(isAPR ? .apr1 : .md5Crypt)
        }
        if hash.hasPrefix("$2y$") || hash.hasPrefix("$2b$") || hash.hasPrefix("$2a$") {
            // $2y$NN$ + 22 salt + 31 hash = 60
            let cost = Array(bytes[4..<min(bytes.count, 6)])
            guard bytes.count == 60, bytes.count > 6, bytes[6] == UInt8(ascii: "$"),
                cost.allSatisfy({ (48...57).contains($0) }),
                let c = Int(String(decoding: cost, as: UTF8.self)), (4...31).contains(c),
                bytes[7...].allSatisfy({ cryptAlphabetSet.contains($0) })
            else {
                return .malformed("bcrypt hashes are 60 characters: $2y$, a two-digit cost 04-31, '$', 53 characters")
            }
            return .format(.bcrypt)
        }
        if hash.hasPrefix("$5$") || hash.hasPrefix("$6$") {
            // $5$[rounds=N$]salt$digest — salt up to 16 characters, digest 43 ($5$) or 86 ($6$).
            let is256 = hash.hasPrefix("$5$")
            var parts = hash.split(separator: "$", omittingEmptySubsequences: false).dropFirst(2)
            if parts.first?.hasPrefix("rounds=") == true { parts = parts.dropFirst() }
            guard parts.count == 2, let salt = parts.first, let digest = parts.last, salt.utf8.count <= 16,
                digest.utf8.count == (is256 ? 43 : 86), digest.utf8.allSatisfy({ cryptAlphabetSet.contains($0) }),
                checksalt(hash)
            else {
                return .malformed(
                    """
                    this \(is256 ? "$5$ (SHA-256" : "$6$ (SHA-512") crypt) hash is cut or damaged: expected salt, \
                    '$' and \(is256 ? 43 : 86) characters
                    """
                )
            }
            return .format(is256 ? .sha256Crypt : .sha512Crypt)
        }
        if hash.hasPrefix("$") {
            // Other $id$ schemes ($y$ yescrypt, $gy$, $7$…): whatever the system's crypt(3) knows.
            guard checksalt(hash) else { return .malformed("unknown $id$ scheme: not one the system's crypt(3) knows") }
            return .format(.systemCrypt)
        }
        if bytes.count == 13, bytes.allSatisfy({ cryptAlphabetSet.contains($0) }) { return .format(.desCrypt) }
        return .format(.plainText)
    }

    /// Verifies `password` against `hash`. `$apr1$`, `{SHA}`, `{SSHA}`, `{PLAIN}` and plain text are
    /// computed here; the rest through libxcrypt's crypt_r. Comparison is constant-time.
    public static func verify(_ password: String, against hash: String) -> PasswordVerdict {
        guard case .format(let format) = identify(hash) else { return .unverifiable }
        let pw = Array(password.utf8)
        switch format {
        case .apr1, .md5Crypt:
            let magic = format == .apr1 ? "$apr1$" : "$1$"
            let parts = hash.split(separator: "$", omittingEmptySubsequences: false)
            let computed = md5Crypt(password: pw, salt: Array(parts[2].utf8), magic: Array(magic.utf8))
            return equal(Array(computed.utf8), Array(hash.utf8)) ? .match : .mismatch
        case .sha1:
            let digest = Array(Insecure.SHA1.hash(data: pw))
            return equal(Array(("{SHA}" + Base64.encode(digest)).utf8), Array(hash.utf8)) ? .match : .mismatch
        case .ssha:
            guard let raw = Base64.decode(String(hash.dropFirst(6))), raw.count > 20 else { return .unverifiable }
            let salt = Array(raw[20...])
            let digest = Array(Insecure.SHA1.hash(data: pw + salt))
            return equal(digest, Array(raw[0..<20])) ? .match : .mismatch
        case .plainTagged:
            return equal(pw, Array(hash.utf8.dropFirst(7))) ? .match : .mismatch
        case .plainText:
            return equal(pw, Array(hash.utf8)) ? .match : .mismatch
        case .bcrypt:
            if let computed = crypt(password, setting: hash) {
                return equal(Array(computed.utf8), Array(hash.utf8)) ? .match : .mismatch
            }
            // A libxcrypt built without $2a$ refuses it; $2a$ and $2b$ compute the same hash for
            // passwords shorter than 255 bytes (the $2a$ wraparound bug needs longer ones), so check
            // it as $2b$ and compare everything after the prefix.
            guard hash.hasPrefix("$2a$"), let computed = crypt(password, setting: "$2b$" + hash.dropFirst(4)) else {
                return .unverifiable
            }
            return equal(Array(computed.utf8.dropFirst(4)), Array(hash.utf8.dropFirst(4))) ? .match : .mismatch
        case .sha256Crypt, .sha512Crypt, .systemCrypt, .desCrypt:
            guard let computed = crypt(password, setting: hash) else { return .unverifiable }
            return equal(Array(computed.utf8), Array(hash.utf8)) ? .match : .mismatch
        }
    }

    /// `md5hex(user:realm:password)` — the HA1 an htdigest line stores.
    public static func digestHA1(user: String, realm: String, password: String) -> String {
        hex(Array(Insecure.MD5.hash(data: Array("\(user):\(realm):\(password)".utf8))))
    }

    /// Verifies an htdigest entry: the stored value must equal `md5hex(user:realm:password)`
    /// (lowercase, as htdigest writes it and as Apache compares it).
    public static func verifyDigest(_ password: String, user: String, realm: String, ha1: String) -> PasswordVerdict {
        equal(Array(digestHA1(user: user, realm: realm, password: password).utf8), Array(ha1.utf8)) ? .match : .mismatch
    }

    // MARK: - md5-crypt / APR1

    /// Poul-Henning Kamp's md5-crypt with the given magic: `$1$` is the original, `$apr1$` is Apache's
    /// variant (identical algorithm, different magic string). Returns `magic + salt + "$" + 22 chars`.
    public static func md5Crypt(password pw: [UInt8], salt rawSalt: [UInt8], magic: [UInt8]) -> String {
        let salt = Array(rawSalt.prefix(while: { $0 != UInt8(ascii: "$") }).prefix(8))
        var alternate = Insecure.MD5()
        alternate.update(data: pw + salt + pw)
        let alt = Array(alternate.finalize())

        var ctx = Insecure.MD5()
        ctx.update(data: pw + magic + salt)
        var left = pw.count
        while left > 0 {
            ctx.update(data: alt[0..<min(16, left)])
            left -= 16
        }
        var i = pw.count
        while i > 0 {
            ctx.update(data: (i & 1) != 0 ? [0] : [pw.first ?? 0])
            i >>= 1
        }
        var final = Array(ctx.finalize())
        for round in 0..<1000 {
            var c = Insecure.MD5()
            c.update(data: (round & 1) != 0 ? pw : final)
            if round % 3 != 0 { c.update(data: salt) }
            if round % 7 != 0 { c.update(data: pw) }
            c.update(data: (round & 1) != 0 ? final : pw)
            final = Array(c.finalize())
        }
        var out = magic + salt + [UInt8(ascii: "$")]
        func to64(_ value: UInt32, _ count: Int) {
            var v = value
            for _ in 0..<count {
                out.append(cryptAlphabet[Int(v & 0x3F)])
                v >>= 6
            }
        }
        for (a, b, c) in [(0, 6, 12), (1, 7, 13), (2, 8, 14), (3, 9, 15), (4, 10, 5)] {
            to64(UInt32(final[a]) << 16 | UInt32(final[b]) << 8 | UInt32(final[c]), 4)
        }
        to64(UInt32(final[11]), 2)
        return String(decoding: out, as: UTF8.self)
    }

    // MARK: - crypt(3)

    /// crypt_r with a heap-allocated `struct crypt_data` (32 KiB: too big for a thread's stack),
    /// zeroed before and after. nil when libxcrypt returns its failure string (`*0`/`*1`) or NULL.
    static func crypt(_ password: String, setting: String) -> String? {
        let size = MemoryLayout<crypt_data>.size
        guard let raw = calloc(1, size) else { return nil }
        defer {
            memset(raw, 0, size)
            free(raw)
        }
        let data = raw.bindMemory(to: crypt_data.self, capacity: 1)
        let result: String? = password.withCString { pw in
            setting.withCString { st in
                guard let out = crypt_r(pw, st, data), out.pointee != 0, out.pointee != CChar(UInt8(ascii: "*")) else {
                    return nil
                }
                return String(cString: out)
            }
        }
        return result
    }

    /// Whether libxcrypt accepts `setting` as a hash of a scheme it supports (`crypt_checksalt`).
    static func checksalt(_ setting: String) -> Bool {
        // LEGACY ($1$, $5$, DES) and TOO_CHEAP are still computed; INVALID and DISABLED are not.
        let status = setting.withCString { crypt_checksalt($0) }
        return status == CRYPT_SALT_OK || status == CRYPT_SALT_METHOD_LEGACY || status == CRYPT_SALT_TOO_CHEAP
    }

    // MARK: - Helpers

    static func isBase64(_ bytes: [UInt8], from start: Int, to end: Int) -> Bool {
        var i = start
        while i < end {
            let b = bytes[i]
            let ok = (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || (b >= 48 && b <= 57) || b == 43 || b == 47
            if !ok { return false }
            i += 1
        }
        return true
    }

    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
