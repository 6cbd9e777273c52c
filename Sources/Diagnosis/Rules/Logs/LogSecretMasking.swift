import Evidence
import HTTPAuth

/// Logs are not supposed to hold credentials, but some do: a custom `LogFormat` with
/// `%{Authorization}i`, a JSON log with an `authorization` field, tokens in query strings
/// (`?access_token=…`), or a Basic header that ended up in a user-agent field. Every string that
/// comes out of a log passes through here before any rule or renderer sees it, using the same masking
/// as the live probe (`SecretMasking`). User names are not secrets and stay as they are, except
/// names that look like API keys (masked as in `Basic` credentials).
public enum LogSecretMasking {
    /// Words that start an `Authorization` value; what follows them is masked.
    static let schemes: Set<String> = ["basic", "bearer", "digest", "negotiate", "ntlm", "token", "hoba", "mutual", "aws4-hmac-sha256", "dpop", "mac"]
    /// Scheme names that are also everyday words in user agents and text ("Intel Mac OS X",
    /// "token expired"): they start a credential only when a credential-shaped word follows
    /// (at least 8 characters, or a `name="value"` parameter list).
    static let ambiguousSchemes: Set<String> = ["mac", "token"]

    public static func masked(_ s: LogSummary) -> LogSummary {
        var s = s
        // A big log repeats the same few user names across tens of thousands of client records:
        // each distinct name is judged once.
        var users: [String: String] = [:]
        func user(_ value: String) -> String {
            if let done = users[value] { return done }
            let result = LogSecretMasking.user(value)
            users[value] = result
            return result
        }
        s.topPaths = s.topPaths.map { Tally(path($0.value), $0.count) }
        s.topClients = s.topClients.map { Tally(text($0.value), $0.count) }
        s.topUsers = s.topUsers.map { Tally(user($0.value), $0.count) }
        s.topUserAgents = s.topUserAgents.map { Tally(text($0.value), $0.count) }
        for i in s.clients.indices {
            let address = s.clients[i].address
            if mayHoldSecret(address) { s.clients[i].address = text(address) }
            if !s.clients[i].usersTried.isEmpty { s.clients[i].usersTried = s.clients[i].usersTried.map(user) }
        }
        for i in s.users.indices { s.users[i].name = user(s.users[i].name) }
        s.errorEvents = s.errorEvents.map { e in
            var e = e
            e.user = e.user.map(user)
            e.path = e.path.map(path)
            e.file = e.file.map(text)
            e.reason = e.reason.map(text)
            return e
        }
        return s
    }

    /// A request path: secret query parameters masked, then any credential in it.
    public static func path(_ value: String) -> String { text(SecretMasking.maskURL(value)) }

    /// A user name: kept, unless it is itself a credential or looks like an API key.
    public static func user(_ value: String) -> String {
        let t = text(value)
        return t != value ? t : SecretMasking.displayUser(value, passwordIsEmpty: false)
    }

    /// Free text (user agents, addresses): `Basic …`/`Bearer …` values and JWT-shaped tokens masked.
    public static func text(_ value: String) -> String {
        guard mayHoldSecret(value) else { return value }
        // One word (addresses, most paths): only a JWT can be masked; skip the split.
        if !value.utf8.contains(0x20) {
            guard value.contains("eyJ") else { return value }
            let bare = value.trimmingQuotes()
            return looksLikeJWT(bare) ? SecretMasking.maskOpaque(bare) : value
        }
        var words = value.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        var changed = false
        var i = 0
        while i < words.count {
            let bare = words[i].trimmingQuotes()
            let scheme = bare.lowercased()
            if schemes.contains(scheme), i + 1 < words.count, !words[i + 1].isEmpty,
                !ambiguousSchemes.contains(scheme) || words[i + 1].trimmingQuotes().count >= 8 || words[i + 1].contains("=")
            {
                // The scheme's credential runs to the end for Digest-like parameter lists, else one word.
                let parameterList = words[(i + 1)...].joined(separator: " ").contains("=\"")
                let end = parameterList ? words.count : i + 2
                let credential = words[(i + 1)..<end].joined(separator: " ")
                let value = parameterList ? credential : credential.trimmingQuotes()
                words.replaceSubrange(i..<end, with: [SecretMasking.maskCredentials("\(bare) \(value)")])
                changed = true
            } else if looksLikeJWT(bare) {
                words[i] = SecretMasking.maskOpaque(bare)
                changed = true
            }
            i += 1
        }
        return changed ? words.joined(separator: " ") : value
    }

    /// Whether `text` could change the value: it has a space (a scheme and its credential) or `eyJ` (a JWT).
    /// One pass over the bytes — the common case for the thousands of addresses of a big log.
    static func mayHoldSecret(_ value: String) -> Bool {
        var previous2: UInt8 = 0, previous: UInt8 = 0
        for byte in value.utf8 {
            if byte == 0x20 || (previous2 == 0x65 && previous == 0x79 && byte == 0x4A) { return true }
            previous2 = previous
            previous = byte
        }
        return false
    }

    /// Three base64url parts starting with `eyJ` (`{"` encoded).
    static func looksLikeJWT(_ word: String) -> Bool {
        guard word.hasPrefix("eyJ"), word.count > 20 else { return false }
        return word.split(separator: ".", omittingEmptySubsequences: false).count == 3
    }
}

extension String {
    fileprivate func trimmingQuotes() -> String {
        var s = Substring(self)
        while let f = s.first, f == "\"" || f == "'" { s = s.dropFirst() }
        while let l = s.last, l == "\"" || l == "'" || l == "," { s = s.dropLast() }
        return String(s)
    }
}
