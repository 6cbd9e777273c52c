import Evidence
import Foundation

/// Apache (2.4 with AH codes, 2.2/2.0 without) and nginx error-log lines mapped to authentication
/// causes (the shapes measured on real Apache 2.4 and nginx 1.22: docs/log-scanner.md). Error logs are small next to
/// access logs: this works on `String`s, one line (a record's first) at a time.
enum ErrorLogParser {
    enum Flavor: String {
        case apache = "apache-error"
        case nginx = "nginx-error"
    }

    /// Which error-log flavour a line looks like (a record's first line), or nil for anything else:
    /// a continuation line of a multi-line record, a comment, an access-log line.
    static func flavor(of line: Substring) -> Flavor? {
        var line = line
        return line.withUTF8 { flavor(of: $0) }
    }

    static func flavor(of line: UnsafeBufferPointer<UInt8>) -> Flavor? {
        guard let p = line.baseAddress else { return nil }
        let n = min(line.count, 40)
        if n >= 27, p[0] == 0x5B, let close = (1..<n).first(where: { p[$0] == 0x5D }), close > 24,
            TimeParse.apacheError(p + 1, close - 1) != nil
        {
            return .apache
        }
        if n >= 21, p[19] == 0x20, p[20] == 0x5B, TimeParse.nginxError(p, 19) != nil {
            return .nginx
        }
        return nil
    }

    struct Match: Hashable {
        var cause: ErrorEvent.Cause
        var server: String
        var code: String?
        var user: String?
        var path: String?
        var file: String?
        var reason: String?
        var time: Int64?
        /// nginx `open() "FILE" failed` that is the user file only if FILE turns out to be one (named
        /// by a `was not found in "FILE"` line, or given as a user file); otherwise a missing document.
        var tentative = false
    }

    static func parse(_ line: String, flavor: Flavor) -> Match? {
        switch flavor {
        case .apache: return apache(line)
        case .nginx: return nginx(line)
        }
    }

    private static func between(_ s: Substring, _ open: String, _ close: String, last: Bool = false) -> Substring? {
        guard let a = s.range(of: open) else { return nil }
        let rest = s[a.upperBound...]
        guard let b = last ? rest.range(of: close, options: .backwards) : rest.range(of: close) else { return nil }
        return rest[..<b.lowerBound]
    }

    private static func after(_ s: Substring, _ marker: String, last: Bool = false) -> Substring? {
        guard let a = last ? s.range(of: marker, options: .backwards) : s.range(of: marker) else { return nil }
        return s[a.upperBound...]
    }

    // MARK: Apache

    /// The authentication messages of Apache, each the same in 2.4 (after its AH code) and in 2.2/2.0
    /// (no code; mod_auth_digest 2.2 prefixes its own with `Digest: `). Shapes as fail2ban's
    /// `apache-auth` filter and the httpd sources have them.
    enum ApacheShape {
        /// `user NAME: authentication failure for "PATH": Password Mismatch` (AH01617)
        case basicMismatch
        /// `user NAME not found: PATH` (AH01618)
        case basicNotFound
        /// `client used wrong authentication scheme: PATH` (AH01614), ``… scheme `Basic': PATH`` (AH01781)
        case wrongScheme
        /// `Could not open password file: FILE` (AH01620 Basic, AH01622 Digest), errno text before it
        case passwordFile
        /// `user NAME: password mismatch: PATH` (AH01792 without qop, AH01794 with)
        case digestMismatch
        /// `invalid or missing qop value '(null)', RFC 2069 is no longer supported: PATH` (AH10560): Apache
        /// 2.4.71 refuses the qop-less Digest answers older releases checked (and logged as AH01792)
        case digestWithoutQop
        /// ``user `NAME' in realm `REALM' not found: PATH`` (AH01790)
        case digestNotFound
        /// `user NAME: authorization failure for "PATH": ` (AH01631); 2.2: `access to PATH failed, reason:
        /// user 'NAME' does not meet 'require'ments …`, `Authorization of user NAME to access PATH failed, reason: …`
        case authorizationFailure
        /// `No authentication done but request not allowed without authentication for PATH. …` (AH00027);
        /// 2.2: `configuration error:  couldn't check user: PATH`
        case authNotConfigured
    }

