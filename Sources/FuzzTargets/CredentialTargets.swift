import CredentialModel
import Credentials
import HTTPAuth

/// `htpasswd`, `jwt`: the password-file reader (hash formats identified, never verified: bcrypt would
/// make every run slow) and the unverified JWT decoder.
enum CredentialTargets {
    // MARK: htpasswd

    /// An htpasswd or htdigest file, read with the kind detected and with each kind forced.
    static func htpasswd(_ data: [UInt8]) {
        for kind in [nil, PasswordFile.Kind.htpasswd, .htdigest] {
            let file = PasswordFile.parse(data, kind: kind)
            if let kind { FuzzCheck.require(file.kind == kind, "the forced kind was not kept") }
            check(file)
        }
    }

    static func check(_ file: PasswordFile) {
        var seen: Set<String> = []
        var lastLine = 0
        for entry in file.entries {
            FuzzCheck.require(entry.line >= 1 && entry.line <= file.lineCount, "entry line \(entry.line) out of range")
            FuzzCheck.require(entry.line > lastLine, "entries out of line order")
            lastLine = entry.line
            FuzzCheck.require(!entry.user.isEmpty, "an entry with an empty user name")
            FuzzCheck.require(
                seen.insert(entry.user + "\u{0}" + (entry.realm ?? "")).inserted, "two entries for one user and realm")
            FuzzCheck.require(
                file.entry(user: entry.user, realm: entry.realm) == entry, "entry(user:realm:) finds another line")
            switch file.kind {
            case .htdigest:
                FuzzCheck.require(entry.realm != nil && entry.format == nil, "an htdigest entry without a realm")
                FuzzCheck.require(
                    entry.hash.utf8.count == 32 && entry.hash.utf8.allSatisfy { "0123456789abcdef".utf8.contains($0) },
                    "an htdigest hash that is not 32 lowercase hex digits")
                _ = file.realms(of: entry.user)
            case .htpasswd:
                FuzzCheck.require(entry.realm == nil && entry.format != nil, "an htpasswd entry without a format")
                if case .malformed = PasswordHash.identify(entry.hash) {
                    FuzzCheck.require(false, "an entry whose hash identify() calls malformed")
                }
            }
            _ = file.caseVariants(of: entry.user)
            _ = PasswordFile.display(entry.user)
        }
        for malformed in file.malformed {
            FuzzCheck.require(
                malformed.line >= 1 && malformed.line <= max(file.lineCount, 1),
                "malformed line \(malformed.line) out of range")
        }
    }

    // MARK: jwt

    /// A token as pasted (`why401 token`): decoded without verification, its claims read.
    static func jwt(_ data: [UInt8]) {
        let text = data.lossyText
        switch JWT.decode(text) {
        case .success(let token):
            _ = (token.algorithm, token.keyID, token.expiresAt, token.notBefore, token.issuedAt)
            _ = (token.audience, token.issuer, token.subject)
            let trimmed = text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace)
            let parts = trimmed.split(separator: ".", omittingEmptySubsequences: false)
            FuzzCheck.require(parts.count == 3, "decoded a token of \(parts.count) parts")
        case .failure(let failure):
            _ = failure.description
        }
        _ = BearerAuth.inspect(token: text)
    }
}
