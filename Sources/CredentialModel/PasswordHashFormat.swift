// The formats of a stored htpasswd hash and what Apache httpd and nginx make of them, as values.
// Identifying and verifying a hash (libxcrypt, swift-crypto) is `PasswordHash` in Credentials.

/// A web server that reads htpasswd files.
public enum PasswordServer: String, Sendable, Hashable, CaseIterable, Codable {
    case apache
    case nginx

    public var displayName: String { self == .apache ? "Apache httpd" : "nginx" }
}

/// The formats a line of an htpasswd file can hold.
public enum PasswordHashFormat: String, Sendable, Hashable, CaseIterable, Codable {
    /// `$apr1$salt$hash` — htpasswd -m (its default): Apache's MD5 crypt, 1000 rounds.
    case apr1
    /// `$1$salt$hash` — md5-crypt (FreeBSD/glibc), through crypt(3).
    case md5Crypt
    /// `$5$` — SHA-256 crypt (htpasswd -2).
    case sha256Crypt
    /// `$6$` — SHA-512 crypt (htpasswd -5).
    case sha512Crypt
    /// `$2y$`, `$2b$`, `$2a$` — bcrypt (htpasswd -B writes `$2y$`).
    case bcrypt
    /// `$y$` (yescrypt) or another scheme the system's crypt(3) accepts (`$gy$`, `$7$`…).
    case systemCrypt
    /// 13 characters of `[./0-9A-Za-z]` — traditional DES crypt (htpasswd -d). Only 8 characters count.
    case desCrypt
    /// `{SHA}base64(sha1(password))` — htpasswd -s. Unsalted.
    case sha1
    /// `{SSHA}base64(sha1(password+salt)+salt)` — OpenLDAP style; nginx only.
    case ssha
    /// `{PLAIN}password` — nginx only.
    case plainTagged
    /// The password itself (htpasswd -p). Neither Apache nor nginx on Linux ever matches it.
    case plainText

    /// A short human name (never includes the hash).
    public var displayName: String {
        switch self {
        case .apr1: "$apr1$ (Apache MD5)"
        case .md5Crypt: "$1$ (MD5 crypt)"
        case .sha256Crypt: "$5$ (SHA-256 crypt)"
        case .sha512Crypt: "$6$ (SHA-512 crypt)"
        case .bcrypt: "bcrypt"
        case .systemCrypt: "crypt(3) scheme"
        case .desCrypt: "DES crypt"
        case .sha1: "{SHA} (unsalted SHA-1)"
        case .ssha: "{SSHA} (salted SHA-1)"
        case .plainTagged: "{PLAIN} (plain text)"
        case .plainText: "plain text"
        }
    }

    /// Measured on Apache 2.4.71 and nginx 1.22.1 (Debian 12): does the server ever match this format?
    public func accepted(by server: PasswordServer) -> Bool {
        switch self {
        case .plainText: false
        case .ssha, .plainTagged: server == .nginx
        default: true
        }
    }

    /// Why the format is weak, or nil when it is a slow salted hash (bcrypt, SHA-crypt, yescrypt).
    public var weakness: String? {
        switch self {
        case .desCrypt:
            "DES crypt: only the first 8 characters of a password are checked, and it falls to brute force in hours"
        case .plainText, .plainTagged: "plain text: anyone who can read the file has the password"
        case .sha1:
            "{SHA}: unsalted SHA-1, one fast round — identical passwords share a hash and precomputed tables apply"
        case .ssha: "{SSHA}: a single round of salted SHA-1, billions of guesses per second on a GPU"
        case .apr1: "$apr1$: MD5 crypt (1000 MD5 rounds), fast enough to brute-force on a GPU"
        case .md5Crypt: "$1$: MD5 crypt (1000 MD5 rounds), fast enough to brute-force on a GPU"
        case .bcrypt, .sha256Crypt, .sha512Crypt, .systemCrypt: nil
        }
    }
}

/// What a stored hash turned out to be.
public enum PasswordHashShape: Sendable, Hashable {
    case format(PasswordHashFormat)
    /// Looks like a hash but is not one any server can use (`$9$…`, `{MD5}…`, a cut `$apr1$`…); the
    /// reason never contains the hash.
    case malformed(String)
}

/// The result of checking one password against one stored hash.
public enum PasswordVerdict: String, Sendable, Hashable, Codable {
    case match
    case mismatch
    /// The hash could not be evaluated (malformed, or crypt(3) refused it).
    case unverifiable
}