    /// The 2.4 codes of those messages. Any other code is not an authentication cause.
    static let apacheCodes: [String: ApacheShape] = [
        "AH01617": .basicMismatch, "AH01618": .basicNotFound, "AH01614": .wrongScheme, "AH01781": .wrongScheme,
        "AH01620": .passwordFile, "AH01622": .passwordFile, "AH01790": .digestNotFound, "AH01792": .digestMismatch,
        "AH01794": .digestMismatch, "AH10560": .digestWithoutQop, "AH01631": .authorizationFailure,
        "AH00027": .authNotConfigured,
    ]

    /// The order code-less (2.2/2.0) messages are tried in: the more specific shapes first.
    static let apacheTextOrder: [ApacheShape] = [
        .digestNotFound, .basicMismatch, .authorizationFailure, .digestMismatch, .basicNotFound, .wrongScheme,
        .passwordFile,
        .authNotConfigured,
    ]

    typealias Fields = (cause: ErrorEvent.Cause, user: Substring?, path: Substring?, file: Substring?)

    /// `text` is the message from its first character (after the code): every shape is anchored there,
    /// so a path or user that merely contains such words (`File does not exist: /x/user root not found: /y`)
    /// is not taken for one.
    static func match(_ shape: ApacheShape, _ text: Substring) -> Fields? {
        switch shape {
        case .basicMismatch:
            guard text.hasPrefix("user "), let user = between(text, "user ", ": authentication failure for \"") else {
                return nil
            }
            return (.passwordMismatch, user, between(text, "authentication failure for \"", "\"", last: true), nil)
        case .basicNotFound:
            guard text.hasPrefix("user "), let user = between(text, "user ", " not found: ", last: true) else {
                return nil
            }
            return (.userNotFound, user, after(text, " not found: "), nil)
        case .wrongScheme:
            let head = "client used wrong authentication scheme"
            guard text.hasPrefix(head) else { return nil }
            let rest = text.dropFirst(head.count)
            if rest.hasPrefix(": ") { return (.wrongScheme, nil, rest.dropFirst(2), nil) }
            // Digest area, other scheme: `` `Basic': PATH`` (a scheme name has no spaces)
            guard rest.hasPrefix(" `"), let path = after(rest, "': ") else { return nil }
            return (.wrongScheme, nil, path, nil)
        case .passwordFile:
            let head = "Could not open password file: "
            guard text.hasPrefix(head) else { return nil }
            return (.authfileUnreadable, nil, nil, text.dropFirst(head.count))
        case .digestMismatch:
            guard text.hasPrefix("user "), let user = between(text, "user ", ": password mismatch: ", last: true) else {
                return nil
            }
            return (.passwordMismatch, user, after(text, ": password mismatch: ", last: true), nil)
        case .digestWithoutQop:
            guard text.hasPrefix("invalid or missing qop value "),
                let path = after(text, "RFC 2069 is no longer supported: ")
            else { return nil }
            return (.wrongScheme, nil, path, nil)
        case .digestNotFound:
            guard text.hasPrefix("user `"), let user = between(text, "user `", "' in realm `") else { return nil }
            guard let path = after(text, "' not found: ", last: true) else { return nil }
            return (.userNotFound, user, path, nil)
        case .authorizationFailure:
            if text.hasPrefix("user "), let user = between(text, "user ", ": authorization failure for \"") {
                return (
                    .authorizationFailure, user, between(text, "authorization failure for \"", "\"", last: true), nil
                )
            }
            if text.hasPrefix("access to "), let path = between(text, "access to ", " failed, reason: user '"),
                let user = between(text, " failed, reason: user '", "' does not meet 'require'ments", last: true)
            {
                return (.authorizationFailure, user, path, nil)
            }
            if text.hasPrefix("Authorization of user "),
                let user = between(text, "Authorization of user ", " to access "),
                let path = between(text, " to access ", " failed, reason: ", last: true)
            {
                return (.authorizationFailure, user, path, nil)
            }
            return nil
        case .authNotConfigured:
            if text.hasPrefix("No authentication done but request not allowed without authentication for ") {
                return (
                    .authNotConfigured, nil,
                    between(text, "without authentication for ", ". Authentication not configured?"), nil
                )
            }
            if text.hasPrefix("configuration error:"), let path = after(text, "couldn't check user: ") {
                return (.authNotConfigured, nil, path, nil)
            }
            return nil
        }
    }

