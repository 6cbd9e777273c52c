import Foundation
import Evidence

/// Apache 2.4 and nginx error-log lines mapped to authentication causes (see real-servers.md for
/// the shapes measured on this machine). Error logs are small next to access logs: this works on
/// `String`s, one line at a time.
enum ErrorLogParser {
    enum Flavor: String { case apache = "apache-error", nginx = "nginx-error" }

    /// Which error-log flavour a line looks like, or nil for anything else.
    static func flavor(of line: Substring) -> Flavor? {
        let b = Array(line.utf8.prefix(40))
        if b.count >= 27, b[0] == 0x5B, b.withUnsafeBufferPointer({ p in
            let close = p.firstIndex(of: 0x5D) ?? 0
            return close > 24 && TimeParse.apacheError(p.baseAddress! + 1, close - 1) != nil
        }) {
            return .apache
        }
        if b.count >= 21, b.withUnsafeBufferPointer({ TimeParse.nginxError($0.baseAddress!, 19) != nil }), b[19] == 0x20,
            b[20] == 0x5B
        {
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

    private static func after(_ s: Substring, _ marker: String) -> Substring? {
        guard let a = s.range(of: marker) else { return nil }
        return s[a.upperBound...]
    }

    static func apache(_ line: String) -> Match? {
        var s = Substring(line)
        guard s.first == "[", let close = s.firstIndex(of: "]") else { return nil }
        let timeText = Array(s[s.index(after: s.startIndex)..<close].utf8)
        let time = timeText.withUnsafeBufferPointer { TimeParse.apacheError($0.baseAddress!, $0.count) }
        s = s[s.index(after: close)...]
        // drop `[module:level]`, `[pid …]`, then errno text and `[client …]` / `[remote …]` in any order
        var reason: String?
        var message = s
        while true {
            let trimmed = message.drop(while: { $0 == " " })
            if trimmed.hasPrefix("["), let end = trimmed.firstIndex(of: "]") {
                message = trimmed[trimmed.index(after: end)...]
                continue
            }
            if trimmed.hasPrefix("("), let end = trimmed.firstIndex(of: ")"), let colon = trimmed[end...].firstIndex(of: ":"),
                trimmed[trimmed.index(after: trimmed.startIndex)..<end].allSatisfy({ $0.isNumber || $0 == "-" })
            {
                reason = String(trimmed[trimmed.index(after: end)..<colon])
                message = trimmed[trimmed.index(after: colon)...]
                continue
            }
            message = trimmed
            break
        }
        if let referer = message.range(of: ", referer: ", options: .backwards) { message = message[..<referer.lowerBound] }
        func m(_ cause: ErrorEvent.Cause, _ code: String?, user: Substring? = nil, path: Substring? = nil, file: Substring? = nil) -> Match {
            Match(
                cause: cause, server: "apache", code: code, user: user.map(String.init), path: path.map(String.init),
                file: file.map(String.init), reason: cause == .authfileUnreadable ? reason : nil, time: time)
        }
        if message.hasPrefix("AH"), message.count > 9, message.dropFirst(2).prefix(5).allSatisfy(\.isNumber),
            message.dropFirst(7).hasPrefix(": ")
        {
            let code = String(message.prefix(7))
            let text = message.dropFirst(9)
            switch code {
            case "AH01617":
                return m(.passwordMismatch, code, user: between(text, "user ", ": authentication failure for \""),
                         path: between(text, "authentication failure for \"", "\"", last: true))
            case "AH01618":
                return m(.userNotFound, code, user: between(text, "user ", " not found: ", last: true),
                         path: after(text, " not found: ").map { $0 })
            case "AH01614":
                return m(.wrongScheme, code, path: after(text, "wrong authentication scheme: "))
            case "AH01620":
                return m(.authfileUnreadable, code, file: after(text, "Could not open password file: "))
            case "AH01790":
                return m(.userNotFound, code, user: between(text, "user `", "' in realm `"),
                         path: text.range(of: "' not found: ", options: .backwards).map { text[$0.upperBound...] })
            case "AH01794":
                return m(.passwordMismatch, code, user: between(text, "user ", ": password mismatch: ", last: true),
                         path: text.range(of: ": password mismatch: ", options: .backwards).map { text[$0.upperBound...] })
            case "AH01781":
                return m(.wrongScheme, code, path: text.range(of: "': ", options: .backwards).map { text[$0.upperBound...] })
            case "AH01631":
                return m(.authorizationFailure, code, user: between(text, "user ", ": authorization failure for \""),
                         path: between(text, "authorization failure for \"", "\"", last: true))
            case "AH00027":
                return m(.authNotConfigured, code, path: between(text, "without authentication for ", ". Authentication not configured?"))
            default:
                return nil
            }
        }
        if let r = message.range(of: " not allowed here") {
            let head = message[..<r.lowerBound]
            if let colon = head.range(of: ": ", options: .backwards) {
                let directive = head[colon.upperBound...]
                if directive.hasPrefix("Auth") || directive == "Require" {
                    return m(.htaccessNotAllowed, nil, file: head[..<colon.lowerBound])
                }
            }
        }
        return nil
    }

    static func nginx(_ line: String) -> Match? {
        let bytes = Array(line.utf8.prefix(19))
        guard bytes.count == 19 else { return nil }
        let time = bytes.withUnsafeBufferPointer { TimeParse.nginxError($0.baseAddress!, 19) }
        var s = Substring(line).dropFirst(19).drop(while: { $0 == " " })
        guard s.hasPrefix("["), let close = s.firstIndex(of: "]") else { return nil }
        s = s[s.index(after: close)...].drop(while: { $0 == " " })
        // pid#tid:
        if let colon = s.firstIndex(of: ":"), s[..<colon].contains("#") { s = s[s.index(after: colon)...].drop(while: { $0 == " " }) }
        if s.hasPrefix("*"), let space = s.firstIndex(of: " ") { s = s[s.index(after: space)...] }
        let message: Substring
        var requestPath: String?
        if let c = s.range(of: ", client: ") {
            message = s[..<c.lowerBound]
            if let request = between(s[c.upperBound...], "request: \"", "\"") {
                let parts = request.split(separator: " ", maxSplits: 2)
                if parts.count >= 2 {
                    let target = parts[1]
                    requestPath = String(target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0])
                }
            }
        } else {
            message = s
        }
        func m(_ cause: ErrorEvent.Cause, user: Substring? = nil, file: Substring? = nil, reason: Substring? = nil) -> Match {
            Match(cause: cause, server: "nginx", code: nil, user: user.map(String.init), path: requestPath,
                  file: file.map(String.init), reason: reason.map(String.init), time: time)
        }
        if message.contains("\" was not found in \"") {
            return m(.userNotFound, user: between(message, "user \"", "\" was not found in \"", last: true),
                     file: between(message, "\" was not found in \"", "\"", last: true))
        }
        if message.hasSuffix("\": password mismatch") {
            return m(.passwordMismatch, user: between(message, "user \"", "\": password mismatch", last: true))
        }
        if message.hasPrefix("no user/password was provided for basic authentication") {
            return m(.noCredentials)
        }
        if message.hasPrefix("open() \""), let file = between(message, "open() \"", "\" failed (", last: true) {
            // the static module logs the same shape for missing documents: those end with the URI
            if let requestPath, requestPath != "/", file.hasSuffix(requestPath) { return nil }
            let reason = between(message, "\" failed (", ")", last: true).map { r -> Substring in
                if let colon = r.firstIndex(of: ":") { return r[r.index(after: colon)...].drop(while: { $0 == " " }) }
                return r
            }
            return m(.authfileUnreadable, file: file, reason: reason)
        }
        return nil
    }
}