    static func apache(_ line: String) -> Match? {
        var s = Substring(line)
        guard s.first == "[", let close = s.firstIndex(of: "]") else { return nil }
        let timeText = Array(s[s.index(after: s.startIndex)..<close].utf8)
        let time = timeText.withUnsafeBufferPointer { TimeParse.apacheError($0.baseAddress!, $0.count) }
        s = s[s.index(after: close)...]
        // drop `[module:level]` (2.2: `[error]`), `[pid …]`, then errno text and `[client …]` / `[remote …]` in any
        // order
        var reason: String?
        var message = s
        while true {
            let trimmed = message.drop(while: { $0 == " " })
            if trimmed.hasPrefix("["), let end = trimmed.firstIndex(of: "]") {
                message = trimmed[trimmed.index(after: end)...]
                continue
            }
            if trimmed.hasPrefix("("), let end = trimmed.firstIndex(of: ")"),
                let colon = trimmed[end...].firstIndex(of: ":"),
                trimmed[trimmed.index(after: trimmed.startIndex)..<end].allSatisfy({ $0.isNumber || $0 == "-" })
            {
                reason = String(trimmed[trimmed.index(after: end)..<colon])
                message = trimmed[trimmed.index(after: colon)...]
                continue
            }
            message = trimmed
            break
        }
        if let referer = message.range(of: ", referer: ", options: .backwards) {
            message = message[..<referer.lowerBound]
        }
        func m(_ f: Fields, _ code: String?) -> Match {
            Match(
                cause: f.cause, server: "apache", code: code, user: f.user.map(String.init),
                path: f.path.map(String.init),
                file: f.file.map(String.init), reason: f.cause == .authfileUnreadable ? reason : nil, time: time)
        }
        if message.hasPrefix("AH"), message.count > 9, message.dropFirst(2).prefix(5).allSatisfy(\.isNumber),
            message.dropFirst(7).hasPrefix(": ")
        {
            let code = String(message.prefix(7))
            guard let shape = apacheCodes[code], let f = match(shape, message.dropFirst(9)) else { return nil }
            return m(f, code)
        }
        if let r = message.range(of: " not allowed here") {
            let head = message[..<r.lowerBound]
            if let colon = head.range(of: ": ", options: .backwards) {
                let directive = head[colon.upperBound...]
                if directive.hasPrefix("Auth") || directive == "Require" {
                    return m((.htaccessNotAllowed, nil, nil, head[..<colon.lowerBound]), nil)
                }
            }
        }
        // Apache 2.2 / 2.0: no code, the same messages (mod_auth_digest's prefixed with `Digest: `)
        let text = message.hasPrefix("Digest: ") ? message.dropFirst(8) : message
        for shape in apacheTextOrder {
            if let f = match(shape, text) { return m(f, nil) }
        }
        return nil
    }

    // MARK: nginx

    static func nginx(_ line: String) -> Match? {
        let bytes = Array(line.utf8.prefix(19))
        guard bytes.count == 19 else { return nil }
        let time = bytes.withUnsafeBufferPointer { TimeParse.nginxError($0.baseAddress!, 19) }
        var s = Substring(line).dropFirst(19).drop(while: { $0 == " " })
        guard s.hasPrefix("["), let close = s.firstIndex(of: "]") else { return nil }
        let level = s[s.index(after: s.startIndex)..<close]
        s = s[s.index(after: close)...].drop(while: { $0 == " " })
        // pid#tid:
        if let colon = s.firstIndex(of: ":"), s[..<colon].contains("#") {
            s = s[s.index(after: colon)...].drop(while: { $0 == " " })
        }
        if s.hasPrefix("*"), let space = s.firstIndex(of: " ") { s = s[s.index(after: space)...] }
        let message: Substring
        var requestPath: String?
        if let c = s.range(of: ", client: ") {
            message = s[..<c.lowerBound]
            if let request = between(s[c.upperBound...], "request: \"", "\"") {
                let parts = request.split(separator: " ", maxSplits: 2)
                if parts.count >= 2 {
                    let target = parts[1]
                    requestPath = String(
                        target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
                }
            }
        } else {
            message = s
        }
        func m(_ cause: ErrorEvent.Cause, user: Substring? = nil, file: Substring? = nil, reason: Substring? = nil)
            -> Match
        {
            Match(
                cause: cause, server: "nginx", code: nil, user: user.map(String.init), path: requestPath,
                file: file.map(String.init), reason: reason.map(String.init), time: time)
        }
        // anchored at the message start: PHP-FPM output (`FastCGI sent in stderr: "…`) may quote anything
        if message.hasPrefix("user \""), message.contains("\" was not found in \"") {
            return m(
                .userNotFound, user: between(message, "user \"", "\" was not found in \"", last: true),
                file: between(message, "\" was not found in \"", "\"", last: true))
        }
        if message.hasPrefix("user \""), message.hasSuffix("\": password mismatch") {
            return m(.passwordMismatch, user: between(message, "user \"", "\": password mismatch", last: true))
        }
        if message.hasPrefix("no user/password was provided for basic authentication") {
            return m(.noCredentials)
        }
        if message.hasPrefix("open() \""), let file = between(message, "open() \"", "\" failed (", last: true) {
            let failure = between(message, "\" failed (", ")", last: true)
            var errorNumber: Int?
            if let failure, let colon = failure.firstIndex(of: ":") { errorNumber = Int(failure[..<colon]) }
            let reason = failure.map { r -> Substring in
                if let colon = r.firstIndex(of: ":") { return r[r.index(after: colon)...].drop(while: { $0 == " " }) }
                return r
            }
            switch userFileVerdict(file: file, requestPath: requestPath, level: level, errno: errorNumber) {
            case .document: return nil
            case .userFile: return m(.authfileUnreadable, file: file, reason: reason)
            case .ifKnown:
                var match = m(.authfileUnreadable, file: file, reason: reason)
                match.tentative = true
                return match
            }
        }
        return nil
    }

    enum UserFileVerdict { case userFile, document, ifKnown }

    /// nginx logs the same `open() "FILE" failed (E: …)` for a user file it cannot open (auth_basic)
    /// and for a document it cannot serve (static module: the percent-decoded URI under `root`, an
    /// `alias` target, an `error_page` target like `/404.html`). Measured on nginx 1.22.1: auth_basic
    /// logs EACCES at `crit`, the static module at `error`; a missing file is `error` in both.
    static func userFileVerdict(file: Substring, requestPath: String?, level: Substring, errno: Int?) -> UserFileVerdict
    {
        if level == "crit" && errno == 13 { return .userFile }
        let base = basename(file)
        if let requestPath {
            // the request names this very file (`GET /.htpasswd` from a scanner, an alias or root hit)
            let decoded = percentDecoded(requestPath)
            if let last = decoded.split(separator: "/", omittingEmptySubsequences: false).last, !last.isEmpty,
                last == base
            {
                return .document
            }
        }
        return looksLikeUserFile(base) ? .userFile : .ifKnown
    }

    static func basename(_ path: Substring) -> Substring {
        path.lastIndex(of: "/").map { path[path.index(after: $0)...] } ?? path
    }

    /// `.htpasswd`, `htpasswd.users`, `site.htdigest`, `passwords`, `nginx-passwd`: named like a user
    /// file and not like a web document (`forgot-password.html`).
    static func looksLikeUserFile(_ base: Substring) -> Bool {
        let name = base.lowercased()
        guard ["passw", "htdigest", "htpass", "htuser"].contains(where: { name.contains($0) }) else { return false }
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            let ext = name[name.index(after: dot)...]
            if documentExtensions.contains(String(ext)) { return false }
        }
        return true
    }

    static let documentExtensions: Set<String> = [
        "html", "htm", "shtml", "xhtml", "php", "asp", "aspx", "jsp", "cgi", "pl", "py", "js", "mjs", "css", "map",
        "png", "jpg",
        "jpeg", "gif", "ico", "svg", "webp", "avif", "json", "xml", "rss", "pdf", "zip", "gz", "woff", "woff2", "ttf",
        "eot",
        "mp4", "webm", "mp3", "md",
    ]

    /// `%XX` decoded as nginx does before mapping a URI to a file (invalid escapes kept as they are).
    static func percentDecoded(_ s: String) -> Substring {
        guard s.contains("%") else { return Substring(s) }
        let b = Array(s.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(b.count)
        var i = 0
        func hex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x41...0x46: return c - 0x41 + 10
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }
        while i < b.count {
            if b[i] == 0x25, i + 2 < b.count, let h = hex(b[i + 1]), let l = hex(b[i + 2]) {
                out.append(h << 4 | l)
                i += 3
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return Substring(String(decoding: out, as: UTF8.self))
    }
}
